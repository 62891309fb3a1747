using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mmcs.Core;
using Mmcs.Registry.Models;
using Mmcs.Registry.Rest;
using Mmcs.Registry.Tracking;

namespace Mmcs.Registry.Tests.Rest;

/// <summary>What only the REST store does: retries, auth, the wire format, remote artifacts and their cache.</summary>
public sealed class RestStoreTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly FakeMlflowServer _server;
    private static readonly RestStoreOptions Fast = new() { BaseDelay = TimeSpan.FromMilliseconds(5), MaxRetries = 3 };

    public RestStoreTests() => _server = new FakeMlflowServer(_temp.Path);

    public void Dispose()
    {
        _server.Dispose();
        _temp.Dispose();
    }

    private RestStore Store(RestCredentials? credentials = null, RestStoreOptions? options = null) =>
        new(_server.Uri, credentials ?? new RestCredentials(), options: options ?? Fast);

    [Fact]
    public void A_503_is_retried_and_the_call_then_succeeds()
    {
        using var store = Store();
        _server.FailNext(1, 503);
        int before = _server.RequestCount;
        string id = store.CreateExperiment("after-503");
        Assert.Equal(2, _server.RequestCount - before);
        Assert.Equal("after-503", _server.Backend.GetExperiment(id).Name);
    }

    [Fact]
    public void A_429_is_retried_too()
    {
        using var store = Store();
        _server.FailNext(2, 429);
        Assert.Null(store.GetExperimentByName("nothing"));
    }

    [Fact]
    public void When_retries_run_out_the_servers_error_code_is_raised()
    {
        using var store = Store(options: Fast with { MaxRetries = 2 });
        _server.FailNext(10, 503);
        int before = _server.RequestCount;
        var e = Assert.Throws<MlflowException>(() => store.SearchExperiments());
        Assert.Equal("TEMPORARILY_UNAVAILABLE", e.ErrorCode);
        Assert.Equal(3, _server.RequestCount - before);
        _server.FailNext(0);
    }

    [Fact]
    public void A_400_is_not_retried_and_keeps_the_servers_code_and_message()
    {
        using var store = Store();
        store.CreateExperiment("dup");
        int before = _server.RequestCount;
        var e = Assert.Throws<MlflowException>(() => store.CreateExperiment("dup"));
        Assert.Equal(ErrorCodes.ResourceAlreadyExists, e.ErrorCode);
        Assert.Contains("dup", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _server.RequestCount - before);
    }

    [Fact]
    public void An_unreachable_server_is_an_error_naming_it()
    {
        using var store = new RestStore("http://127.0.0.1:1", new RestCredentials(), options: Fast with { MaxRetries = 1 });
        var e = Assert.Throws<MlflowException>(() => store.GetExperiment("1"));
        Assert.Contains("http://127.0.0.1:1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bearer_token_or_basic_credentials_are_sent()
    {
        using (var store = Store(RestCredentials.FromEnvironment(n => n == "MLFLOW_TRACKING_TOKEN" ? "tok123" : null)))
            store.SearchExperiments();
        Assert.Equal("Bearer tok123", _server.AuthorizationHeaders[^1]);
        var env = new Dictionary<string, string> { ["MLFLOW_TRACKING_USERNAME"] = "ann", ["MLFLOW_TRACKING_PASSWORD"] = "pw" };
        using (var store = Store(RestCredentials.FromEnvironment(n => env.GetValueOrDefault(n))))
            store.SearchExperiments();
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ann:pw")), _server.AuthorizationHeaders[^1]);
        using (var store = Store())
            store.SearchExperiments();
        Assert.Equal("", _server.AuthorizationHeaders[^1]);
    }

    [Fact]
    public void TrackingStores_opens_a_rest_store_for_http_uris_with_credentials_from_the_environment()
    {
        var env = new Dictionary<string, string> { ["MLFLOW_TRACKING_URI"] = _server.Uri, ["MLFLOW_TRACKING_TOKEN"] = "env-token" };
        using var store = TrackingStores.Open(null, n => env.GetValueOrDefault(n));
        Assert.IsType<RestStore>(store);
        Assert.Equal(_server.Uri, store.TrackingUri);
        store.CreateExperiment("via-env");
        Assert.Equal("Bearer env-token", _server.AuthorizationHeaders[^1]);
    }

    [Fact]
    public async Task The_server_answers_400_with_an_error_body_without_a_json_content_type()
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(_server.Uri + "/api/2.0/mlflow/experiments/create", new StringContent("{\"name\":\"x\"}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(body["error_code"]);
        Assert.NotNull(body["message"]);
    }

    [Fact]
    public async Task A_missing_resource_is_404_RESOURCE_DOES_NOT_EXIST_on_the_wire()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(_server.Uri + "/api/2.0/mlflow/runs/get?run_id=0123456789abcdef0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error_code"]!.ToString());
    }

    [Fact]
    public async Task NaN_and_infinities_travel_as_strings()
    {
        using var store = Store();
        string exp = store.CreateExperiment("nan");
        string run = store.CreateRun(exp, "r", 1, null, "u").Info.RunId;
        store.LogBatch(run, [new Metric("a", double.NaN, 1, 0), new Metric("b", double.PositiveInfinity, 1, 0), new Metric("c", double.NegativeInfinity, 1, 0)]);
        store.LogMetric(run, new Metric("d", double.NaN, 1, 0));
        using var http = new HttpClient();
        string json = await http.GetStringAsync(_server.Uri + "/api/2.0/mlflow/runs/get?run_id=" + run);
        Assert.Contains("\"value\":\"NaN\"", json, StringComparison.Ordinal);
        Assert.Contains("\"value\":\"Infinity\"", json, StringComparison.Ordinal);
        Assert.Contains("\"value\":\"-Infinity\"", json, StringComparison.Ordinal);
        Assert.True(double.IsNaN(store.GetRun(run).Data.Metrics["d"].Value));
        // and the server's own file store got them: nan/inf/-inf lines
        Assert.True(double.IsNaN(_server.Backend.GetRun(run).Data.Metrics["a"].Value));
    }

    [Fact]
    public async Task Runs_create_answers_in_mlflows_shape()
    {
        using var store = Store();
        string exp = store.CreateExperiment("shape");
        using var http = new HttpClient();
        var response = await http.PostAsync(_server.Uri + "/api/2.0/mlflow/runs/create",
            new StringContent($"{{\"experiment_id\":\"{exp}\",\"start_time\":1700000000000,\"run_name\":\"r1\"}}", Encoding.UTF8, "application/json"));
        var run = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["run"]!;
        Assert.Equal("RUNNING", run["info"]!["status"]!.ToString());
        Assert.Equal("active", run["info"]!["lifecycle_stage"]!.ToString());
        Assert.StartsWith($"mlflow-artifacts:/{exp}/", run["info"]!["artifact_uri"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(32, run["info"]!["run_id"]!.ToString().Length);
        var tag = run["data"]!["tags"]!.AsArray().Single(t => t!["key"]!.ToString() == "mlflow.runName")!;
        Assert.Equal("r1", tag["value"]!.ToString());
    }

    [Fact]
    public void Artifacts_go_through_the_mlflow_artifacts_api()
    {
        using var store = Store();
        string exp = store.CreateExperiment("arts");
        string run = store.CreateRun(exp, "r", 1, null, "u").Info.RunId;
        string file = Path.Combine(_temp.Path, "hello.txt");
        File.WriteAllText(file, "hi");
        store.LogArtifact(run, file, "docs");
        Assert.Contains($"PUT /api/2.0/mlflow-artifacts/artifacts/{exp}/{run}/artifacts/docs/hello.txt", _server.Requests);
        Assert.Equal("hi", File.ReadAllText(Path.Combine(_temp.Path, "server-artifacts", exp, run, "artifacts", "docs", "hello.txt")));
        Assert.Null(store.TryGetLocalArtifactDirectory(run));
    }

    [Fact]
    public void A_remote_model_is_downloaded_once_into_the_cache_and_reused()
    {
        using var store = Store();
        using var tracker = new Tracker(store);
        string folder = Path.Combine(_temp.Path, "m");
        new MlModelFile().WithFlavor("mmcs", new Dictionary<string, object?> { ["framework"] = "mlnet" }).Write(folder);
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.WriteAllText(Path.Combine(folder, "sub", "w.bin"), "weights");
        string uri;
        string runId;
        using (var run = tracker.StartRun("remote", "train"))
        {
            uri = ModelLogging.LogModel(run, folder);
            runId = run.RunId;
        }
        ModelLogging.Register(store, uri, "remote-model", runId);
        new ModelRegistry(store).Promote("remote-model", "1", "champion", null);

        string cache = Path.Combine(_temp.Path, "cache");
        var resolver = new ModelUriResolver(store, cache);
        var first = resolver.Resolve("models:/remote-model@champion");
        Assert.StartsWith(cache, first.LocalPath, StringComparison.Ordinal);
        Assert.Equal("weights", File.ReadAllText(Path.Combine(first.LocalPath, "sub", "w.bin")));
        Assert.Equal(runId, MlModelFile.Read(first.LocalPath).RunId);
        Assert.Equal(("remote-model", "1", runId), (first.Name, first.Version, first.RunId));

        int downloads = _server.Requests.Count(r => r.StartsWith("GET /api/2.0/mlflow-artifacts/artifacts/", StringComparison.Ordinal));
        var second = new ModelUriResolver(store, cache).Resolve("models:/remote-model/1");
        Assert.Equal(first.LocalPath, second.LocalPath);
        Assert.Equal(downloads, _server.Requests.Count(r => r.StartsWith("GET /api/2.0/mlflow-artifacts/artifacts/", StringComparison.Ordinal)));
        Assert.Equal(first.LocalPath, resolver.Resolve(uri).LocalPath);
    }

    [Fact]
    public void Without_served_artifacts_the_file_uri_artifacts_are_used_in_place()
    {
        using var temp = new TempDir();
        using var server = new FakeMlflowServer(temp.Path, serveArtifacts: false);
        using var store = new RestStore(server.Uri, new RestCredentials(), options: Fast);
        using var tracker = new Tracker(store);
        string folder = Path.Combine(temp.Path, "m");
        new MlModelFile().WithFlavor("mmcs", new Dictionary<string, object?>()).Write(folder);
        string runId;
        using (var run = tracker.StartRun("local", "train"))
        {
            ModelLogging.LogModel(run, folder);
            runId = run.RunId;
        }
        ModelLogging.Register(store, $"runs:/{runId}/model", "local-model", runId);
        var resolved = new ModelUriResolver(store, Path.Combine(temp.Path, "cache")).Resolve("models:/local-model/1");
        Assert.StartsWith(server.Backend.RootDirectory, resolved.LocalPath, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Contains("mlflow-artifacts", StringComparison.Ordinal));
    }
}
