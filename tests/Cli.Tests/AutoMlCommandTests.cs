using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mmcs.Cli.Tests;

public sealed class AutoMlCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mmcs-automl-cli-" + Guid.NewGuid().ToString("N"));

    public AutoMlCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Two informative columns and a noise column; class = quadrant of (x, y); groups of two rows.</summary>
    private string Table()
    {
        var rng = new Random(4);
        var sb = new StringBuilder("x,y,noise,song,mood\n");
        string[] moods = ["happy", "angry", "sad", "relaxed"];
        for (int i = 0; i < 120; i++)
        {
            int c = i % 4;
            double x = (c is 0 or 3 ? 1 : -1) + rng.NextDouble() - 0.5, y = (c < 2 ? 1 : -1) + rng.NextDouble() - 0.5;
            sb.Append(CultureInfo.InvariantCulture, $"{x},{y},{rng.NextDouble()},s{i / 2},{moods[c]}\n");
        }
        string path = Path.Combine(_dir, "table.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void Automl_logs_its_trials_as_nested_runs_and_registers_the_best_model()
    {
        string store = Path.Combine(_dir, "mlruns");
        var result = CliProcess.Run(_dir, (IDictionary<string, string>?)null, "automl", "--train", Table(), "--label", "mood", "--group", "song", "--ignore", "song",
            "--time", "20", "--max-trials", "3", "--cv", "3", "--trainers", "lbfgs_maxent,sdca_maxent", "--start", "sdca_maxent:iterations=40",
            "--tracking-uri", store, "--register", "table-mood", "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var json = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.Equal("1", json.GetProperty("registered_version").GetString());
        Assert.True(json.GetProperty("best").GetProperty("cv_accuracy").GetDouble() > 0.8);
        Assert.True(json.GetProperty("trials").GetArrayLength() == 3);
        Assert.True(File.Exists(Path.Combine(store, "models", "table-mood", "version-1", "meta.yaml")));
        string runId = json.GetProperty("run_id").GetString()!;
        var runDir = Directory.GetDirectories(store, runId, SearchOption.AllDirectories).Single();
        Assert.True(File.Exists(Path.Combine(runDir, "artifacts", "model", "MLmodel")));
        Assert.Contains("status: 3", File.ReadAllText(Path.Combine(runDir, "meta.yaml"))); // FINISHED, ended by the command after registering
        // three trial runs point at the parent
        int children = Directory.GetFiles(Path.GetDirectoryName(runDir)!, "mlflow.parentRunId", SearchOption.AllDirectories)
            .Count(f => File.ReadAllText(f) == runId);
        Assert.Equal(3, children);
        // the starting point is logged, and the first sdca_maxent trial ran it
        Assert.Equal("sdca_maxent:iterations=40", File.ReadAllText(Path.Combine(runDir, "params", "start.sdca_maxent")));
        var sdca = json.GetProperty("trials").EnumerateArray().Where(t => t.GetProperty("trainer").GetString() == "sdca_maxent")
            .MinBy(t => t.GetProperty("trial_id").GetInt32()); // the trials are listed best first
        Assert.Equal("40", sdca.GetProperty("parameters").GetProperty("iterations").GetString());
    }

    [Fact]
    public void A_registered_model_name_that_the_registry_would_refuse_is_refused_before_the_search_and_no_run_is_tracked()
    {
        string store = Path.Combine(_dir, "mlruns");
        var result = CliProcess.Run(_dir, (IDictionary<string, string>?)null, "automl", "--train", Table(), "--label", "mood", "--group", "song", "--ignore", "song",
            "--time", "20", "--max-trials", "1", "--cv", "2", "--trainers", "lbfgs_maxent", "--tracking-uri", store, "--register", "bad name/x");
        Assert.True(result.ExitCode == 2, result.StdErr);
        Assert.Contains("Invalid registered model name: 'bad name/x'", result.StdErr);
        Assert.False(Directory.Exists(store) && Directory.EnumerateFiles(store, "meta.yaml", SearchOption.AllDirectories)
            .Any(f => File.ReadAllText(f).Contains("run_id", StringComparison.Ordinal)), "a run was tracked");
    }

    [Fact]
    public void A_starting_point_of_a_trainer_not_searched_is_one_line_naming_it_and_exit_2()
    {
        var result = CliProcess.Run(_dir, (IDictionary<string, string>?)null, "automl", "--train", Table(), "--label", "mood", "--group", "song", "--ignore", "song",
            "--time", "5", "--trainers", "lbfgs_maxent", "--start", "lightgbm:leaves=8", "--tracking-uri", Path.Combine(_dir, "mlruns"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'lightgbm' is not among the trainers searched (lbfgs_maxent)", result.StdErr);
        Assert.Single(result.StdErr.Trim().Split('\n'));
        // refused before a run was tracked: a typo leaves no FAILED run behind
        Assert.Empty(Directory.Exists(Path.Combine(_dir, "mlruns"))
            ? Directory.GetFiles(Path.Combine(_dir, "mlruns"), "meta.yaml", SearchOption.AllDirectories).Where(f => File.ReadAllText(f).Contains("run_id", StringComparison.Ordinal))
            : []);
    }

    [Fact]
    public void A_held_out_table_with_only_some_of_the_classes_is_scored()
    {
        string train = Table();
        string test = Path.Combine(_dir, "test.csv");
        var lines = File.ReadAllLines(train);
        File.WriteAllLines(test, lines.Take(1).Concat(lines.Skip(1).Where(l => l.EndsWith(",happy", StringComparison.Ordinal)).Take(10)));
        var result = CliProcess.Run(_dir, (IDictionary<string, string>?)null, "automl", "--train", train, "--test", test, "--label", "mood",
            "--group", "song", "--ignore", "song", "--time", "20", "--max-trials", "1", "--cv", "2", "--trainers", "lbfgs_maxent",
            "--tracking-uri", Path.Combine(_dir, "mlruns"), "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var held = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("test");
        Assert.Equal(10, held.GetProperty("rows").GetInt32());
        Assert.InRange(held.GetProperty("accuracy").GetDouble(), 0.5, 1.0);

        File.AppendAllText(test, "0.1,0.2,0.3,s999,furious\n");
        var unknown = CliProcess.Run(_dir, (IDictionary<string, string>?)null, "automl", "--train", train, "--test", test, "--label", "mood",
            "--time", "5", "--tracking-uri", Path.Combine(_dir, "mlruns"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("'furious', not one of angry, happy, relaxed, sad", unknown.StdErr);
    }

    [Fact]
    public void A_time_budget_beyond_what_a_timer_can_wait_means_no_limit_and_max_trials_ends_the_search()
    {
        var result = CliProcess.Run(_dir, (IDictionary<string, string>?)null, "automl", "--train", Table(), "--label", "mood", "--group", "song", "--ignore", "song",
            "--time", "5000000", "--max-trials", "1", "--cv", "2", "--trainers", "lbfgs_maxent", "--tracking-uri", Path.Combine(_dir, "mlruns"), "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal(1, JsonDocument.Parse(result.StdOut).RootElement.GetProperty("trials").GetArrayLength());
        var absurd = CliProcess.Run(_dir, (IDictionary<string, string>?)null, "automl", "--train", Table(), "--label", "mood", "--time", "1e300");
        Assert.Equal(2, absurd.ExitCode);
        Assert.Contains("--time must be a positive number of seconds, got 1E+300", absurd.StdErr);
    }
}
