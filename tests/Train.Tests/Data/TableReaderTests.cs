using System.IO.Compression;
using System.Text;
using Mmcs.Core;
using Mmcs.Train.Data;

namespace Mmcs.Train.Tests.Data;

public sealed class TableReaderTests : IDisposable
{
    private readonly TempDir _tmp = new("mmcs-table");

    public void Dispose() => _tmp.Dispose();

    private string Write(string name, string text, Encoding? encoding = null)
    {
        string path = _tmp.File(name);
        File.WriteAllText(path, text, encoding ?? new UTF8Encoding(false));
        return path;
    }

    private static readonly TableReadOptions MoodLabel = new() { LabelColumn = "mood" };

    [Fact]
    public void A_csv_with_quotes_numbers_categories_and_an_id_column_is_typed_column_by_column()
    {
        string path = Write("t.csv",
            "id,tempo,\"genre, main\",mood,path\n" +
            "1,120.5,rock,happy,a.mp3\n" +
            "2,-3e-2,\"jazz \"\"cool\"\"\",sad,b.mp3\n" +
            "3,,rock,happy,c.mp3\n" +
            "4,99,pop,sad,d.mp3\n" +
            "5,100,rock,sad,e.mp3\n");
        var result = TableReader.Read(path, MoodLabel);
        var ds = result.Dataset;
        Assert.Equal(["tempo", "genre, main"], ds.Frame.ColumnNames);
        Assert.Equal(ColumnKind.Numeric, ds.Frame.Columns[0].Kind);
        Assert.Equal([120.5, -0.03, double.NaN, 99, 100], ds.Frame.Columns[0].Numbers!);
        Assert.Equal(ColumnKind.Categorical, ds.Frame.Columns[1].Kind);
        Assert.Equal("jazz \"cool\"", ds.Frame.Columns[1].Categories![1]);
        Assert.Equal(["happy", "sad"], ds.ClassNames);
        Assert.Equal([0, 1, 0, 1, 1], ds.Labels);
        Assert.Equal(["id", "path"], result.IgnoredColumns);
        Assert.Contains(result.Notices, n => n.Contains("'tempo'") && n.Contains("1 missing value") && n.Contains("median"));
        Assert.Contains(result.Notices, n => n.Contains("'id'") && n.Contains("identifier"));
    }

    [Fact]
    public void A_text_column_unique_in_every_row_is_ignored_as_an_identifier_and_groups_are_read()
    {
        string path = Write("t.csv",
            "Song;x;artist;mood\nMT1;1;A;q1\nMT2;2;A;q2\nMT3;3;B;q1\nMT4;4;B;q2\nMT5;5;C;q1\nMT6;6;C;q2\n");
        var result = TableReader.Read(path, MoodLabel with { GroupColumn = "artist" });
        Assert.Equal(["x"], result.Dataset.Frame.ColumnNames);
        Assert.Equal(["Song"], result.IgnoredColumns);
        Assert.Equal(["A", "A", "B", "B", "C", "C"], result.Dataset.Groups!);
    }

    [Fact]
    public void A_featuriser_feature_table_keeps_only_its_feature_columns()
    {
        string path = Write("features.csv",
            "id,path,label,group,song,augmentation,rms_mean,tempo\n" +
            "a1,Q1/s1.mp3,happy,artA,s1,,0.1,120\n" +
            "a2,Q1/s1.mp3,happy,artA,s1,noise,0.12,121\n" +
            "b1,Q3/s2.mp3,sad,artB,s2,,0.05,80\n" +
            "c1,Q3/s3.mp3,sad,artC,s3,,0.04,70\n" +
            "d1,Q1/s4.mp3,happy,artD,s4,,0.2,130\n" +
            "e1,Q3/s5.mp3,sad,artE,s5,,0.06,75\n");
        var result = TableReader.Read(path, new TableReadOptions { LabelColumn = "label", GroupColumn = "group" });
        Assert.Equal(["rms_mean", "tempo"], result.Dataset.Frame.ColumnNames);
        Assert.Equal(["id", "path", "song", "augmentation"], result.IgnoredColumns);
        Assert.Equal("artA", result.Dataset.Groups![1]);
    }

