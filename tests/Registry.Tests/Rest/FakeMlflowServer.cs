using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mmcs.Core;
using Mmcs.Registry.Rest;
using Mmcs.Registry.Search;

namespace Mmcs.Registry.Tests.Rest;

/// <summary>
/// An in-process stand-in for an MLflow tracking server (Kestrel on 127.0.0.1, a random port), backed by a file store.
/// It answers as MLflow's REST API does: JSON bodies required for POST/PATCH/DELETE (400 otherwise), error bodies
/// <c>{"error_code", "message"}</c> with 404 for RESOURCE_DOES_NOT_EXIST and 400 for invalid or duplicate input, NaN and
/// infinities as strings. With <c>serveArtifacts</c> it behaves like <c>mlflow server --serve-artifacts</c>
/// (artifact_uri <c>mlflow-artifacts:/…</c>, files through <c>/api/2.0/mlflow-artifacts/artifacts</c>); without, runs
/// get <c>file://</c> artifact locations on this machine.
/// </summary>
public sealed class FakeMlflowServer : IAsyncDisposable, IDisposable
{
    private readonly WebApplication _app;
    private readonly string _artifactsDir;
    private int _failures;
    private int _failureStatus;

    public FakeMlflowServer(string directory, bool serveArtifacts = true)
    {
        Backend = new Registry.FileStore.FileStore(Path.Combine(directory, "server-mlruns"), defaultArtifactRoot: serveArtifacts ? "mlflow-artifacts:/" : null);
        _artifactsDir = Path.Combine(directory, "server-artifacts");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Use(async (ctx, next) =>
        {
            Interlocked.Increment(ref RequestCountField);
            lock (Requests) Requests.Add($"{ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString}");
            lock (AuthorizationHeaders) AuthorizationHeaders.Add(ctx.Request.Headers.Authorization.ToString());
            if (Interlocked.Decrement(ref _failures) >= 0)
            {
                await WriteJson(ctx, _failureStatus, new JsonObject { ["error_code"] = "TEMPORARILY_UNAVAILABLE", ["message"] = "try again" });
                return;
            }
            Interlocked.Exchange(ref _failures, 0);
            await next(ctx);
        });
        _app.Map("/api/2.0/mlflow/{**endpoint}", HandleApi);
        _app.MapMethods("/api/2.0/mlflow-artifacts/artifacts/{**path}", ["GET", "PUT"], HandleArtifact);
        _app.MapGet("/api/2.0/mlflow-artifacts/artifacts", ListArtifacts);
        _app.StartAsync().GetAwaiter().GetResult();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Uri = address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
    }

    public string Uri { get; }

    public Registry.FileStore.FileStore Backend { get; }

    private int RequestCountField;

    public int RequestCount => Volatile.Read(ref RequestCountField);

    public List<string> Requests { get; } = [];

    public List<string> AuthorizationHeaders { get; } = [];

    /// <summary>The next <paramref name="count"/> requests fail with <paramref name="status"/>.</summary>
    public void FailNext(int count, int status = 503)
    {
        _failureStatus = status;
        Interlocked.Exchange(ref _failures, count);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    // ---- plumbing ----

    private static async Task WriteJson(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString());
    }

    private static int StatusFor(string code) => code switch
    {
        ErrorCodes.ResourceDoesNotExist => 404,
        ErrorCodes.InvalidParameterValue or ErrorCodes.ResourceAlreadyExists or "BAD_REQUEST" => 400,
        _ => 500,
    };

    private sealed class Request(JsonNode? body, IQueryCollection query)
    {
        public string? Str(string key) => body != null ? MlflowJson.Str(body, key) : query[key].FirstOrDefault();

        public string Req(string key) => Str(key) is { Length: > 0 } v ? v
            : throw MlflowException.Invalid($"Missing value for required parameter '{key}'. See the API docs for more information about request parameters.");

        public long? Long(string key) => body != null ? MlflowJson.Long(body, key)
            : long.TryParse(query[key].FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out long l) ? l : null;

        public int Int(string key, int fallback) => (int)(Long(key) ?? fallback);

        public bool Bool(string key) => body != null ? MlflowJson.Bool(body, key) ?? false : bool.TryParse(query[key].FirstOrDefault(), out bool b) && b;

