using System.Text.RegularExpressions;
using Mmcs.Core;
using Mmcs.Notebooks.Eda;

namespace Mmcs.Notebooks.Tests.Eda;

public sealed class EdaReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-eda-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Four moods, 20 clips each: "loud" separates the moods, "noise" does not, "loud_copy" follows "loud".</summary>
    internal static EdaTable SmallTable()
    {
        var random = new Random(3);
        string[] moods = ["relaxed", "sad", "happy", "angry"];
        var rows = new List<double[]>();
        var labels = new List<string>();
        for (int i = 0; i < 80; i++)
        {
            var mood = moods[i % 4];
            double loud = Array.IndexOf(EdaTable.MoodOrder.ToArray(), mood) * 2 + random.NextDouble();
            rows.Add([loud, random.NextDouble(), loud * 3 + 0.01 * random.NextDouble()]);
            labels.Add(mood);
        }
        return new EdaTable(["loud", "noise", "loud_copy"], rows, labels, "small table");
    }

    [Fact]
    public void A_report_path_that_is_a_folder_or_cannot_be_written_is_a_clear_error_and_leaves_nothing_behind()
    {
        var folder = Assert.Throws<MmcsException>(() => EdaReport.Write(SmallTable(), _dir));
        Assert.Equal(ErrorCodes.InvalidParameterValue, folder.ErrorCode);
        Assert.Contains("is a folder", folder.Message);
        Assert.Throws<MmcsException>(() => EdaReport.CheckOutputPath(" "));

        string blocked = Path.Combine(_dir, "blocked");
        File.WriteAllText(blocked, "a file where a folder is needed");
        string path = Path.Combine(blocked, "report.html");
        var e = Assert.Throws<MmcsException>(() => EdaReport.Write(SmallTable(), path));
        Assert.Contains($"cannot write the report to {path}", e.Message);
        Assert.Equal(["blocked"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Moods_are_ordered_as_the_quadrants_and_counted()
    {
        var table = SmallTable();

        Assert.Equal(["happy", "angry", "sad", "relaxed"], table.Classes);
        Assert.Equal([20, 20, 20, 20], table.ClassCounts());
    }

    [Fact]
    public void The_analysis_sorts_features_by_anova_f_and_ranks_mutual_information()
    {
        var analysis = EdaAnalysis.Compute(SmallTable());

        Assert.Equal("noise", analysis.Separability[^1].Feature);
        Assert.Equal(3, analysis.Separability[^1].FRank);
        Assert.True(analysis.Separability[0].Anova.F >= analysis.Separability[1].Anova.F);
        Assert.True(analysis.Separability[0].Anova.PValue < 1e-20);
        Assert.Equal(3, analysis.Separability.Single(r => r.Feature == "noise").MiRank);
        var pair = Assert.Single(analysis.StronglyCorrelated(0.99));
        Assert.Equal(("loud", "loud_copy"), (pair.A, pair.B));
        Assert.Equal(1, analysis.Correlation[1, 1]);
    }

    [Fact]
    public void The_report_is_one_self_contained_html_file_with_tables_and_embedded_png_images()
    {
        var path = Path.Combine(_dir, "sub", "report.html");

        EdaReport.Write(SmallTable(), path, new EdaReportOptions { Title = "Test EDA" });

        var html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<table class=\"separability\">", html);
        Assert.Contains("<td>loud_copy</td>", html);
        // Nothing outside the file: no external URL, stylesheet or script; every image is a data URI.
        var withoutImages = Regex.Replace(html, "data:image/png;base64,[A-Za-z0-9+/=]*", "data:");
        Assert.DoesNotMatch("(?i)(https?:|ftp:|//[a-z])", withoutImages);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("<script", html);
        var sources = Regex.Matches(html, "src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.All(sources, s => Assert.StartsWith("data:image/png;base64,", s));
        // Class balance, two top-N bar charts, the heatmap, and a box plot and a histogram per feature.
        Assert.Equal(1 + 2 + 1 + 2 * 3, sources.Count);
        foreach (var s in sources)
        {
            var png = Convert.FromBase64String(s["data:image/png;base64,".Length..]);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        }
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void P_values_are_formatted_for_people()
    {
        Assert.Equal("0.250", EdaReport.FormatP(0.25));
        Assert.Equal("1.23E-12", EdaReport.FormatP(1.234e-12));
        Assert.Equal("< 1e-300", EdaReport.FormatP(0));
        Assert.Equal("n/a", EdaReport.FormatP(double.NaN));
    }

    [Fact]
    public void A_table_whose_rows_do_not_fit_its_columns_is_rejected_naming_the_row()
    {
        var e = Assert.Throws<MmcsException>(() =>
            new EdaTable(["a", "b"], [[1, 2], [3]], ["happy", "sad"], "bad.csv"));

        Assert.Contains("bad.csv: row 1 has 1 values, expected 2", e.Message);
        Assert.Equal(2, e.ExitCode);
    }
}
