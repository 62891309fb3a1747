using System.Text.Json;

namespace Mmcs.Cli.Tests;

public sealed class DataCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-cli-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Data_synth_writes_a_balanced_corpus_and_reports_it_as_json()
    {
        string outDir = Path.Combine(_dir, "corpus");
        var r = CliProcess.Run("data", "synth", "--out", outDir, "--per-class", "2", "--seconds", "1.5", "--seed", "3", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        // a fractional number of seconds, read in the invariant culture
        Assert.Equal(1.5, Mmcs.Featurize.Audio.WavReader.ReadInfo(Directory.GetFiles(Path.Combine(outDir, "sad"), "*.wav")[0]).DurationSeconds, 2);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(8, doc.RootElement.GetProperty("clips").GetInt32());
        foreach (var mood in new[] { "happy", "angry", "sad", "relaxed" })
            Assert.Equal(2, Directory.GetFiles(Path.Combine(outDir, mood), "*.wav").Length);
    }

    [Fact]
    public void Data_synth_refuses_bad_options_with_exit_code_2_and_one_line()
    {
        var r = CliProcess.Run("data", "synth", "--out", Path.Combine(_dir, "x"), "--per-class", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: --per-class must be between 1 and 100000, got 0", r.StdErr.Trim());
        Assert.False(Directory.Exists(Path.Combine(_dir, "x")));
    }

    [Fact]
    public void Data_synth_refuses_to_write_into_a_folder_that_is_not_empty_or_onto_a_file()
    {
        string corpus = Path.Combine(_dir, "corpus");
        Directory.CreateDirectory(Path.Combine(corpus, "sad"));
        File.WriteAllText(Path.Combine(corpus, "sad", "old.wav"), "an older corpus");
        var r = CliProcess.Run("data", "synth", "--out", corpus, "--per-class", "1", "--seconds", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("exists and is not empty", r.StdErr);
        Assert.Single(Directory.GetFiles(corpus, "*", SearchOption.AllDirectories));

        string file = Path.Combine(_dir, "afile");
        File.WriteAllText(file, "x");
        var onFile = CliProcess.Run("data", "synth", "--out", file, "--per-class", "1", "--seconds", "1");
        Assert.Equal(2, onFile.ExitCode);
        Assert.Contains("is a file", onFile.StdErr);
        Assert.DoesNotContain("unexpected", onFile.StdErr);
    }

    [Fact]
    public void Data_synth_without_out_is_a_usage_error()
    {
        var r = CliProcess.Run("data", "synth");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--out", r.StdErr);
    }
}
