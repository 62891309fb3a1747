using System.Text.Json;
using Mmcs.Cli.Commands;
using Mmcs.Registry;
using Mmcs.Registry.FileStore;

namespace Mmcs.Cli.Tests;

/// <summary>`mmcs runs …` and `mmcs registry …` against a file store made by the tests.</summary>
public sealed class RegistryCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-cli-registry-").FullName;
    private readonly string _mlruns;
    private readonly FileStore _store;
    private readonly string _expA, _expB, _run1, _run2, _run3;

    public RegistryCommandTests()
    {
        _mlruns = Path.Combine(_dir, "mlruns");
        _store = new FileStore(_mlruns);
        _expA = _store.CreateExperiment("genres");
        _expB = _store.CreateExperiment("moods");
        _run1 = _store.CreateRun(_expA, "svm", 1_700_000_000_000, null, "alice").Info.RunId;
        _store.LogParam(_run1, new Param("c", "1.5"));
        _store.LogMetric(_run1, new Metric("accuracy", 0.82, 1_700_000_001_000, 0));
        _store.UpdateRun(_run1, RunStatus.Finished, 1_700_000_065_000);
        _run2 = _store.CreateRun(_expA, "cnn", 1_700_000_100_000, null, "alice").Info.RunId;
        _run3 = _store.CreateRun(_expB, "knn", 1_700_000_200_000, null, "bob").Info.RunId;
        _store.CreateRegisteredModel("genre-clf", "classifies genres");
        _store.CreateModelVersion("genre-clf", $"runs:/{_run1}/model", _run1);
        _store.CreateModelVersion("genre-clf", $"runs:/{_run2}/model", _run2);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private CliProcess.Result Mmcs(params string[] args) => CliProcess.Run(_dir, null, args);

    [Fact]
    public void Runs_list_prints_every_run_newest_first_as_json()
    {
        var r = Mmcs("runs", "list", "--tracking-uri", _mlruns, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([_run3, _run2, _run1], runs.Select(x => x.GetProperty("run_id").GetString()));
        var svm = runs[2];
        Assert.Equal("genres", svm.GetProperty("experiment").GetString());
        Assert.Equal("FINISHED", svm.GetProperty("status").GetString());
        Assert.Equal(0.82, svm.GetProperty("metrics").GetProperty("accuracy").GetDouble());
        Assert.Equal("1.5", svm.GetProperty("params").GetProperty("c").GetString());
    }

    [Fact]
    public void Runs_list_filters_by_experiment_and_reads_MLFLOW_TRACKING_URI()
    {
        var r = CliProcess.Run(_dir, new Dictionary<string, string> { ["MLFLOW_TRACKING_URI"] = new Uri(_mlruns).AbsoluteUri },
            "runs", "list", "--experiment", "moods", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(_run3, doc.RootElement.GetProperty("runs").EnumerateArray().Single().GetProperty("run_id").GetString());
    }

    [Fact]
    public void Runs_list_without_json_prints_a_table_and_an_unknown_experiment_is_exit_code_2()
    {
        var r = Mmcs("runs", "list", "--tracking-uri", _mlruns);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains(_run1, r.StdOut, StringComparison.Ordinal);
        Assert.Contains("accuracy=0.82", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("1m05s", r.StdOut, StringComparison.Ordinal);

        var bad = Mmcs("runs", "list", "--tracking-uri", _mlruns, "--experiment", "nope");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("'nope'", bad.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_show_prints_params_metrics_and_tags()
    {
        var r = Mmcs("runs", "show", _run1, "--tracking-uri", _mlruns, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var root = doc.RootElement;
        Assert.Equal("svm", root.GetProperty("run_name").GetString());
        Assert.Equal("genres", root.GetProperty("experiment").GetString());
        Assert.Equal("1.5", root.GetProperty("params").GetProperty("c").GetString());
        Assert.Equal(0.82, root.GetProperty("metrics")[0].GetProperty("value").GetDouble());
        Assert.Equal("svm", root.GetProperty("tags").GetProperty("mlflow.runName").GetString());

        var plain = Mmcs("runs", "show", _run1, "--tracking-uri", _mlruns);
        Assert.True(plain.ExitCode == 0, plain.StdErr);
        Assert.Contains("accuracy", plain.StdOut, StringComparison.Ordinal);

        var missing = Mmcs("runs", "show", "0123456789abcdef0123456789abcdef", "--tracking-uri", _mlruns);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("0123456789abcdef0123456789abcdef", missing.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_promote_sets_the_alias_and_stage_that_list_and_show_then_report()
    {
        var p = Mmcs("registry", "promote", "genre-clf", "1", "--alias", "champion", "--stage", "Production", "--tracking-uri", _mlruns);
        Assert.True(p.ExitCode == 0, p.StdErr);
        Assert.Contains("genre-clf version 1", p.StdOut, StringComparison.Ordinal);
        Assert.Equal("1", _store.GetModelVersionByAlias("genre-clf", "champion").Version);
        Assert.Equal(ModelStages.Production, _store.GetModelVersion("genre-clf", "1").CurrentStage);

        var p2 = Mmcs("registry", "promote", "genre-clf", "2", "--stage", "production", "--tracking-uri", _mlruns, "--json");
        Assert.True(p2.ExitCode == 0, p2.StdErr);
        Assert.Equal(ModelStages.Archived, _store.GetModelVersion("genre-clf", "1").CurrentStage);

        var list = Mmcs("registry", "list", "--tracking-uri", _mlruns, "--json");
        Assert.True(list.ExitCode == 0, list.StdErr);
        using (var doc = JsonDocument.Parse(list.StdOut))
        {
            var model = doc.RootElement.GetProperty("models").EnumerateArray().Single();
            Assert.Equal("genre-clf", model.GetProperty("name").GetString());
            Assert.Equal("1", model.GetProperty("aliases").GetProperty("champion").GetString());
        }

        var show = Mmcs("registry", "show", "genre-clf", "--tracking-uri", _mlruns, "--json");
        Assert.True(show.ExitCode == 0, show.StdErr);
        using (var doc = JsonDocument.Parse(show.StdOut))
        {
            var versions = doc.RootElement.GetProperty("versions").EnumerateArray().ToList();
            Assert.Equal(["2", "1"], versions.Select(v => v.GetProperty("version").GetString()));
            Assert.Equal("Production", versions[0].GetProperty("current_stage").GetString());
            Assert.Equal("champion", versions[1].GetProperty("aliases")[0].GetString());
        }

        var plain = Mmcs("registry", "show", "genre-clf", "--tracking-uri", _mlruns);
        Assert.Contains("@champion", plain.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listing_warns_about_what_it_skipped_and_a_missing_store_is_named_not_shown_as_empty()
    {
        string meta = Path.Combine(_mlruns, _expB, "meta.yaml");
        File.WriteAllText(meta, "name: [oops");
        var runs = Mmcs("runs", "list", "--tracking-uri", _mlruns, "--json");
        Assert.True(runs.ExitCode == 0, runs.StdErr);
        Assert.Contains($"warning: skipped, as it cannot be read: {meta} is not valid YAML", runs.StdErr);
        using (var doc = JsonDocument.Parse(runs.StdOut))
            Assert.Equal([_run2, _run1], doc.RootElement.GetProperty("runs").EnumerateArray().Select(x => x.GetProperty("run_id").GetString()));
        var byName = Mmcs("runs", "list", "--tracking-uri", _mlruns, "--experiment", "moods");
        Assert.Equal(2, byName.ExitCode);
        Assert.Contains(meta, byName.StdErr);

        string versionMeta = Path.Combine(_mlruns, "models", "genre-clf", "version-1", "meta.yaml");
        File.WriteAllText(versionMeta, "version: [1");
        var show = Mmcs("registry", "show", "genre-clf", "--tracking-uri", _mlruns);
        Assert.True(show.ExitCode == 0, show.StdErr);
        Assert.Contains($"warning: skipped, as it cannot be read: {versionMeta}", show.StdErr);

        string missing = Path.Combine(_dir, "mlrnus");
        var none = Mmcs("runs", "list", "--tracking-uri", missing);
        Assert.True(none.ExitCode == 0, none.StdErr);
        Assert.Contains($"({missing} does not exist)", none.StdOut);
        Assert.False(Directory.Exists(missing));
        var host = Mmcs("registry", "list", "--tracking-uri", "file://mlruns");
        Assert.Equal(2, host.ExitCode);
        Assert.Contains("'mlruns' is read as a host name", host.StdErr);
    }

    [Fact]
    public void Registry_promote_refuses_a_missing_version_an_unknown_stage_and_no_action()
    {
        var missing = Mmcs("registry", "promote", "genre-clf", "9", "--alias", "champion", "--tracking-uri", _mlruns);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("version=9", missing.StdErr, StringComparison.Ordinal);
        var stage = Mmcs("registry", "promote", "genre-clf", "1", "--stage", "Prod", "--tracking-uri", _mlruns);
        Assert.Equal(2, stage.ExitCode);
        Assert.Contains("Prod", stage.StdErr, StringComparison.Ordinal);
        var nothing = Mmcs("registry", "promote", "genre-clf", "1", "--tracking-uri", _mlruns);
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("--alias", nothing.StdErr, StringComparison.Ordinal);
        var unknownModel = Mmcs("registry", "show", "no-model", "--tracking-uri", _mlruns);
        Assert.Equal(2, unknownModel.ExitCode);
        Assert.Contains("no-model", unknownModel.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_reports_the_tracking_uri_in_effect_and_whether_it_opens()
    {
        var ok = DoctorCommand.CheckTracking(_mlruns);
        Assert.Equal("ok", ok.Status);
        Assert.Contains(new Uri(_mlruns).AbsoluteUri, ok.Detail, StringComparison.Ordinal);
        Assert.Contains("3 experiment(s)", ok.Detail, StringComparison.Ordinal); // Default, genres, moods

        var fresh = DoctorCommand.CheckTracking(Path.Combine(_dir, "not-yet"));
        Assert.Equal("ok", fresh.Status);
        Assert.Contains("not created yet", fresh.Detail, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "not-yet")));

        File.WriteAllText(Path.Combine(_dir, "afile"), "x");
        var under = DoctorCommand.CheckTracking(Path.Combine(_dir, "afile", "mlruns"));
        Assert.Equal("missing", under.Status);
        Assert.Contains($"cannot be created: {Path.Combine(_dir, "afile")} is a file", under.Detail, StringComparison.Ordinal);

        var bad = DoctorCommand.CheckTracking("sqlite:///x.db");
        Assert.Equal("missing", bad.Status);
        Assert.Contains("sqlite:///x.db", bad.Detail, StringComparison.Ordinal);

        var down = DoctorCommand.CheckTracking("http://127.0.0.1:1");
        Assert.Equal("missing", down.Status);
        Assert.NotNull(down.Fix);
    }
}