        public Dictionary<string, string>? Tags(string key = "tags") => body?[key] is JsonArray ? MlflowJson.KeyValueMap(body, key) : null;

        public IEnumerable<JsonNode> Array(string key) => body != null ? MlflowJson.Array(body, key) : [];

        public List<string> Strings(string key) => body?[key] is JsonArray a ? a.Select(x => x!.ToString()).ToList() : query[key].Select(x => x!).ToList();

        public JsonNode? Body => body;
    }

    private async Task HandleApi(HttpContext ctx, string endpoint)
    {
        try
        {
            JsonNode? body = null;
            if (ctx.Request.Method != "GET")
            {
                if (ctx.Request.ContentType is not { } ct || !ct.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                    throw new MlflowException("BAD_REQUEST", "Bad Request. Content-Type must be application/json.");
                try
                {
                    body = await JsonNode.ParseAsync(ctx.Request.Body) ?? new JsonObject();
                }
                catch (JsonException e)
                {
                    throw new MlflowException("BAD_REQUEST", "Malformed JSON body: " + e.Message);
                }
            }
            var response = Dispatch(ctx.Request.Method, endpoint, new Request(body, ctx.Request.Query));
            if (response == null)
            {
                await WriteJson(ctx, 404, new JsonObject { ["error_code"] = "ENDPOINT_NOT_FOUND", ["message"] = $"No {ctx.Request.Method} endpoint {endpoint}" });
                return;
            }
            await WriteJson(ctx, 200, response);
        }
        catch (MlflowException e)
        {
            await WriteJson(ctx, StatusFor(e.ErrorCode), new JsonObject { ["error_code"] = e.ErrorCode, ["message"] = e.Message });
        }
    }

    private static JsonArray Arr<T>(IEnumerable<T> items, Func<T, JsonNode> map) => new(items.Select(i => (JsonNode?)map(i)).ToArray());

    private static JsonObject WithToken(JsonObject o, string? token)
    {
        if (token != null) o["next_page_token"] = token;
        return o;
    }

    private JsonNode? Dispatch(string method, string endpoint, Request r)
    {
        var s = Backend;
        switch (method, endpoint)
        {
            case ("POST", "experiments/create"):
                return new JsonObject { ["experiment_id"] = s.CreateExperiment(r.Req("name"), r.Str("artifact_location"), r.Tags()) };
            case ("GET", "experiments/get"):
                return new JsonObject { ["experiment"] = MlflowJson.Experiment(s.GetExperiment(r.Req("experiment_id"))) };
            case ("GET", "experiments/get-by-name"):
                var byName = s.GetExperimentByName(r.Req("experiment_name"))
                    ?? throw MlflowException.NotFound($"Could not find experiment with name '{r.Str("experiment_name")}'");
                return new JsonObject { ["experiment"] = MlflowJson.Experiment(byName) };
            case ("POST", "experiments/search"):
                var ep = s.SearchExperiments(r.Str("filter"), r.Int("max_results", 1000), r.Str("page_token"), MlflowJson.ParseViewType(r.Str("view_type")));
                return WithToken(new JsonObject { ["experiments"] = Arr(ep.Items, MlflowJson.Experiment) }, ep.NextPageToken);
            case ("POST", "experiments/set-experiment-tag"):
                s.SetExperimentTag(r.Req("experiment_id"), r.Req("key"), r.Str("value") ?? "");
                return new JsonObject();
            case ("POST", "experiments/update"):
                s.RenameExperiment(r.Req("experiment_id"), r.Req("new_name"));
                return new JsonObject();
            case ("POST", "experiments/delete"):
                s.DeleteExperiment(r.Req("experiment_id"));
                return new JsonObject();
            case ("POST", "experiments/restore"):
                s.RestoreExperiment(r.Req("experiment_id"));
                return new JsonObject();

            case ("POST", "runs/create"):
                return new JsonObject { ["run"] = MlflowJson.Run(s.CreateRun(r.Req("experiment_id"), r.Str("run_name"), r.Long("start_time"), r.Tags(), r.Str("user_id"))) };
            case ("GET", "runs/get"):
                return new JsonObject { ["run"] = MlflowJson.Run(s.GetRun(r.Str("run_id") ?? r.Req("run_uuid"))) };
            case ("POST", "runs/update"):
                var info = s.UpdateRun(r.Str("run_id") ?? r.Req("run_uuid"), r.Str("status") is { } st ? MlflowJson.ParseStatus(st) : null, r.Long("end_time"), r.Str("run_name"));
                return new JsonObject { ["run_info"] = MlflowJson.RunInfo(info) };
            case ("POST", "runs/delete"):
                s.DeleteRun(r.Req("run_id"));
                return new JsonObject();
            case ("POST", "runs/restore"):
                s.RestoreRun(r.Req("run_id"));
                return new JsonObject();
            case ("POST", "runs/search"):
                var rp = s.SearchRuns(new RunQuery(r.Strings("experiment_ids"), r.Str("filter"), r.Strings("order_by"), r.Int("max_results", 1000),
                    r.Str("page_token"), MlflowJson.ParseViewType(r.Str("run_view_type"))));
                return WithToken(new JsonObject { ["runs"] = Arr(rp.Items, MlflowJson.Run) }, rp.NextPageToken);
            case ("POST", "runs/log-metric"):
                s.LogMetric(r.Str("run_id") ?? r.Req("run_uuid"), new Metric(r.Req("key"), MlflowJson.Double(r.Body, "value"), r.Long("timestamp") ?? 0, r.Long("step") ?? 0));
                return new JsonObject();
            case ("POST", "runs/log-parameter"):
                s.LogParam(r.Str("run_id") ?? r.Req("run_uuid"), new Param(r.Req("key"), r.Str("value") ?? ""));
                return new JsonObject();
            case ("POST", "runs/set-tag"):
                s.SetTag(r.Str("run_id") ?? r.Req("run_uuid"), new RunTag(r.Req("key"), r.Str("value") ?? ""));
                return new JsonObject();
            case ("POST", "runs/delete-tag"):
                s.DeleteTag(r.Req("run_id"), r.Req("key"));
                return new JsonObject();
            case ("POST", "runs/log-batch"):
                s.LogBatch(r.Req("run_id"),
                    r.Array("metrics").Select(MlflowJson.ParseMetric).ToList(),
                    r.Array("params").Select(p => new Param(MlflowJson.Str(p, "key") ?? "", MlflowJson.Str(p, "value") ?? "")).ToList(),
                    r.Array("tags").Select(t => new RunTag(MlflowJson.Str(t, "key") ?? "", MlflowJson.Str(t, "value") ?? "")).ToList());
                return new JsonObject();
            case ("POST", "runs/log-inputs"):
                s.LogInputs(r.Req("run_id"), r.Array("datasets").Select(MlflowJson.ParseDatasetInput).ToList());
                return new JsonObject();
            case ("GET", "metrics/get-history"):
                var history = s.GetMetricHistory(r.Str("run_id") ?? r.Req("run_uuid"), r.Req("metric_key"));
                var hp = SearchFilter.Paginate(history, r.Int("max_results", 25000), r.Str("page_token"));
                return WithToken(new JsonObject { ["metrics"] = Arr(hp.Items, MlflowJson.Metric) }, hp.NextPageToken);

            case ("POST", "registered-models/create"):
                return new JsonObject { ["registered_model"] = MlflowJson.RegisteredModel(s.CreateRegisteredModel(r.Req("name"), r.Str("description"), r.Tags())) };
            case ("GET", "registered-models/get"):
                return new JsonObject { ["registered_model"] = MlflowJson.RegisteredModel(s.GetRegisteredModel(r.Req("name"))) };
            case ("PATCH", "registered-models/update"):
                return new JsonObject { ["registered_model"] = MlflowJson.RegisteredModel(s.UpdateRegisteredModel(r.Req("name"), r.Str("description"))) };
            case ("DELETE", "registered-models/delete"):
                s.DeleteRegisteredModel(r.Req("name"));
                return new JsonObject();
            case ("GET", "registered-models/search"):
                var mp = s.SearchRegisteredModels(r.Str("filter"), r.Int("max_results", 100), r.Str("page_token"));
                return WithToken(new JsonObject { ["registered_models"] = Arr(mp.Items, MlflowJson.RegisteredModel) }, mp.NextPageToken);
            case ("POST", "registered-models/set-tag"):
                s.SetRegisteredModelTag(r.Req("name"), r.Req("key"), r.Str("value") ?? "");
                return new JsonObject();
            case ("POST" or "GET", "registered-models/get-latest-versions"):
                var stages = r.Strings("stages");
                return new JsonObject { ["model_versions"] = Arr(s.GetLatestVersions(r.Req("name"), stages.Count == 0 ? null : stages), MlflowJson.ModelVersion) };
            case ("POST", "registered-models/alias"):
                s.SetRegisteredModelAlias(r.Req("name"), r.Req("alias"), r.Req("version"));
                return new JsonObject();
            case ("DELETE", "registered-models/alias"):
                s.DeleteRegisteredModelAlias(r.Req("name"), r.Req("alias"));
                return new JsonObject();
            case ("GET", "registered-models/alias"):
                return new JsonObject { ["model_version"] = MlflowJson.ModelVersion(s.GetModelVersionByAlias(r.Req("name"), r.Req("alias"))) };

            case ("POST", "model-versions/create"):
                return new JsonObject { ["model_version"] = MlflowJson.ModelVersion(s.CreateModelVersion(r.Req("name"), r.Req("source"), r.Str("run_id"), r.Str("description"), r.Tags())) };
            case ("GET", "model-versions/get"):
                return new JsonObject { ["model_version"] = MlflowJson.ModelVersion(s.GetModelVersion(r.Req("name"), r.Req("version"))) };
            case ("PATCH", "model-versions/update"):
                return new JsonObject { ["model_version"] = MlflowJson.ModelVersion(s.UpdateModelVersion(r.Req("name"), r.Req("version"), r.Str("description"))) };
            case ("GET", "model-versions/search"):
                var vp = s.SearchModelVersions(r.Str("filter"), r.Int("max_results", 1000), r.Str("page_token"));
                return WithToken(new JsonObject { ["model_versions"] = Arr(vp.Items, MlflowJson.ModelVersion) }, vp.NextPageToken);
            case ("POST", "model-versions/set-tag"):
                s.SetModelVersionTag(r.Req("name"), r.Req("version"), r.Req("key"), r.Str("value") ?? "");
                return new JsonObject();
            case ("POST", "model-versions/transition-stage"):
                return new JsonObject { ["model_version"] = MlflowJson.ModelVersion(s.TransitionModelVersionStage(r.Req("name"), r.Req("version"), r.Req("stage"), r.Bool("archive_existing_versions"))) };
            case ("GET", "model-versions/get-download-uri"):
                return new JsonObject { ["artifact_uri"] = s.GetModelVersionDownloadUri(r.Req("name"), r.Req("version")) };
            default:
                return null;
        }
    }

    // ---- mlflow-artifacts ----

    private string ArtifactPath(string relative)
    {
        if (relative.Split('/').Any(p => p == ".."))
            throw MlflowException.Invalid($"Invalid path '{relative}'");
        return Path.Combine(_artifactsDir, relative.Replace('/', Path.DirectorySeparatorChar));
    }

    private async Task HandleArtifact(HttpContext ctx, string path)
    {
        try
        {
            string file = ArtifactPath(path);
            if (ctx.Request.Method == "PUT")
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                await using (var fs = File.Create(file))
                    await ctx.Request.Body.CopyToAsync(fs);
                await WriteJson(ctx, 200, new JsonObject());
                return;
            }
            if (!File.Exists(file))
                throw MlflowException.NotFound($"File {path} not found");
            ctx.Response.ContentType = "application/octet-stream";
            await ctx.Response.SendFileAsync(file);
        }
        catch (MlflowException e)
        {
            await WriteJson(ctx, StatusFor(e.ErrorCode), new JsonObject { ["error_code"] = e.ErrorCode, ["message"] = e.Message });
        }
    }

    private async Task ListArtifacts(HttpContext ctx)
    {
        string rel = ctx.Request.Query["path"].FirstOrDefault() ?? "";
        string dir = ArtifactPath(rel);
        var result = new JsonObject();
        if (Directory.Exists(dir))
        {
            var files = new JsonArray();
            foreach (var e in new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var f = new JsonObject { ["path"] = e.Name, ["is_dir"] = e is DirectoryInfo };
                if (e is FileInfo fi) f["file_size"] = fi.Length;
                files.Add(f);
            }
            result["files"] = files;
        }
        await WriteJson(ctx, 200, result);
    }
}
