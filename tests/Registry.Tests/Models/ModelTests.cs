using Mmcs.Core;
using Mmcs.Registry.Models;
using Mmcs.Registry.Tracking;

namespace Mmcs.Registry.Tests.Models;

public sealed class MlModelFileTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void An_MLmodel_file_round_trips_flavors_signature_and_metadata()
    {
        var m = new MlModelFile { ArtifactPath = "model", RunId = "abc" }
            .WithFlavor(MlModelFile.MmcsFlavor, new Dictionary<string, object?>
            {
                ["framework"] = "mlnet",
                ["model_file"] = "model.zip",
                ["labels"] = new List<object?> { "blues", "rock" },
                ["sample_rate"] = 22050L,
                ["scale"] = 0.5,
                ["normalise"] = true,
                ["featurizer"] = new Dictionary<string, object?> { ["n_mfcc"] = 20L, ["hop"] = "512" },
                ["matrix"] = new List<object?> { new List<object?> { 1L, 2L }, new List<object?> { 3L, 4L } },
            });
        m.Signature = new ModelSignature("[{\"type\": \"double\", \"name\": \"mfcc_0\"}]", "[{\"type\": \"string\"}]");
        m.Metadata["accuracy"] = 0.9;
        m.Write(_temp.Path);

        string text = File.ReadAllText(Path.Combine(_temp.Path, "MLmodel"));
        Assert.StartsWith("artifact_path: model\nflavors:\n  mmcs:\n", text, StringComparison.Ordinal);
        Assert.Contains("    labels:\n    - blues\n    - rock\n", text, StringComparison.Ordinal);
        Assert.Contains("      hop: '512'\n", text, StringComparison.Ordinal);
        Assert.Contains("    matrix:\n    - - 1\n      - 2\n    - - 3\n      - 4\n", text, StringComparison.Ordinal); // PyYAML's block style

        var back = MlModelFile.Read(_temp.Path);
        var flavor = back.Flavors["mmcs"];
        Assert.Equal("mlnet", flavor["framework"]);
        Assert.Equal(new List<object?> { "blues", "rock" }, flavor["labels"]);
        Assert.Equal(22050L, flavor["sample_rate"]);
        Assert.Equal(0.5, flavor["scale"]);
        Assert.Equal(true, flavor["normalise"]);
        Assert.Equal("512", ((Dictionary<string, object?>)flavor["featurizer"]!)["hop"]);
        Assert.Equal(m.Signature, back.Signature);
        Assert.Equal(0.9, back.Metadata["accuracy"]);
        Assert.Equal("abc", back.RunId);
        Assert.Equal(m.ModelUuid, back.ModelUuid);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$", back.UtcTimeCreated);
    }

    [Fact]
    public void A_folder_without_MLmodel_is_an_error_naming_the_folder()
    {
        var e = Assert.Throws<MlflowException>(() => MlModelFile.Read(_temp.Path));
        Assert.Equal(ErrorCodes.ResourceDoesNotExist, e.ErrorCode);
        Assert.Contains(_temp.Path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_MLmodel_is_an_error_naming_the_folder()
    {
        File.WriteAllText(Path.Combine(_temp.Path, "MLmodel"), "flavors: [unclosed");
        var e = Assert.Throws<MlflowException>(() => MlModelFile.Read(_temp.Path));
        Assert.Contains(_temp.Path, e.Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_temp.Path, "MLmodel"), "artifact_path: model\n");
        e = Assert.Throws<MlflowException>(() => MlModelFile.Read(_temp.Path));
        Assert.Contains("flavors", e.Message, StringComparison.Ordinal);
    }
}

public sealed class ModelLoggingAndResolutionTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly Registry.FileStore.FileStore _store;
    private readonly Tracker _tracker;

    public ModelLoggingAndResolutionTests()
    {
        _store = new Registry.FileStore.FileStore(_temp.File("mlruns"));
        _tracker = new Tracker(_store);
    }

    public void Dispose() => _temp.Dispose();

    private string ModelFolder(string weights = "w1")
    {
        string dir = _temp.File("local-model-" + Guid.NewGuid().ToString("N")[..6]);
        new MlModelFile().WithFlavor("mmcs", new Dictionary<string, object?> { ["framework"] = "mlnet" }).Write(dir);
        File.WriteAllText(Path.Combine(dir, "model.zip"), weights);
        Directory.CreateDirectory(Path.Combine(dir, "scalers"));
        File.WriteAllText(Path.Combine(dir, "scalers", "std.json"), "{}");
        return dir;
    }

    private (string RunId, string Uri) LogModel(string weights = "w1")
    {
        using var run = _tracker.StartRun("models", "train");
        string uri = ModelLogging.LogModel(run, ModelFolder(weights));
        return (run.RunId, uri);
    }

    [Fact]
    public void A_logged_model_is_the_folder_contents_under_model_with_its_run_id_and_a_history_tag()
    {
        var (runId, uri) = LogModel();
        Assert.Equal($"runs:/{runId}/model", uri);
        Assert.Equal(["model/MLmodel", "model/model.zip", "model/scalers"], _store.ListArtifacts(runId, "model").Select(a => a.Path));
        string local = Path.Combine(_store.LocalArtifactDirectory(runId), "model");
        var mlmodel = MlModelFile.Read(local);
        Assert.Equal(runId, mlmodel.RunId);
        Assert.Equal("model", mlmodel.ArtifactPath);
        string history = _store.GetRun(runId).Data.Tags[SystemTags.LoggedModels];
        Assert.Contains($"\"run_id\":\"{runId}\"", history, StringComparison.Ordinal);
        Assert.Contains("\"artifact_path\":\"model\"", history, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Finished, _store.GetRun(runId).Info.Status);
    }

    [Fact]
    public void Register_creates_the_model_when_missing_and_numbers_versions()
    {
        var (run1, uri1) = LogModel("a");
        var (_, uri2) = LogModel("b");
        var v1 = ModelLogging.Register(_store, uri1, "genre", runId: null, new Dictionary<string, string> { ["dataset"] = "gtzan" });
        var v2 = ModelLogging.Register(_store, uri2, "genre", null);
        Assert.Equal("1", v1.Version);
        Assert.Equal(run1, v1.RunId);
        Assert.Equal("gtzan", v1.Tags["dataset"]);
        Assert.Equal("2", v2.Version);
    }

    [Fact]
    public void Every_uri_form_resolves_to_the_model_folder()
    {
        var (run1, uri1) = LogModel("one");
        var (run2, uri2) = LogModel("two");
        ModelLogging.Register(_store, uri1, "genre", run1);
        ModelLogging.Register(_store, uri2, "genre", run2);
        var registry = new ModelRegistry(_store);
        registry.Promote("genre", "1", alias: "champion", stage: "Production");
        registry.Promote("genre", "2", alias: "challenger", stage: "Staging");
        var resolver = new ModelUriResolver(_store, _temp.File("cache"));

        string Weights(ResolvedModel r) => File.ReadAllText(Path.Combine(r.LocalPath, "model.zip"));

        var byRun = resolver.Resolve(uri2);
        Assert.Equal("two", Weights(byRun));
        Assert.Equal(run2, byRun.RunId);
        Assert.Null(byRun.Name);

        var byVersion = resolver.Resolve("models:/genre/1");
        Assert.Equal(("one", "genre", "1", run1), (Weights(byVersion), byVersion.Name, byVersion.Version, byVersion.RunId));
        Assert.Equal("two", Weights(resolver.Resolve("models:/genre@challenger")));
        Assert.Equal("one", Weights(resolver.Resolve("models:/genre@champion")));
        Assert.Equal("one", Weights(resolver.Resolve("models:/genre/Production")));
        Assert.Equal("two", Weights(resolver.Resolve("models:/genre/staging")));
        Assert.Equal("two", Weights(resolver.Resolve("models:/genre/latest")));

        var local = resolver.Resolve(byVersion.LocalPath);
        Assert.Equal(byVersion.LocalPath, local.LocalPath);
        Assert.Null(local.RunId);

        // in place for the file store: nothing was copied to the cache
        Assert.False(Directory.Exists(_temp.File("cache")));
        Assert.StartsWith(_store.RootDirectory, byVersion.LocalPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_models_aliases_stages_and_runs_are_RESOURCE_DOES_NOT_EXIST_naming_them()
    {
        var (run1, uri1) = LogModel();
        ModelLogging.Register(_store, uri1, "genre", run1);
        var resolver = new ModelUriResolver(_store, _temp.File("cache"));

        MlflowException NotFound(string uri)
        {
            var e = Assert.Throws<MlflowException>(() => resolver.Resolve(uri));
            Assert.Equal(ErrorCodes.ResourceDoesNotExist, e.ErrorCode);
            return e;
        }

        Assert.Contains("nosuch", NotFound("models:/nosuch/1").Message, StringComparison.Ordinal);
        Assert.Contains("champion", NotFound("models:/genre@champion").Message, StringComparison.Ordinal);
        Assert.Contains("Production", NotFound("models:/genre/Production").Message, StringComparison.Ordinal);
        NotFound("models:/genre/7");
        NotFound("runs:/0123456789abcdef0123456789abcdef/model");
        NotFound($"runs:/{run1}/not-a-model");
        NotFound(_temp.File("no-folder"));
        var bad = Assert.Throws<MlflowException>(() => resolver.Resolve("models:/genre/champion"));
        Assert.Equal(ErrorCodes.InvalidParameterValue, bad.ErrorCode);
        Assert.Contains("models:/genre@champion", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Promotion_archives_the_previous_production_version_and_moves_the_alias()
    {
        var (r1, u1) = LogModel();
        var (r2, u2) = LogModel();
        ModelLogging.Register(_store, u1, "g", r1);
        ModelLogging.Register(_store, u2, "g", r2);
        var registry = new ModelRegistry(_store);
        registry.Promote("g", "1", "champion", "Production");
        var v2 = registry.Promote("g", "2", "champion", "Production");
        Assert.Equal(ModelStages.Production, v2.CurrentStage);
        Assert.Equal(["champion"], v2.Aliases);
        Assert.Equal(ModelStages.Archived, _store.GetModelVersion("g", "1").CurrentStage);
        Assert.Equal(["2", "1"], registry.Versions("g").Select(v => v.Version));
        registry.DeleteAlias("g", "champion");
        Assert.Empty(registry.Get("g").Aliases);
        Assert.Equal("about", registry.SetDescription("g", "about").Description);
        Assert.Equal("v", registry.SetVersionDescription("g", "2", "v").Description);
        Assert.Throws<MlflowException>(() => registry.Promote("g", "2", null, null));
    }
}

public sealed class ModelUriTests
{
    [Theory]
    [InlineData("models:/genre/3", "genre", "3", null, null, false)]
    [InlineData("models:/genre@champion", "genre", null, null, "champion", false)]
    [InlineData("models:/genre/Production", "genre", null, "Production", null, false)]
    [InlineData("models:/genre/archived", "genre", null, "Archived", null, false)]
    [InlineData("models:/genre/latest", "genre", null, null, null, true)]
    [InlineData("models:genre/2", "genre", "2", null, null, false)]
    public void Models_uris_are_parsed(string uri, string name, string? version, string? stage, string? alias, bool latest)
    {
        var p = ModelUris.ParseModelsUri(uri);
        Assert.Equal((name, version, stage, alias, latest), (p.Name, p.Version, p.Stage, p.Alias, p.Latest));
    }

    [Theory]
    [InlineData("runs:/abc123/model", "abc123", "model")]
    [InlineData("runs:/abc123/model/sub/", "abc123", "model/sub")]
    [InlineData("runs:/abc123", "abc123", "")]
    public void Runs_uris_are_parsed(string uri, string runId, string path) =>
        Assert.Equal((runId, path), ModelUris.ParseRunsUri(uri));

    [Theory]
    [InlineData("models:/")]
    [InlineData("models:/genre")]
    [InlineData("models:/genre/")]
    [InlineData("models:/genre@")]
    [InlineData("runs:/")]
    public void Malformed_uris_are_INVALID_PARAMETER_VALUE(string uri)
    {
        var e = Assert.Throws<MlflowException>(() =>
        {
            if (uri.StartsWith("runs", StringComparison.Ordinal)) ModelUris.ParseRunsUri(uri);
            else ModelUris.ParseModelsUri(uri);
        });
        Assert.Equal(ErrorCodes.InvalidParameterValue, e.ErrorCode);
    }
}
