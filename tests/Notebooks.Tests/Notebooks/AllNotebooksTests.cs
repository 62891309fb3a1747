using Mmcs.Notebooks.Execution;
using Mmcs.Notebooks.Format;
using Mmcs.Notebooks.Tests.Format;

namespace Mmcs.Notebooks.Tests.Notebooks;

/// <summary>
/// The CI check of the notebooks: every notebook under notebooks/ runs through <see cref="NotebookRunner"/> on a
/// small synthetic corpus with tiny budgets, every cell succeeds, its plots come out as image/png outputs, and the
/// executed notebook is valid nbformat 4.
/// </summary>
public sealed class AllNotebooksTests
{
    /// <summary>Small values for the parameters the notebooks declare (each notebook gets those it declares).</summary>
    private static readonly Dictionary<string, string> CiParameters = new()
    {
        ["dataset"] = "",
        ["perClass"] = "4",
        ["seconds"] = "3",
        ["seed"] = "7",
        ["maxClips"] = "16",
        ["automlSeconds"] = "5",
        ["automlTrials"] = "3",
        ["cnnEpochs"] = "1",
        ["quick"] = "true",
        ["useCache"] = "false",
    };

    /// <summary>
    /// Values some notebooks need on top of <see cref="CiParameters"/>: the pipelines of 04 and 05 hold out test and
    /// validation clips and cross-validate the rest in 3 folds, all stratified by mood, which takes 8 clips per mood.
    /// </summary>
    private static readonly Dictionary<string, Dictionary<string, string>> CiOverrides = new()
    {
        ["04-train-and-track.ipynb"] = new() { ["perClass"] = "8" },
        ["05-registry-and-promotion.ipynb"] = new() { ["perClass"] = "8" },
    };

    /// <summary>The notebooks, by file name; and how many of them there must be.</summary>
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(NotebooksFolder(), "*.ipynb").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Fact]
    public void Every_notebook_of_the_issue_exists()
    {
        var names = Directory.GetFiles(NotebooksFolder(), "*.ipynb").Select(Path.GetFileNameWithoutExtension).ToList();

        Assert.Contains(names, n => n!.StartsWith("01-explore-dataset", StringComparison.Ordinal));
        Assert.Contains(names, n => n!.StartsWith("02-features-eda", StringComparison.Ordinal));
        Assert.Contains(names, n => n!.StartsWith("03-visualise-audio", StringComparison.Ordinal));
        Assert.Contains(names, n => n!.StartsWith("04-train-and-track", StringComparison.Ordinal));
        Assert.Contains(names, n => n!.StartsWith("05-registry-and-promotion", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task The_notebook_runs_every_cell_on_the_synthetic_corpus_and_shows_its_plots(string name)
    {
        var path = Path.Combine(NotebooksFolder(), name);
        var notebook = NotebookDocument.Load(path);
        var parametersCell = notebook.Cells.Select(c => (System.Text.Json.Nodes.JsonObject)c!)
            .FirstOrDefault(c => NotebookDocument.TagsOf(c).Contains(NotebookParameters.ParametersTag));
        Assert.True(parametersCell != null, $"{name} has no cell tagged \"parameters\"");
        var declared = NotebookParameters.Declared(NotebookDocument.SourceOf(parametersCell)).Select(p => p.Name).ToHashSet();
        var parameters = CiParameters.Where(p => declared.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, value) in CiOverrides.GetValueOrDefault(name) ?? []) parameters[key] = value;
        var output = Directory.CreateTempSubdirectory("mmcs-nb-ci-").FullName;
        try
        {
            var result = await NotebookRunner.RunAsync(path, output, parameters);

            Assert.True(result.Succeeded, result.FailureSummary + "\n" + result.FailedCell?.Error?.StackTrace);
            Assert.Empty(result.Warnings);
            Assert.True(result.Cells.Sum(c => c.ImageCount) > 0, $"{name} showed no image");
            Assert.All(result.Cells.Where(c => c.CellType == "code"), c => Assert.Equal(CellStatus.Succeeded, c.Status));
            Assert.Empty(NbformatSchema.Violations(await File.ReadAllTextAsync(result.OutputPath!)));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>notebooks/ of the repository this test was built from.</summary>
    internal static string NotebooksFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
        Assert.True(dir != null, $"no MmcsTraining.sln above {AppContext.BaseDirectory}");
        return Path.Combine(dir.FullName, "notebooks");
    }
}
