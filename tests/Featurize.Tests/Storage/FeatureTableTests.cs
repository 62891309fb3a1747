using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Tests.Audio;

namespace Mmcs.Featurize.Tests.Storage;

public class FeatureTableTests
{
    private static FeatureTable Sample() => new(
        ["tempo", "mfcc_mean_1", "odd, \"name\""],
        [
            new FeatureRow("a", "/data/happy/a b.mp3", "happy", "Beyoncé, Jr.", "a", null, [120.5, -3.25e-7, 1e300]),
            new FeatureRow("a~noise-0", "/data/happy/a b.mp3", "happy", "Beyoncé, Jr.", "a", "noise-0", [double.NaN, 0.1 + 0.2, -0.0]),
            new FeatureRow("c", "/x/\"q\".wav", null, null, null, null, [double.PositiveInfinity, 5e-324, 1.0 / 3]),
        ]);

    private static void AssertSame(FeatureTable expected, FeatureTable actual)
    {
        Assert.Equal(expected.FeatureNames, actual.FeatureNames);
        Assert.Equal(expected.Rows.Count, actual.Rows.Count);
        for (int r = 0; r < expected.Rows.Count; r++)
        {
            var e = expected.Rows[r];
            var a = actual.Rows[r];
            Assert.Equal((e.Id, e.Path, e.Label, e.Group, e.Song, e.Augmentation), (a.Id, a.Path, a.Label, a.Group, a.Song, a.Augmentation));
            Assert.Equal(e.Values, a.Values); // bit-exact round trip (NaN equals NaN here)
        }
    }

    [Theory]
    [InlineData("t.csv")]
    [InlineData("t.parquet")]
    public async Task A_table_round_trips_exactly(string name)
    {
        using var dir = new TempDir();
        string p = dir.File(name);
        await FeatureTableIO.WriteAsync(p, Sample());
        AssertSame(Sample(), FeatureTableIO.Read(p));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task Csv_uses_the_invariant_culture_and_a_header_of_meta_then_feature_columns()
    {
        using var dir = new TempDir();
        string p = dir.File("t.csv");
        var prev = Thread.CurrentThread.CurrentCulture;
        await FeatureTableIO.WriteAsync(p, Sample());
        var lines = File.ReadAllLines(p);
        Assert.Equal("id,path,label,group,song,augmentation,tempo,mfcc_mean_1,\"odd, \"\"name\"\"\"", lines[0]);
        Assert.StartsWith("a,/data/happy/a b.mp3,happy,\"Beyoncé, Jr.\",a,,120.5,-3.25E-07,1E+300", lines[1]);
        Assert.Contains("NaN", lines[2]);
    }

    [Theory]
    [InlineData("t.csv")]
    [InlineData("t.parquet")]
    public async Task A_writer_disposed_before_completing_leaves_no_file(string name)
    {
        using var dir = new TempDir();
        string p = dir.File(name);
        await using (var w = FeatureTableIO.Create(p, ["x"], rowGroupSize: 2))
        {
            for (int i = 0; i < 5; i++) await w.WriteAsync(new FeatureRow($"r{i}", $"r{i}", null, null, null, null, [i]));
        }
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task A_parquet_table_streams_in_row_groups_and_reads_back_whole()
    {
        using var dir = new TempDir();
        string p = dir.File("big.parquet");
        await using (var w = FeatureTableIO.Create(p, ["x", "y"], rowGroupSize: 100))
        {
            for (int i = 0; i < 1050; i++) await w.WriteAsync(new FeatureRow($"r{i}", $"/p/{i}", i % 2 == 0 ? "happy" : "sad", null, null, null, [i, -i * 0.5]));
            await w.CompleteAsync();
            Assert.Equal(1050, w.RowsWritten);
        }
        var t = FeatureTableIO.Read(p);
        Assert.Equal(1050, t.Rows.Count);
        Assert.Equal(-524.5, t.Rows[1049].Values[1]);
        Assert.Equal("sad", t.Rows[1049].Label);
        Assert.Equal(Enumerable.Range(0, 1050).Select(i => (double)i).ToArray(), t.Column("x"));
    }

    [Fact]
    public void A_foreign_csv_with_filename_and_artist_columns_reads_them_as_meta()
    {
        using var dir = new TempDir();
        string p = dir.Write("f.csv", System.Text.Encoding.UTF8.GetBytes("filename,label,artist,f1,f2\nx.mp3,sad,Y,1.5,\n"));
        var t = FeatureTableIO.Read(p);
        Assert.Equal(["f1", "f2"], t.FeatureNames);
        Assert.Equal(("x.mp3", "x.mp3", "sad", "Y"), (t.Rows[0].Id, t.Rows[0].Path, t.Rows[0].Label, t.Rows[0].Group));
        Assert.True(double.IsNaN(t.Rows[0].Values[1]));
    }

    [Fact]
    public void Bad_tables_are_data_invalid_errors_naming_the_file_and_line()
    {
        using var dir = new TempDir();
        string p = dir.Write("bad.csv", System.Text.Encoding.UTF8.GetBytes("id,f1\na,1\nb,abc\n"));
        var e = Assert.Throws<FeatureTableException>(() => FeatureTableIO.Read(p));
        Assert.Contains("bad.csv: line 3", e.Message);
        Assert.Throws<FeatureTableException>(() => FeatureTableIO.Read(dir.File("none.csv")));
        Assert.Throws<FeatureTableException>(() => FeatureTableIO.Create(dir.File("t.xlsx"), ["a"]));
        Assert.Throws<FeatureTableException>(() => FeatureTableIO.Create(dir.File("t.csv"), ["label"]));
        string notParquet = dir.Write("x.parquet", [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.Throws<FeatureTableException>(() => FeatureTableIO.Read(notParquet));
    }
}
