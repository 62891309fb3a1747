using Mmcs.Core;
using Mmcs.Registry.Tracking;

namespace Mmcs.Registry.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="ITrackingStore"/> must show, run against the file store and against the REST store
/// talking to a fake MLflow server.
/// </summary>
public abstract class TrackingStoreContract : IDisposable
{
    protected readonly TempDir Temp = new();

    protected abstract ITrackingStore Store { get; }

    public virtual void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }

    private string NewExperiment(string? name = null) => Store.CreateExperiment(name ?? "exp-" + Guid.NewGuid().ToString("N")[..8]);

    private Run NewRun(string? experimentId = null, string name = "r1", IReadOnlyDictionary<string, string>? tags = null) =>
        Store.CreateRun(experimentId ?? NewExperiment(), name, 1_700_000_000_000, tags, "alice");

    private static MlflowException Throws(string code, Action action)
    {
        var e = Assert.Throws<MlflowException>(action);
        Assert.Equal(code, e.ErrorCode);
        return e;
    }

    // ---- experiments ----

    [Fact]
    public void An_experiment_is_found_by_id_and_by_name()
    {
        string id = Store.CreateExperiment("genres", tags: new Dictionary<string, string> { ["team"] = "audio" });
        var byId = Store.GetExperiment(id);
        var byName = Store.GetExperimentByName("genres");
        Assert.Equal("genres", byId.Name);
        Assert.Equal(id, byName!.ExperimentId);
        Assert.Equal(LifecycleStage.Active, byId.LifecycleStage);
        Assert.Equal("audio", byId.Tags["team"]);
        Assert.NotNull(byId.CreationTime);
    }

    [Fact]
    public void A_second_experiment_with_the_same_name_is_RESOURCE_ALREADY_EXISTS()
    {
        Store.CreateExperiment("twice");
        var e = Throws(ErrorCodes.ResourceAlreadyExists, () => Store.CreateExperiment("twice"));
        Assert.Contains("twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_experiment_is_RESOURCE_DOES_NOT_EXIST_and_a_missing_name_is_null()
    {
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.GetExperiment("123456789"));
        Assert.Null(Store.GetExperimentByName("no-such-experiment"));
    }

    [Fact]
    public void The_default_experiment_0_exists()
    {
        NewExperiment();
        var def = Store.GetExperiment("0");
        Assert.Equal("Default", def.Name);
    }

    [Fact]
    public void An_experiment_can_be_tagged_renamed_deleted_and_restored()
    {
        string id = NewExperiment();
        Store.SetExperimentTag(id, "owner", "bob");
        Store.RenameExperiment(id, "renamed-" + id);
        var e = Store.GetExperiment(id);
        Assert.Equal("renamed-" + id, e.Name);
        Assert.Equal("bob", e.Tags["owner"]);

        Store.DeleteExperiment(id);
        Assert.Equal(LifecycleStage.Deleted, Store.GetExperiment(id).LifecycleStage);
        Assert.DoesNotContain(Store.SearchExperiments().Items, x => x.ExperimentId == id);
        Assert.Contains(Store.SearchExperiments(viewType: ViewType.DeletedOnly).Items, x => x.ExperimentId == id);

        Store.RestoreExperiment(id);
        Assert.Equal(LifecycleStage.Active, Store.GetExperiment(id).LifecycleStage);
    }

    [Fact]
    public void Experiments_are_searched_by_name_and_paged()
    {
        for (int i = 0; i < 5; i++) Store.CreateExperiment($"paged-{i}");
        Store.CreateExperiment("other");
        var all = Store.SearchExperiments("name LIKE 'paged-%'").Items;
        Assert.Equal(5, all.Count);
        var first = Store.SearchExperiments("name LIKE 'paged-%'", maxResults: 2);
        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.NextPageToken);
        var seen = new HashSet<string>(first.Items.Select(x => x.Name));
        string? token = first.NextPageToken;
        while (token != null)
        {
            var page = Store.SearchExperiments("name LIKE 'paged-%'", maxResults: 2, pageToken: token);
            foreach (var x in page.Items) Assert.True(seen.Add(x.Name));
            token = page.NextPageToken;
        }
        Assert.Equal(5, seen.Count);
        Assert.Single(Store.SearchExperiments("name = 'other'").Items);
    }

    // ---- runs ----

    [Fact]
    public void A_new_run_is_running_with_its_name_user_and_tags()
    {
        string exp = NewExperiment();
        var run = Store.CreateRun(exp, "first", 1_700_000_000_000, new Dictionary<string, string> { ["k"] = "v" }, "alice");
        var got = Store.GetRun(run.Info.RunId);
        Assert.Equal(32, got.Info.RunId.Length);
        Assert.Equal(exp, got.Info.ExperimentId);
        Assert.Equal("first", got.Info.RunName);
        Assert.Equal("alice", got.Info.UserId);
        Assert.Equal(RunStatus.Running, got.Info.Status);
        Assert.Equal(1_700_000_000_000, got.Info.StartTime);
        Assert.Null(got.Info.EndTime);
        Assert.Equal("first", got.Data.Tags[SystemTags.RunName]);
        Assert.Equal("v", got.Data.Tags["k"]);
        Assert.Equal(LifecycleStage.Active, got.Info.LifecycleStage);
    }

    [Fact]
    public void A_missing_run_is_RESOURCE_DOES_NOT_EXIST_and_a_malformed_id_is_INVALID_PARAMETER_VALUE()
    {
        NewExperiment();
        var e = Throws(ErrorCodes.ResourceDoesNotExist, () => Store.GetRun("0123456789abcdef0123456789abcdef"));
        Assert.Contains("0123456789abcdef0123456789abcdef", e.Message, StringComparison.Ordinal);
        Throws(ErrorCodes.InvalidParameterValue, () => Store.GetRun("../etc"));
    }

    [Fact]
    public void Params_metrics_and_tags_round_trip_with_nested_keys_special_values_and_multi_line_tags()
    {
        var run = NewRun();
        string id = run.Info.RunId;
        Store.LogParam(id, new Param("lr", "0.001"));
        Store.LogParam(id, new Param("group/nested param", "a b"));
        Store.LogMetric(id, new Metric("acc", 0.5, 1000, 0));
        Store.LogMetric(id, new Metric("acc", 0.75, 1001, 1));
        Store.LogMetric(id, new Metric("loss/train", double.NaN, 1000, 0));
        Store.LogMetric(id, new Metric("big", 1.2345678901234567e19, 1000, 0));
        Store.LogMetric(id, new Metric("pinf", double.PositiveInfinity, 1000, 0));
        Store.LogMetric(id, new Metric("ninf", double.NegativeInfinity, 1000, 0));
        Store.SetTag(id, new RunTag("notes", "line one\nline two\n"));

        var got = Store.GetRun(id);
        Assert.Equal("0.001", got.Data.Params["lr"]);
        Assert.Equal("a b", got.Data.Params["group/nested param"]);
        Assert.Equal(0.75, got.Data.Metrics["acc"].Value);
        Assert.Equal(1, got.Data.Metrics["acc"].Step);
        Assert.True(double.IsNaN(got.Data.Metrics["loss/train"].Value));
        Assert.Equal(1.2345678901234567e19, got.Data.Metrics["big"].Value);
        Assert.Equal(double.PositiveInfinity, got.Data.Metrics["pinf"].Value);
        Assert.Equal(double.NegativeInfinity, got.Data.Metrics["ninf"].Value);
        Assert.Equal("line one\nline two\n", got.Data.Tags["notes"]);
    }

    [Fact]
    public void The_latest_metric_value_is_the_one_with_the_largest_step_then_timestamp()
    {
        var run = NewRun();
        string id = run.Info.RunId;
        Store.LogMetric(id, new Metric("m", 3, 3000, 2));
        Store.LogMetric(id, new Metric("m", 5, 1000, 5));
        Store.LogMetric(id, new Metric("m", 4, 2000, 5));
        Store.LogMetric(id, new Metric("m", 1, 9000, 1));
        Assert.Equal(4, Store.GetRun(id).Data.Metrics["m"].Value);
        var history = Store.GetMetricHistory(id, "m");
        Assert.Equal(4, history.Count);
        Assert.Contains(history, h => h.Value == 5 && h.Step == 5 && h.Timestamp == 1000);
        Assert.Empty(Store.GetMetricHistory(id, "never-logged"));
    }

    [Fact]
    public void Re_logging_a_param_with_another_value_is_INVALID_PARAMETER_VALUE_and_the_same_value_is_fine()
    {
        var run = NewRun();
        Store.LogParam(run.Info.RunId, new Param("epochs", "10"));
        Store.LogParam(run.Info.RunId, new Param("epochs", "10"));
        var e = Throws(ErrorCodes.InvalidParameterValue, () => Store.LogParam(run.Info.RunId, new Param("epochs", "20")));
        Assert.Contains("epochs", e.Message, StringComparison.Ordinal);
        Assert.Equal("10", Store.GetRun(run.Info.RunId).Data.Params["epochs"]);
    }

    [Theory]
    [InlineData("bad:key")]
    [InlineData("../up")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("")]
    public void Invalid_keys_are_INVALID_PARAMETER_VALUE(string key)
    {
        var run = NewRun();
        var e = Throws(ErrorCodes.InvalidParameterValue, () => Store.LogMetric(run.Info.RunId, new Metric(key, 1, 1, 0)));
        Assert.Contains("metric", e.Message, StringComparison.OrdinalIgnoreCase);
        Throws(ErrorCodes.InvalidParameterValue, () => Store.LogParam(run.Info.RunId, new Param(key, "v")));
    }

    [Fact]
    public void A_param_value_over_6000_characters_is_INVALID_PARAMETER_VALUE()
    {
        var run = NewRun();
        Store.LogParam(run.Info.RunId, new Param("ok", new string('x', 6000)));
        Throws(ErrorCodes.InvalidParameterValue, () => Store.LogParam(run.Info.RunId, new Param("long", new string('x', 6001))));
    }

    [Fact]
    public void A_batch_logs_metrics_params_and_tags_together()
    {
        var run = NewRun();
        Store.LogBatch(run.Info.RunId,
            [new Metric("a", 1, 10, 0), new Metric("a", 2, 11, 1), new Metric("b", 3, 10, 0)],
            [new Param("p1", "x"), new Param("p2", "y")],
            [new RunTag("t1", "z")]);
        var got = Store.GetRun(run.Info.RunId);
        Assert.Equal(2, got.Data.Metrics["a"].Value);
        Assert.Equal(3, got.Data.Metrics["b"].Value);
        Assert.Equal("y", got.Data.Params["p2"]);
        Assert.Equal("z", got.Data.Tags["t1"]);
        Assert.Equal(2, Store.GetMetricHistory(run.Info.RunId, "a").Count);
    }

    [Fact]
    public void A_run_ends_finished_with_an_end_time_and_can_be_renamed()
    {
        var run = NewRun();
        var info = Store.UpdateRun(run.Info.RunId, RunStatus.Finished, 1_700_000_005_000);
        Assert.Equal(RunStatus.Finished, info.Status);
        var got = Store.GetRun(run.Info.RunId);
        Assert.Equal(RunStatus.Finished, got.Info.Status);
        Assert.Equal(1_700_000_005_000, got.Info.EndTime);
        Store.UpdateRun(run.Info.RunId, runName: "renamed");
        got = Store.GetRun(run.Info.RunId);
        Assert.Equal("renamed", got.Info.RunName);
        Assert.Equal(RunStatus.Finished, got.Info.Status);
    }

    [Fact]
    public void A_tag_can_be_deleted_and_deleting_a_missing_tag_is_RESOURCE_DOES_NOT_EXIST()
    {
        var run = NewRun();
        Store.SetTag(run.Info.RunId, new RunTag("temp", "1"));
        Store.DeleteTag(run.Info.RunId, "temp");
        Assert.False(Store.GetRun(run.Info.RunId).Data.Tags.ContainsKey("temp"));
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.DeleteTag(run.Info.RunId, "temp"));
    }

    [Fact]
    public void A_deleted_run_is_hidden_from_search_refuses_logging_and_can_be_restored()
    {
        string exp = NewExperiment();
        var run = NewRun(exp);
        Store.DeleteRun(run.Info.RunId);
        Assert.Equal(LifecycleStage.Deleted, Store.GetRun(run.Info.RunId).Info.LifecycleStage);
        Assert.Empty(Store.SearchRuns(new RunQuery([exp])).Items);
        Assert.Single(Store.SearchRuns(new RunQuery([exp], ViewType: ViewType.DeletedOnly)).Items);
        Throws(ErrorCodes.InvalidParameterValue, () => Store.LogMetric(run.Info.RunId, new Metric("m", 1, 1, 0)));
        Store.RestoreRun(run.Info.RunId);
        Assert.Single(Store.SearchRuns(new RunQuery([exp])).Items);
    }

    [Fact]
    public void Runs_are_searched_by_metric_param_tag_status_and_name_and_ordered_by_a_metric()
    {
        string exp = NewExperiment();
        var parent = NewRun(exp, "parent");
        var ids = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            var r = Store.CreateRun(exp, $"child-{i}", 1_700_000_000_000 + i, new Dictionary<string, string> { [SystemTags.ParentRunId] = parent.Info.RunId }, "u");
            Store.LogMetric(r.Info.RunId, new Metric("acc", 0.1 * (i + 1), 1, 0));
            Store.LogParam(r.Info.RunId, new Param("model", i % 2 == 0 ? "svm" : "cnn"));
            if (i == 3) Store.UpdateRun(r.Info.RunId, RunStatus.Finished, 1_700_000_009_000);
            ids.Add(r.Info.RunId);
        }

        var good = Store.SearchRuns(new RunQuery([exp], "metrics.acc > 0.25", ["metrics.acc DESC"])).Items;
        Assert.Equal([ids[3], ids[2]], good.Select(r => r.Info.RunId));

        var svm = Store.SearchRuns(new RunQuery([exp], "params.model = 'svm' and metrics.acc >= 0.1")).Items;
        Assert.Equal(2, svm.Count);

        var children = Store.SearchRuns(new RunQuery([exp], $"tags.`mlflow.parentRunId` = '{parent.Info.RunId}'")).Items;
        Assert.Equal(4, children.Count);
        var children2 = Store.SearchRuns(new RunQuery([exp], $"tags.mlflow.parentRunId = '{parent.Info.RunId}'")).Items;
        Assert.Equal(4, children2.Count);

        var finished = Store.SearchRuns(new RunQuery([exp], "attributes.status = 'FINISHED'")).Items;
        Assert.Equal(ids[3], Assert.Single(finished).Info.RunId);

        var named = Store.SearchRuns(new RunQuery([exp], "attributes.run_name = 'child-1'")).Items;
        Assert.Equal(ids[1], Assert.Single(named).Info.RunId);

        var byStart = Store.SearchRuns(new RunQuery([exp], "metrics.acc > 0", ["attributes.start_time"])).Items;
        Assert.Equal(ids, byStart.Select(r => r.Info.RunId));

        // default order: newest first
        var all = Store.SearchRuns(new RunQuery([exp])).Items;
        Assert.Equal(5, all.Count);
        Assert.Equal(ids[3], all[0].Info.RunId);
    }

    [Fact]
    public void Run_search_pages_through_every_run_once()
    {
        string exp = NewExperiment();
        var created = new HashSet<string>();
        for (int i = 0; i < 7; i++) created.Add(Store.CreateRun(exp, $"r{i}", 1_700_000_000_000 + i, null, "u").Info.RunId);
        var seen = new List<string>();
        string? token = null;
        int pages = 0;
        do
        {
            var page = Store.SearchRuns(new RunQuery([exp], MaxResults: 3, PageToken: token));
            seen.AddRange(page.Items.Select(r => r.Info.RunId));
            token = page.NextPageToken;
            pages++;
        }
        while (token != null);
        Assert.Equal(3, pages);
        Assert.Equal(created.Order(), seen.Order());
    }

    [Fact]
    public void An_invalid_filter_is_INVALID_PARAMETER_VALUE()
    {
        string exp = NewExperiment();
        Throws(ErrorCodes.InvalidParameterValue, () => Store.SearchRuns(new RunQuery([exp], "metrics.acc >")));
        Throws(ErrorCodes.InvalidParameterValue, () => Store.SearchRuns(new RunQuery([exp], "metrics.acc > 'high'")));
        Throws(ErrorCodes.InvalidParameterValue, () => Store.SearchRuns(new RunQuery([exp], "attributes.colour = 'red'")));
        Throws(ErrorCodes.InvalidParameterValue, () => Store.SearchRuns(new RunQuery([exp], OrderBy: ["attributes.colour DESC"])));
        Throws(ErrorCodes.InvalidParameterValue, () => Store.SearchRegisteredModels("colour = 'red'"));
        Throws(ErrorCodes.InvalidParameterValue, () => Store.SearchModelVersions("metrics.acc > 1"));
    }

    [Fact]
    public void Dataset_inputs_are_recorded_on_the_run()
    {
        var run = NewRun();
        Store.LogInputs(run.Info.RunId,
            [new DatasetInput("gtzan", "abc123", "local", "{\"uri\": \"/data/gtzan\"}", null, null, new Dictionary<string, string> { ["mlflow.data.context"] = "train" })]);
        var input = Assert.Single(Store.GetRun(run.Info.RunId).Inputs);
        Assert.Equal("gtzan", input.Name);
        Assert.Equal("abc123", input.Digest);
        Assert.Equal("local", input.SourceType);
        Assert.Equal("train", input.Tags!["mlflow.data.context"]);
    }

    // ---- artifacts ----

    [Fact]
    public void Artifacts_files_and_folders_are_logged_listed_and_downloaded()
    {
        var run = NewRun();
        string id = run.Info.RunId;
        string src = Temp.File("src");
        Directory.CreateDirectory(Path.Combine(src, "model", "weights"));
        File.WriteAllText(Path.Combine(src, "model", "MLmodel"), "flavors: {}\n");
        File.WriteAllBytes(Path.Combine(src, "model", "weights", "w.bin"), [1, 2, 3, 4]);
        File.WriteAllText(Path.Combine(src, "report.txt"), "hello");

        Store.LogArtifact(id, Path.Combine(src, "report.txt"));
        Store.LogArtifact(id, Path.Combine(src, "report.txt"), "reports/daily");
        Store.LogArtifact(id, Path.Combine(src, "model"));

        var root = Store.ListArtifacts(id);
        Assert.Equal(["model", "report.txt", "reports"], root.Select(a => a.Path));
        Assert.True(root[0].IsDirectory);
        Assert.Equal(5, root[1].FileSize);
        var model = Store.ListArtifacts(id, "model");
        Assert.Equal(["model/MLmodel", "model/weights"], model.Select(a => a.Path));

        string dest = Temp.File("dest");
        string got = Store.DownloadArtifacts(id, "model", dest);
        Assert.Equal(Path.Combine(dest, "model"), got);
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(Path.Combine(got, "weights", "w.bin")));
        string file = Store.DownloadArtifacts(id, "reports/daily/report.txt", Temp.File("dest2"));
        Assert.Equal("hello", File.ReadAllText(file));
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.DownloadArtifacts(id, "nothing-here", Temp.File("dest3")));
    }

    // ---- registry ----

    [Fact]
    public void A_registered_model_gets_versions_numbered_from_1()
    {
        var run = NewRun();
        var m = Store.CreateRegisteredModel("genre-clf", "classifies genres", new Dictionary<string, string> { ["task"] = "genre" });
        Assert.Equal("genre-clf", m.Name);
        Assert.Equal("classifies genres", m.Description);
        var v1 = Store.CreateModelVersion("genre-clf", $"runs:/{run.Info.RunId}/model", run.Info.RunId);
        var v2 = Store.CreateModelVersion("genre-clf", $"runs:/{run.Info.RunId}/model", run.Info.RunId, "second", new Dictionary<string, string> { ["k"] = "v" });
        Assert.Equal("1", v1.Version);
        Assert.Equal("2", v2.Version);
        Assert.Equal(ModelStages.None, v1.CurrentStage);
        Assert.Equal("READY", v1.Status);
        Assert.Equal(run.Info.RunId, v1.RunId);
        var got = Store.GetModelVersion("genre-clf", "2");
        Assert.Equal("second", got.Description);
        Assert.Equal("v", got.Tags["k"]);
        Assert.Equal($"runs:/{run.Info.RunId}/model", got.Source);
        Assert.Equal("genre", Store.GetRegisteredModel("genre-clf").Tags["task"]);
        Throws(ErrorCodes.ResourceAlreadyExists, () => Store.CreateRegisteredModel("genre-clf"));
    }

    [Fact]
    public void Missing_models_versions_and_aliases_are_RESOURCE_DOES_NOT_EXIST()
    {
        NewExperiment();
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.GetRegisteredModel("nope"));
        Store.CreateRegisteredModel("empty");
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.GetModelVersion("empty", "1"));
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.GetModelVersionByAlias("empty", "champion"));
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.CreateModelVersion("nope", "runs:/abc/model"));
    }

    [Fact]
    public void Aliases_point_at_versions_and_can_be_moved_and_deleted()
    {
        Store.CreateRegisteredModel("m");
        Store.CreateModelVersion("m", "file:///tmp/a");
        Store.CreateModelVersion("m", "file:///tmp/b");
        Store.SetRegisteredModelAlias("m", "champion", "1");
        Assert.Equal("1", Store.GetModelVersionByAlias("m", "champion").Version);
        Assert.Equal(["champion"], Store.GetModelVersion("m", "1").Aliases);
        Store.SetRegisteredModelAlias("m", "champion", "2");
        Store.SetRegisteredModelAlias("m", "challenger", "1");
        Assert.Equal("2", Store.GetModelVersionByAlias("m", "champion").Version);
        var model = Store.GetRegisteredModel("m");
        Assert.Equal([new RegisteredModelAlias("challenger", "1"), new RegisteredModelAlias("champion", "2")], model.Aliases);
        Store.DeleteRegisteredModelAlias("m", "champion");
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.GetModelVersionByAlias("m", "champion"));
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.SetRegisteredModelAlias("m", "x", "9"));
    }

    [Fact]
    public void Transitioning_to_production_archives_the_previous_production_version_when_asked()
    {
        Store.CreateRegisteredModel("staged");
        for (int i = 0; i < 3; i++) Store.CreateModelVersion("staged", $"file:///tmp/{i}");
        Store.TransitionModelVersionStage("staged", "1", "production", archiveExistingVersions: false);
        Store.TransitionModelVersionStage("staged", "2", "Production", archiveExistingVersions: false);
        Assert.Equal(ModelStages.Production, Store.GetModelVersion("staged", "1").CurrentStage);
        var v3 = Store.TransitionModelVersionStage("staged", "3", "Production", archiveExistingVersions: true);
        Assert.Equal(ModelStages.Production, v3.CurrentStage);
        Assert.Equal(ModelStages.Archived, Store.GetModelVersion("staged", "1").CurrentStage);
        Assert.Equal(ModelStages.Archived, Store.GetModelVersion("staged", "2").CurrentStage);
        var latest = Store.GetLatestVersions("staged", [ModelStages.Production]);
        Assert.Equal("3", Assert.Single(latest).Version);
        var perStage = Store.GetLatestVersions("staged");
        Assert.Equal(["2", "3"], perStage.Select(v => v.Version).Order());
        Throws(ErrorCodes.InvalidParameterValue, () => Store.TransitionModelVersionStage("staged", "1", "Prod", false));
    }

    [Fact]
    public void Descriptions_and_tags_of_models_and_versions_are_updated()
    {
        Store.CreateRegisteredModel("d");
        Store.CreateModelVersion("d", "file:///tmp/x");
        Assert.Equal("new", Store.UpdateRegisteredModel("d", "new").Description);
        Assert.Equal("v-desc", Store.UpdateModelVersion("d", "1", "v-desc").Description);
        Store.SetRegisteredModelTag("d", "owner", "me");
        Store.SetModelVersionTag("d", "1", "validated", "true");
        Assert.Equal("me", Store.GetRegisteredModel("d").Tags["owner"]);
        Assert.Equal("true", Store.GetModelVersion("d", "1").Tags["validated"]);
    }

    [Fact]
    public void Models_and_versions_are_searched_by_name_and_run_id()
    {
        var run = NewRun();
        Store.CreateRegisteredModel("alpha-model");
        Store.CreateRegisteredModel("beta-model");
        Store.CreateRegisteredModel("gamma");
        Store.CreateModelVersion("alpha-model", $"runs:/{run.Info.RunId}/model", run.Info.RunId);
        Store.CreateModelVersion("beta-model", "file:///tmp/other");
        Assert.Equal(["alpha-model", "beta-model"], Store.SearchRegisteredModels("name LIKE '%-model'").Items.Select(m => m.Name));
        Assert.Equal("gamma", Assert.Single(Store.SearchRegisteredModels("name = 'gamma'").Items).Name);
        var byRun = Store.SearchModelVersions($"run_id = '{run.Info.RunId}'").Items;
        Assert.Equal("alpha-model", Assert.Single(byRun).Name);
        Assert.Single(Store.SearchModelVersions("name = 'beta-model'").Items);
        var paged = Store.SearchRegisteredModels(maxResults: 2);
        Assert.Equal(2, paged.Items.Count);
        Assert.Single(Store.SearchRegisteredModels(maxResults: 2, pageToken: paged.NextPageToken).Items);
    }

    [Fact]
    public void A_registered_model_can_be_deleted()
    {
        Store.CreateRegisteredModel("gone");
        Store.CreateModelVersion("gone", "file:///tmp/x");
        Store.DeleteRegisteredModel("gone");
        Throws(ErrorCodes.ResourceDoesNotExist, () => Store.GetRegisteredModel("gone"));
    }

    [Fact]
    public void The_download_uri_of_a_run_model_points_at_the_run_artifacts()
    {
        var run = NewRun();
        Store.CreateRegisteredModel("dl");
        Store.CreateModelVersion("dl", $"runs:/{run.Info.RunId}/model", run.Info.RunId);
        string uri = Store.GetModelVersionDownloadUri("dl", "1");
        Assert.EndsWith($"{run.Info.RunId}/artifacts/model", uri, StringComparison.Ordinal);
    }
}
