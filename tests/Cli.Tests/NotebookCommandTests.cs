using System.Text.Json;
using Mmcs.Notebooks.Format;

namespace Mmcs.Cli.Tests;

/// <summary>`mmcs notebook run` over several notebooks: one that cannot be read fails alone.</summary>
public sealed class NotebookCommandTests : IDisposable
{
    private static readonly IDictionary<string, string>? NoEnv = null;
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-cli-notebook-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Notebook(string name, string code)
    {
        string path = Path.Combine(_dir, name);
        var nb = NotebookDocument.CreateCSharp(path);
        nb.AddCode(code);
        nb.Save(path);
        return path;
    }

    [Fact]
    public void A_notebook_that_cannot_be_read_fails_alone_and_the_rest_of_the_batch_still_runs()
    {
        string first = Notebook("a.ipynb", "1 + 1");
        string broken = Path.Combine(_dir, "b.ipynb");
        File.WriteAllText(broken, "this is not a notebook");
        string last = Notebook("c.ipynb", "2 + 2");

        var r = CliProcess.Run(_dir, NoEnv, "notebook", "run", first, broken, last, "--out", "out", "--json");
        Assert.True(r.ExitCode == 2, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var runs = doc.RootElement.EnumerateArray().ToDictionary(e => Path.GetFileName(e.GetProperty("notebook").GetString()!), e => e);
        Assert.Equal(3, runs.Count);
        Assert.False(runs["b.ipynb"].GetProperty("succeeded").GetBoolean());
        Assert.Contains("b.ipynb", runs["b.ipynb"].GetProperty("failure").GetString());
        Assert.True(runs["a.ipynb"].GetProperty("succeeded").GetBoolean());
        Assert.True(runs["c.ipynb"].GetProperty("succeeded").GetBoolean());
        Assert.True(File.Exists(Path.Combine(_dir, "out", "c.ipynb")));

        var text = CliProcess.Run(_dir, NoEnv, "notebook", "run", broken, last, "--out", "out2");
        Assert.Equal(2, text.ExitCode);
        Assert.Contains("b.ipynb", text.StdErr);
        Assert.Contains("c.ipynb", text.StdOut);
    }

    [Fact]
    public void An_out_path_that_is_a_file_is_refused_before_anything_runs()
    {
        string nb = Notebook("a.ipynb", "1");
        File.WriteAllText(Path.Combine(_dir, "afile"), "x");
        var r = CliProcess.Run(_dir, NoEnv, "notebook", "run", nb, "--out", "afile");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--out", r.StdErr);
        Assert.Contains("is a file", r.StdErr);
        Assert.DoesNotContain("unexpected", r.StdErr);
    }
}