    [Fact]
    public void A_latin1_csv_is_read_when_its_bytes_are_not_utf8()
    {
        string path = Write("t.csv", "artist,x,mood\nBjörk,1,a\nSigur Rós,2,b\nBjörk,3,a\nAbba,4,b\nAbba,5,a\n", Encoding.Latin1);
        var ds = TableReader.Read(path, MoodLabel with { LabelColumn = "mood" }).Dataset;
        Assert.Equal("Björk", ds.Frame.Columns[0].Categories![0]);
        Assert.Equal("Sigur Rós", ds.Frame.Columns[0].Categories![1]);
    }

    [Fact]
    public void A_missing_label_column_names_the_file_and_the_columns_there_are()
    {
        string path = Write("songs.csv", "a,b\n1,2\n3,4\n");
        var e = Assert.Throws<MmcsException>(() => TableReader.Read(path, MoodLabel));
        Assert.Equal(ErrorCodes.DataInvalid, e.ErrorCode);
        Assert.Contains("songs.csv", e.Message);
        Assert.Contains("'mood'", e.Message);
        Assert.Contains("a, b", e.Message);
    }

    [Fact]
    public void A_single_class_is_a_clear_error()
    {
        string path = Write("one.csv", "x,mood\n1,happy\n2,happy\n3,happy\n");
        var e = Assert.Throws<MmcsException>(() => TableReader.Read(path, MoodLabel));
        Assert.Equal(ErrorCodes.DataInvalid, e.ErrorCode);
        Assert.Contains("single class", e.Message);
        Assert.Contains("happy", e.Message);
    }

    [Fact]
    public void Text_in_a_numeric_column_names_the_column_the_line_and_the_value()
    {
        var sb = new StringBuilder("x,y,mood\n");
        for (int i = 0; i < 20; i++) sb.Append(i).Append(',').Append(i == 13 ? "twelve" : (i * 0.5).ToString(Invariant.Culture)).Append(",m").Append(i % 2).Append('\n');
        string path = Write("bad.csv", sb.ToString());
        var e = Assert.Throws<MmcsException>(() => TableReader.Read(path, MoodLabel));
        Assert.Equal(ErrorCodes.DataInvalid, e.ErrorCode);
        Assert.Contains("bad.csv", e.Message);
        Assert.Contains("'y'", e.Message);
        Assert.Contains("row 15", e.Message); // line 15 of the file: header + 14th data row
        Assert.Contains("twelve", e.Message);
    }

    [Fact]
    public void An_infinite_value_is_rejected_and_NaN_is_treated_as_missing()
    {
        string inf = Write("inf.csv", "x,mood\n1,a\nInfinity,b\n3,a\n4,b\n");
        var e = Assert.Throws<MmcsException>(() => TableReader.Read(inf, MoodLabel));
        Assert.Contains("infinite", e.Message);
        Assert.Contains("row 3", e.Message);

        string nan = Write("nan.csv", "x,mood\n1,a\nNaN,b\nNA,a\n4,b\n");
        var r = TableReader.Read(nan, MoodLabel);
        Assert.Equal(2, r.Dataset.Frame.Columns[0].Numbers!.Count(double.IsNaN));
    }

    [Fact]
    public void A_row_without_a_label_or_with_a_wrong_field_count_is_an_error_naming_the_line()
    {
        var e1 = Assert.Throws<MmcsException>(() => TableReader.Read(Write("l.csv", "x,mood\n1,a\n2,\n3,b\n"), MoodLabel));
        Assert.Contains("row 3", e1.Message);
        Assert.Contains("label", e1.Message);
        var e2 = Assert.Throws<MmcsException>(() => TableReader.Read(Write("f.csv", "x,mood\n1,a\n2,b,7\n"), MoodLabel));
        Assert.Contains("line 3", e2.Message);
    }

    [Fact]
    public void An_unknown_extension_or_a_missing_file_is_a_typed_error()
    {
        Assert.Equal(ErrorCodes.InvalidParameterValue,
            Assert.Throws<MmcsException>(() => TableReader.Read(Write("t.json", "{}"), MoodLabel)).ErrorCode);
        Assert.Equal(ErrorCodes.ResourceDoesNotExist,
            Assert.Throws<MmcsException>(() => TableReader.Read(_tmp.File("nope.csv"), MoodLabel)).ErrorCode);
    }

