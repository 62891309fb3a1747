using Mmcs.Registry.Tracking;

namespace Mmcs.Registry.Tests.FileStore;

/// <summary>Pins the exact bytes of what the file store writes against MLflow's layout (timestamps fixed, ids and paths normalised).</summary>
public sealed class GoldenFileTests : IDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly TempDir _temp = new();
    private readonly Registry.FileStore.FileStore _store;
    private readonly string _root;

    public GoldenFileTests()
    {
        _root = _temp.File("mlruns");
        _store = new Registry.FileStore.FileStore(_root, () => T0);
    }

    public void Dispose() => _temp.Dispose();

    private string Read(params string[] parts) => File.ReadAllText(Path.Combine([_root, .. parts]));

    private string Normalise(string text, string? expId = null, string? runId = null)
    {
        text = text.Replace(new Uri(_root).AbsoluteUri, "file:///ROOT", StringComparison.Ordinal);
        if (expId != null) text = text.Replace(expId, "EXP", StringComparison.Ordinal);
        if (runId != null) text = text.Replace(runId, "RUN", StringComparison.Ordinal);
        return text;
    }

    [Fact]
    public void The_default_experiment_meta_yaml_is_byte_exact()
    {
        _store.CreateExperiment("x");
        Assert.Equal(
            "artifact_location: file:///ROOT/0\n" +
            "creation_time: 1700000000000\n" +
            "experiment_id: '0'\n" +
            "last_update_time: 1700000000000\n" +
            "lifecycle_stage: active\n" +
            "name: Default\n",
            Normalise(Read("0", "meta.yaml")));
    }

    [Fact]
    public void An_experiment_meta_yaml_is_byte_exact_and_its_id_is_18_digits_equal_to_the_folder()
    {
        string id = _store.CreateExperiment("genre classification", tags: new Dictionary<string, string> { ["team"] = "audio" });
        Assert.Matches("^[1-9][0-9]{17}$", id);
        Assert.True(Directory.Exists(Path.Combine(_root, id)));
        Assert.Equal(
            "artifact_location: file:///ROOT/EXP\n" +
            "creation_time: 1700000000000\n" +
            "experiment_id: 'EXP'\n" +
            "last_update_time: 1700000000000\n" +
            "lifecycle_stage: active\n" +
            "name: genre classification\n",
            Normalise(Read(id, "meta.yaml"), id));
        Assert.Equal("audio", Read(id, "tags", "team"));
    }

    [Fact]
    public void A_run_meta_yaml_is_byte_exact_while_running_after_ending_and_after_deletion()
    {
        string exp = _store.CreateExperiment("e");
        var run = _store.CreateRun(exp, "bold-fox-1", T0, null, "alice");
        string id = run.Info.RunId;
        Assert.Matches("^[0-9a-f]{32}$", id);
        string running =
            "artifact_uri: file:///ROOT/EXP/RUN/artifacts\n" +
            "end_time: null\n" +
            "entry_point_name: ''\n" +
            "experiment_id: 'EXP'\n" +
            "lifecycle_stage: active\n" +
            "run_id: RUN\n" +
            "run_name: bold-fox-1\n" +
            "run_uuid: RUN\n" +
            "source_name: ''\n" +
            "source_type: 4\n" +
            "source_version: ''\n" +
            "start_time: 1700000000000\n" +
            "status: 1\n" +
            "tags: []\n" +
            "user_id: alice\n";
        Assert.Equal(running, Normalise(Read(exp, id, "meta.yaml"), exp, id));

        _store.UpdateRun(id, RunStatus.Finished, T0 + 5000);
        Assert.Equal(running.Replace("end_time: null", "end_time: 1700000005000").Replace("status: 1", "status: 3"),
            Normalise(Read(exp, id, "meta.yaml"), exp, id));

        _store.DeleteRun(id);
        Assert.Equal(
            running.Replace("artifacts\n", "artifacts\ndeleted_time: 1700000000000\n").Replace("end_time: null", "end_time: 1700000005000")
                .Replace("status: 1", "status: 3").Replace("lifecycle_stage: active", "lifecycle_stage: deleted"),
            Normalise(Read(exp, id, "meta.yaml"), exp, id));
        Assert.Equal("bold-fox-1", Read(exp, id, "tags", SystemTags.RunName));
    }

    [Fact]
    public void Metric_files_hold_timestamp_value_step_lines_in_python_float_format()
    {
        string exp = _store.CreateExperiment("e");
        string id = _store.CreateRun(exp, "r", T0, null, "u").Info.RunId;
        double[] values = [0.5, 100, 1e-5, 1.2345678901234567e19, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.25, 1e16, 123456789.125];
        for (int i = 0; i < values.Length; i++) _store.LogMetric(id, new Metric("acc", values[i], T0 + i, i));
        _store.LogMetric(id, new Metric("group/nested", 3, T0, 7));
        Assert.Equal(
            "1700000000000 0.5 0\n" +
            "1700000000001 100.0 1\n" +
            "1700000000002 1e-05 2\n" +
            "1700000000003 1.2345678901234567e+19 3\n" +
            "1700000000004 nan 4\n" +
            "1700000000005 inf 5\n" +
            "1700000000006 -inf 6\n" +
            "1700000000007 -0.25 7\n" +
            "1700000000008 1e+16 8\n" +
            "1700000000009 123456789.125 9\n",
            Read(exp, id, "metrics", "acc"));
        Assert.Equal("1700000000000 3.0 7\n", Read(exp, id, "metrics", "group", "nested"));
    }

    [Fact]
    public void Params_and_tags_are_raw_values_without_a_trailing_newline()
    {
        string exp = _store.CreateExperiment("e");
        string id = _store.CreateRun(exp, "r", T0, null, "u").Info.RunId;
        _store.LogParam(id, new Param("optimizer/lr", "0.001"));
        _store.SetTag(id, new RunTag("note", "two\nlines"));
        Assert.Equal("0.001", Read(exp, id, "params", "optimizer", "lr"));
        Assert.Equal("two\nlines", Read(exp, id, "tags", "note"));
    }

    [Fact]
    public void Registered_model_version_and_alias_files_are_byte_exact()
    {
        string exp = _store.CreateExperiment("e");
        string runId = _store.CreateRun(exp, "r", T0, null, "u").Info.RunId;
        _store.CreateRegisteredModel("genre-clf");
        Assert.Equal(
            "creation_timestamp: 1700000000000\n" +
            "description: null\n" +
            "last_updated_timestamp: 1700000000000\n" +
            "name: genre-clf\n",
            Read("models", "genre-clf", "meta.yaml"));

        _store.CreateModelVersion("genre-clf", $"runs:/{runId}/model", runId, tags: new Dictionary<string, string> { ["k"] = "v" });
        _store.TransitionModelVersionStage("genre-clf", "1", "Production", true);
        _store.SetRegisteredModelAlias("genre-clf", "champion", "1");
        Assert.Equal(
            "creation_timestamp: 1700000000000\n" +
            "current_stage: Production\n" +
            "description: null\n" +
            "last_updated_timestamp: 1700000000000\n" +
            "name: genre-clf\n" +
            "run_id: RUN\n" +
            "run_link: null\n" +
            "source: runs:/RUN/model\n" +
            "status: READY\n" +
            "status_message: null\n" +
            "storage_location: file:///ROOT/EXP/RUN/artifacts/model\n" +
            "user_id: null\n" +
            "version: 1\n",
            Normalise(Read("models", "genre-clf", "version-1", "meta.yaml"), exp, runId));
        Assert.Equal("1", Read("models", "genre-clf", "aliases", "champion"));
        Assert.Equal("v", Read("models", "genre-clf", "version-1", "tags", "k"));
    }

    [Fact]
    public void A_deleted_experiment_moves_to_the_trash_whole()
    {
        string exp = _store.CreateExperiment("doomed");
        string run = _store.CreateRun(exp, "r", T0, null, "u").Info.RunId;
        _store.DeleteExperiment(exp);
        Assert.False(Directory.Exists(Path.Combine(_root, exp)));
        Assert.True(File.Exists(Path.Combine(_root, ".trash", exp, run, "meta.yaml")));
        Assert.Contains("lifecycle_stage: deleted\n", Read(".trash", exp, "meta.yaml"), StringComparison.Ordinal);
        Assert.Equal(run, _store.GetRun(run).Info.RunId);
        _store.RestoreExperiment(exp);
        Assert.True(File.Exists(Path.Combine(_root, exp, run, "meta.yaml")));
    }

    [Fact]
    public void No_temporary_files_are_left_behind()
    {
        string exp = _store.CreateExperiment("e");
        string id = _store.CreateRun(exp, "r", T0, null, "u").Info.RunId;
        _store.LogBatch(id, [new Metric("m", 1, T0, 0)], [new Param("p", "1")], [new RunTag("t", "1")]);
        _store.UpdateRun(id, RunStatus.Finished, T0);
        Assert.Empty(Directory.EnumerateFiles(_root, ".mmcs-tmp-*", SearchOption.AllDirectories));
    }
}
