namespace Mmcs.Cli.Tests;

public sealed class ScheduleCommandTests : IDisposable
{
    private static readonly IDictionary<string, string>? NoEnv = null;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mmcs-schedule-cli-" + Guid.NewGuid().ToString("N"));

    public ScheduleCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Yaml = """
        name: tiny-scheduled
        experiment: tiny-scheduled
        dataset:
          reader: folder
          path: corpus
        clip:
          excerpt_seconds: 3
        features:
          set: seed
        split:
          group_by: song
          test_fraction: 0.25
        train:
          automl:
            time: 10
            max_trials: 1
            cv: 2
            trainers: [lbfgs_maxent]
          cnn:
            enabled: false
        evaluation:
          bootstrap: 20
        registry:
          model_name: tiny-scheduled
        """;

    [Fact]
    public void A_data_folder_that_does_not_exist_is_refused_before_any_tick()
    {
        File.WriteAllText(Path.Combine(_dir, "tiny.yaml"), Yaml);
        var r = CliProcess.Run(_dir, NoEnv, "schedule", "tiny.yaml", "--cron", "0 3 * * 0", "--once", "--data", "nowhere", "--tracking-uri", "mlruns");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"the data folder {Path.Combine(_dir, "nowhere")} does not exist", r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "mlruns")));
    }

    [Fact]
    public void A_scheduled_tick_runs_the_pipeline_and_the_next_tick_skips_unchanged_data_until_the_data_changes()
    {
        Assert.Equal(0, CliProcess.Run(_dir, NoEnv, "data", "synth", "--out", "corpus", "--per-class", "8", "--seconds", "4").ExitCode);
        File.WriteAllText(Path.Combine(_dir, "tiny.yaml"), Yaml);
        string[] tick = ["schedule", "tiny.yaml", "--cron", "0 3 * * 0", "--once", "--tracking-uri", "mlruns"];

        var first = CliProcess.Run(_dir, NoEnv, tick);
        Assert.True(first.ExitCode == 0, first.StdErr + first.StdOut);
        Assert.Contains(" Ran: ", first.StdOut);
        Assert.True(File.Exists(Path.Combine(_dir, "mlruns", "models", "tiny-scheduled", "aliases", "champion")));

        var second = CliProcess.Run(_dir, NoEnv, tick);
        Assert.True(second.ExitCode == 0, second.StdErr);
        Assert.Contains("SkippedUnchanged", second.StdOut);

        // new audio: the next tick runs again
        File.Copy(Directory.EnumerateFiles(Path.Combine(_dir, "corpus", "sad"), "*.wav").First(), Path.Combine(_dir, "corpus", "sad", "extra.wav"));
        var third = CliProcess.Run(_dir, NoEnv, tick);
        Assert.True(third.ExitCode == 0, third.StdErr);
        Assert.Contains(" Ran: ", third.StdOut);

        // the same data with another setting is another pipeline: it runs (a cron macro is a macro, not a response file)
        var changed = CliProcess.Run(_dir, NoEnv, "schedule", "tiny.yaml", "--cron", "@weekly", "--once", "--tracking-uri", "mlruns",
            "--set", "evaluation.bootstrap=30");
        Assert.True(changed.ExitCode == 0, changed.StdErr);
        Assert.Contains(" Ran: ", changed.StdOut);
        var again = CliProcess.Run(_dir, NoEnv, "schedule", "tiny.yaml", "--cron", "@weekly", "--once", "--tracking-uri", "mlruns",
            "--set", "evaluation.bootstrap=30");
        Assert.Contains("SkippedUnchanged: data and pipeline unchanged", again.StdOut);
    }
}