    [Fact]
    public async Task A_parquet_file_reads_numbers_nulls_and_text()
    {
        string path = _tmp.File("t.parquet");
        var x = new Parquet.Schema.DataField<double>("x");
        var n = new Parquet.Schema.DataField<int?>("n");
        var mood = new Parquet.Schema.DataField<string>("mood");
        await using (var stream = File.Create(path))
        {
            await using var writer = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(x, n, mood), stream);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<double>(x, new double[] { 1.5, 2.5, 3.5, 4.5 });
            await group.WriteAsync<int>(n, new int?[] { 1, null, 3, 4 });
            await group.WriteAsync(mood, new[] { "a", "b", "a", "b" });
        }
        var ds = TableReader.Read(path, MoodLabel).Dataset;
        Assert.Equal(["x", "n"], ds.Frame.ColumnNames);
        Assert.Equal([1.5, 2.5, 3.5, 4.5], ds.Frame.Columns[0].Numbers!);
        Assert.Equal([1, double.NaN, 3, 4], ds.Frame.Columns[1].Numbers!);
        Assert.Equal([0, 1, 0, 1], ds.Labels);
    }

    [Fact]
    public void An_xlsx_workbook_reads_numbers_and_shared_and_inline_strings()
    {
        string path = _tmp.File("t.xlsx");
        MinimalXlsx.Write(path,
        [
            ["tempo", "genre", "mood"],
            [120.0, "rock", "happy"],
            [80.5, "folk", "sad"],
            [130.0, "rock", "happy"],
            [70.0, "folk", "sad"],
        ]);
        var ds = TableReader.Read(path, MoodLabel).Dataset;
        Assert.Equal(["tempo", "genre"], ds.Frame.ColumnNames);
        Assert.Equal([120, 80.5, 130, 70], ds.Frame.Columns[0].Numbers!);
        Assert.Equal(new string?[] { "rock", "folk", "rock", "folk" }.AsEnumerable(), ds.Frame.Columns[1].Categories!.AsEnumerable());
        Assert.Equal(["happy", "sad"], ds.ClassNames);
    }

    [Fact]
    public void A_corrupt_xlsx_is_a_data_error_not_a_crash()
    {
        string path = Write("broken.xlsx", "this is not a zip");
        var e = Assert.Throws<MmcsException>(() => TableReader.Read(path, MoodLabel));
        Assert.Equal(ErrorCodes.DataInvalid, e.ErrorCode);
        Assert.Contains("broken.xlsx", e.Message);
    }

    [Theory]
    [InlineData("id", true)]
    [InlineData("file_path", true)]
    [InlineData("SongId", true)]
    [InlineData("track_id", true)]
    [InlineData("key", false)]
    [InlineData("mid", false)]
    [InlineData("rms_mean", false)]
    public void Identifier_names_are_recognised(string name, bool expected) =>
        Assert.Equal(expected, TableReader.LooksLikeIdName(name));
}

/// <summary>Writes the smallest valid .xlsx (one sheet; numbers as numbers, text as shared strings).</summary>
internal static class MinimalXlsx
{
    public static void Write(string path, object[][] rows)
    {
        var shared = new List<string>();
        var sheet = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
        for (int r = 0; r < rows.Length; r++)
        {
            sheet.Append($"<row r=\"{r + 1}\">");
            for (int c = 0; c < rows[r].Length; c++)
            {
                string cell = $"{(char)('A' + c)}{r + 1}";
                if (rows[r][c] is double d)
                {
                    sheet.Append($"<c r=\"{cell}\"><v>{d.ToString(Invariant.Culture)}</v></c>");
                }
                else
                {
                    int index = shared.IndexOf((string)rows[r][c]);
                    if (index < 0)
                    {
                        index = shared.Count;
                        shared.Add((string)rows[r][c]);
                    }
                    sheet.Append($"<c r=\"{cell}\" t=\"s\"><v>{index}</v></c>");
                }
            }
            sheet.Append("</row>");
        }
        sheet.Append("</sheetData></worksheet>");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Entry(string name, string content)
        {
            using var w = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
            w.Write(content);
        }
        Entry("[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" +
            "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>" +
            "<Default Extension=\"xml\" ContentType=\"application/xml\"/>" +
            "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>" +
            "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" +
            "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>" +
            "</Types>");
        Entry("_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>" +
            "</Relationships>");
        Entry("xl/workbook.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " +
            "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
        Entry("xl/_rels/workbook.xml.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>" +
            "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>" +
            "</Relationships>");
        Entry("xl/worksheets/sheet1.xml", sheet.ToString());
        Entry("xl/sharedStrings.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " +
            $"count=\"{shared.Count}\" uniqueCount=\"{shared.Count}\">" +
            string.Concat(shared.Select(s => $"<si><t>{System.Security.SecurityElement.Escape(s)}</t></si>")) + "</sst>");
    }
}
