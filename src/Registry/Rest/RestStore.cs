using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mmcs.Registry.FileStore;
using Mmcs.Registry.Models;
using Polly;
using Polly.Retry;

namespace Mmcs.Registry.Rest;

/// <summary>Retry and timeout settings of the REST store.</summary>
public sealed record RestStoreOptions
{
    /// <summary>Retries after the first attempt for 429, 5xx and network failures.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>The first backoff delay; later ones grow exponentially (with jitter), or follow Retry-After.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>
/// The store for an MLflow tracking server (<c>http(s)://host:port</c>): its REST API under <c>/api/2.0/mlflow/</c>,
/// artifacts through <c>/api/2.0/mlflow-artifacts/</c> (servers started with <c>--serve-artifacts</c>) or directly on
/// disk when the run's artifact_uri is a <c>file://</c> path. Transient failures (429, 5xx, network errors) are retried
/// with exponential backoff; MLflow's error codes become <see cref="MlflowException"/>s.
/// </summary>
public sealed class RestStore : ITrackingStore, ILocalArtifactAccess
{
    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private readonly Uri _base;

    public RestStore(string trackingUri, RestCredentials? credentials = null, HttpMessageHandler? handler = null, RestStoreOptions? options = null)
    {
        options ??= new RestStoreOptions();
        TrackingUri = trackingUri.TrimEnd('/');
        _base = new Uri(TrackingUri + "/");
        _http = handler == null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _ownsClient = true;
        _http.Timeout = options.RequestTimeout;
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("mmcs", "1.0"));
        var auth = (credentials ?? RestCredentials.FromEnvironment()).Header();
        if (auth != null) _http.DefaultRequestHeaders.Authorization = auth;
        _retry = BuildRetry(options);
    }

    public string TrackingUri { get; }

    public void Dispose()
    {
        if (_ownsClient) _http.Dispose();
    }

    private static ResiliencePipeline<HttpResponseMessage> BuildRetry(RestStoreOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.MaxRetries > 0)
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TaskCanceledException>(e => e.InnerException is TimeoutException)
                    .HandleResult(r => IsTransient(r.StatusCode)),
                DelayGenerator = args =>
                {
                    var retryAfter = args.Outcome.Result?.Headers.RetryAfter;
                    TimeSpan? delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
                    if (delay is { } d && d > TimeSpan.Zero)
                        return ValueTask.FromResult<TimeSpan?>(d < options.MaxDelay ? d : options.MaxDelay);
                    return ValueTask.FromResult<TimeSpan?>(null);
                },
            });
        return builder.Build();
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500 && status != HttpStatusCode.NotImplemented;

    // ---- transport ----

    private const string Api = "api/2.0/mlflow/";
    private const string ArtifactsApi = "api/2.0/mlflow-artifacts/artifacts";

    private JsonNode? Get(string endpoint, params (string Key, string? Value)[] query) =>
        Send(HttpMethod.Get, Api + endpoint + QueryString(query), null);

    private JsonNode? Post(string endpoint, JsonObject body) => Send(HttpMethod.Post, Api + endpoint, body);

    private JsonNode? Patch(string endpoint, JsonObject body) => Send(HttpMethod.Patch, Api + endpoint, body);

    private JsonNode? Delete(string endpoint, JsonObject body) => Send(HttpMethod.Delete, Api + endpoint, body);

    private static string QueryString((string Key, string? Value)[] query)
    {
        var parts = query.Where(q => q.Value != null).Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value!)).ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private JsonNode? Send(HttpMethod method, string relative, JsonObject? body)
    {
        string? json = body?.ToJsonString();
        using var response = Execute(() =>
        {
            var request = new HttpRequestMessage(method, new Uri(_base, relative));
            if (json != null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            return request;
        }, relative);
        string text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode) throw ToException(response, text, method, relative);
        if (string.IsNullOrWhiteSpace(text)) return new JsonObject();
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new MlflowException(Core.ErrorCodes.InternalError,
                $"The MLflow server at {TrackingUri} answered {method} {relative} with something that is not JSON: {Truncate(text)}", e);
        }
    }

    /// <summary>Sends a request built fresh for every attempt, retrying transient failures.</summary>
    private HttpResponseMessage Execute(Func<HttpRequestMessage> build, string what)
    {
        try
        {
            return Task.Run(async () => await _retry.ExecuteAsync(async ct =>
            {
                using var request = build();
                return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            }).ConfigureAwait(false)).GetAwaiter().GetResult();
        }
        catch (HttpRequestException e)
        {
            throw new MlflowException(Core.ErrorCodes.InternalError, $"Cannot reach the MLflow server at {TrackingUri} ({what}): {e.Message}", e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new MlflowException(Core.ErrorCodes.InternalError, $"The MLflow server at {TrackingUri} did not answer {what} in time.", e);
        }
    }

    private MlflowException ToException(HttpResponseMessage response, string text, HttpMethod method, string relative)
    {
        string? code = null, message = null;
        try
        {
            var node = JsonNode.Parse(text);
            code = MlflowJson.Str(node, "error_code");
            message = MlflowJson.Str(node, "message");
        }
        catch (JsonException)
        {
        }
        code ??= response.StatusCode switch
        {
            HttpStatusCode.NotFound => Core.ErrorCodes.ResourceDoesNotExist,
            HttpStatusCode.BadRequest => Core.ErrorCodes.InvalidParameterValue,
            HttpStatusCode.Unauthorized => "UNAUTHENTICATED",
            HttpStatusCode.Forbidden => "PERMISSION_DENIED",
            _ => Core.ErrorCodes.InternalError,
        };
        message ??= $"{method} {relative} failed with HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(text)}";
        return new MlflowException(code, message);
    }

    private static string Truncate(string s) => s.Length > 300 ? s[..300] + "…" : s;

    // ---- experiments ----

    public string CreateExperiment(string name, string? artifactLocation = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        Validation.ExperimentName(name);
        var body = new JsonObject { ["name"] = name };
        if (artifactLocation != null) body["artifact_location"] = artifactLocation;
        if (tags is { Count: > 0 }) body["tags"] = MlflowJson.KeyValues(tags);
        return MlflowJson.ReqStr(Post("experiments/create", body), "experiment_id", "experiments/create answer");
    }

    public Experiment GetExperiment(string experimentId) =>
        MlflowJson.ParseExperiment(Get("experiments/get", ("experiment_id", experimentId))!["experiment"]!);

    public Experiment? GetExperimentByName(string name)
    {
        try
        {
            return MlflowJson.ParseExperiment(Get("experiments/get-by-name", ("experiment_name", name))!["experiment"]!);
        }
        catch (MlflowException e) when (e.ErrorCode == Core.ErrorCodes.ResourceDoesNotExist)
        {
            return null;
        }
    }

    public Page<Experiment> SearchExperiments(string? filter = null, int maxResults = 1000, string? pageToken = null, ViewType viewType = ViewType.ActiveOnly)
    {
        var body = new JsonObject { ["max_results"] = maxResults, ["view_type"] = MlflowJson.ViewType(viewType) };
        if (filter != null) body["filter"] = filter;
        if (pageToken != null) body["page_token"] = pageToken;
        var r = Post("experiments/search", body);
        return new Page<Experiment>(MlflowJson.Array(r, "experiments").Select(MlflowJson.ParseExperiment).ToList(), NextToken(r));
    }

    private static string? NextToken(JsonNode? r) => MlflowJson.Str(r, "next_page_token") is { Length: > 0 } t ? t : null;

    public void SetExperimentTag(string experimentId, string key, string value) =>
        Post("experiments/set-experiment-tag", new JsonObject { ["experiment_id"] = experimentId, ["key"] = key, ["value"] = value });

    public void RenameExperiment(string experimentId, string newName) =>
        Post("experiments/update", new JsonObject { ["experiment_id"] = experimentId, ["new_name"] = newName });

    public void DeleteExperiment(string experimentId) => Post("experiments/delete", new JsonObject { ["experiment_id"] = experimentId });

    public void RestoreExperiment(string experimentId) => Post("experiments/restore", new JsonObject { ["experiment_id"] = experimentId });

    // ---- runs ----

    public Run CreateRun(string experimentId, string? runName = null, long? startTime = null, IReadOnlyDictionary<string, string>? tags = null, string? userId = null)
    {
        var body = new JsonObject
        {
            ["experiment_id"] = experimentId,
            ["start_time"] = startTime ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        if (runName != null) body["run_name"] = runName;
        if (userId != null) body["user_id"] = userId;
        if (tags is { Count: > 0 }) body["tags"] = MlflowJson.KeyValues(tags);
        return MlflowJson.ParseRun(Post("runs/create", body)!["run"]!);
    }

    public Run GetRun(string runId)
    {
        Validation.RunId(runId);
        return MlflowJson.ParseRun(Get("runs/get", ("run_id", runId))!["run"]!);
    }

    public RunInfo UpdateRun(string runId, RunStatus? status = null, long? endTime = null, string? runName = null)
    {
        Validation.RunId(runId);
        var body = new JsonObject { ["run_id"] = runId, ["run_uuid"] = runId };
        if (status != null) body["status"] = MlflowJson.Status(status.Value);
        if (endTime != null) body["end_time"] = endTime;
        if (runName != null) body["run_name"] = runName;
        var r = Post("runs/update", body);
        return r?["run_info"] is { } info ? MlflowJson.ParseRunInfo(info) : GetRun(runId).Info;
    }

    public void DeleteRun(string runId) => Post("runs/delete", new JsonObject { ["run_id"] = runId });

    public void RestoreRun(string runId) => Post("runs/restore", new JsonObject { ["run_id"] = runId });

    public Page<Run> SearchRuns(RunQuery query)
    {
        var body = new JsonObject
        {
            ["experiment_ids"] = new JsonArray(query.ExperimentIds.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()),
            ["run_view_type"] = MlflowJson.ViewType(query.ViewType),
            ["max_results"] = query.MaxResults,
        };
        if (query.Filter != null) body["filter"] = query.Filter;
        if (query.OrderBy is { Count: > 0 }) body["order_by"] = new JsonArray(query.OrderBy.Select(o => (JsonNode?)JsonValue.Create(o)).ToArray());
        if (query.PageToken != null) body["page_token"] = query.PageToken;
        var r = Post("runs/search", body);
        return new Page<Run>(MlflowJson.Array(r, "runs").Select(MlflowJson.ParseRun).ToList(), NextToken(r));
    }

    public void LogMetric(string runId, Metric metric)
    {
        Validation.Key("metric", metric.Key);
        var body = MlflowJson.Metric(metric);
        body["run_id"] = runId;
        body["run_uuid"] = runId;
        Post("runs/log-metric", body);
    }

    public void LogParam(string runId, Param param)
    {
        Validation.Key("param", param.Key);
        Validation.ParamValue(param.Key, param.Value);
        Post("runs/log-parameter", new JsonObject { ["run_id"] = runId, ["run_uuid"] = runId, ["key"] = param.Key, ["value"] = param.Value });
    }

    public void SetTag(string runId, RunTag tag)
    {
        Validation.Key("tag", tag.Key);
        Post("runs/set-tag", new JsonObject { ["run_id"] = runId, ["run_uuid"] = runId, ["key"] = tag.Key, ["value"] = tag.Value });
    }

    public void DeleteTag(string runId, string key) => Post("runs/delete-tag", new JsonObject { ["run_id"] = runId, ["key"] = key });

    public void LogBatch(string runId, IReadOnlyList<Metric>? metrics = null, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null)
    {
        var body = new JsonObject { ["run_id"] = runId };
        if (metrics is { Count: > 0 })
        {
            foreach (var m in metrics) Validation.Key("metric", m.Key);
            body["metrics"] = new JsonArray(metrics.Select(m => (JsonNode?)MlflowJson.Metric(m)).ToArray());
        }
        if (parameters is { Count: > 0 })
        {
            foreach (var p in parameters)
            {
                Validation.Key("param", p.Key);
                Validation.ParamValue(p.Key, p.Value);
            }
            body["params"] = MlflowJson.KeyValues(parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));
        }
        if (tags is { Count: > 0 }) body["tags"] = MlflowJson.KeyValues(tags.Select(t => new KeyValuePair<string, string>(t.Key, t.Value)));
        Post("runs/log-batch", body);
    }

    public void LogInputs(string runId, IReadOnlyList<DatasetInput> datasets) =>
        Post("runs/log-inputs", new JsonObject
        {
            ["run_id"] = runId,
            ["datasets"] = new JsonArray(datasets.Select(d => (JsonNode?)MlflowJson.DatasetInput(d)).ToArray()),
        });

    public IReadOnlyList<Metric> GetMetricHistory(string runId, string metricKey)
    {
        var result = new List<Metric>();
        string? token = null;
        do
        {
            var r = Get("metrics/get-history", ("run_id", runId), ("metric_key", metricKey), ("page_token", token));
            result.AddRange(MlflowJson.Array(r, "metrics").Select(MlflowJson.ParseMetric));
            token = NextToken(r);
        }
        while (token != null);
        return result;
    }

    // ---- artifacts ----

    /// <summary>Where a run's artifacts live: on this machine (file://) or behind the server's mlflow-artifacts API.</summary>
    private (string? LocalRoot, string? ProxyPath) ArtifactLocation(string runId)
    {
        string uri = GetRun(runId).Info.ArtifactUri;
        if (ArtifactFiles.LocalRoot(uri) is { } local) return (local, null);
        if (uri.StartsWith("mlflow-artifacts:", StringComparison.OrdinalIgnoreCase))
        {
            string rest = uri["mlflow-artifacts:".Length..];
            if (rest.StartsWith("//", StringComparison.Ordinal))
            {
                int slash = rest.IndexOf('/', 2);
                rest = slash < 0 ? "" : rest[slash..];
            }
            return (null, rest.Trim('/'));
        }
        throw MlflowException.Invalid(
            $"Run {runId} stores its artifacts at '{uri}', which MMCS cannot reach: start the MLflow server with --serve-artifacts (mlflow-artifacts:/) or use a local file:// artifact root.");
    }

    public string? TryGetLocalArtifactDirectory(string runId) => ArtifactLocation(runId).LocalRoot;

    public void LogArtifact(string runId, string localPath, string? artifactPath = null)
    {
        var (local, proxy) = ArtifactLocation(runId);
        if (local != null)
        {
            ArtifactFiles.Upload(localPath, local, artifactPath);
            return;
        }
        string rel = ArtifactFiles.Normalise(artifactPath);
        if (File.Exists(localPath))
        {
            Upload(proxy!, Join(rel, Path.GetFileName(localPath)), localPath);
        }
        else if (Directory.Exists(localPath))
        {
            string full = Path.GetFullPath(localPath).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            string baseRel = Join(rel, Path.GetFileName(full));
            foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
                Upload(proxy!, Join(baseRel, Path.GetRelativePath(full, file).Replace('\\', '/')), file);
        }
        else
        {
            throw MlflowException.NotFound($"Cannot log artifact '{localPath}': no such file or folder.");
        }
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + "/" + b;

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private void Upload(string proxyRoot, string relative, string file)
    {
        string url = ArtifactsApi + "/" + EscapePath(Join(proxyRoot, relative));
        using var response = Execute(() => new HttpRequestMessage(HttpMethod.Put, new Uri(_base, url)) { Content = new FileContent(file) }, "PUT " + url);
        if (!response.IsSuccessStatusCode)
            throw ToException(response, response.Content.ReadAsStringAsync().GetAwaiter().GetResult(), HttpMethod.Put, url);
    }

    public IReadOnlyList<ArtifactInfo> ListArtifacts(string runId, string? path = null)
    {
        var (local, proxy) = ArtifactLocation(runId);
        if (local != null) return ArtifactFiles.List(local, path);
        string rel = ArtifactFiles.Normalise(path);
        var r = Send(HttpMethod.Get, ArtifactsApi + QueryString([("path", Join(proxy!, rel))]), null);
        var result = new List<ArtifactInfo>();
        foreach (var f in MlflowJson.Array(r, "files"))
        {
            string name = MlflowJson.Str(f, "path") ?? "";
            // the server answers paths relative to the listed folder; keep them relative to the artifact root
            string full = name.StartsWith(rel + "/", StringComparison.Ordinal) && rel.Length > 0 ? name : Join(rel, name);
            bool dir = MlflowJson.Bool(f, "is_dir") ?? false;
            result.Add(new ArtifactInfo(full, dir, dir ? null : MlflowJson.Long(f, "file_size")));
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return result;
    }

    public string DownloadArtifacts(string runId, string path, string destinationDirectory)
    {
        var (local, proxy) = ArtifactLocation(runId);
        if (local != null) return ArtifactFiles.Download(local, path, destinationDirectory, runId);
        string rel = ArtifactFiles.Normalise(path);
        Directory.CreateDirectory(destinationDirectory);
        var listing = ListArtifacts(runId, rel);
        if (listing.Count == 0)
        {
            // a file (listing a file gives nothing), or nothing at all
            if (rel.Length == 0) return destinationDirectory;
            string target = Path.Combine(destinationDirectory, rel.Split('/')[^1]);
            DownloadFile(proxy!, rel, target, runId);
            return target;
        }
        string root = rel.Length == 0 ? destinationDirectory : Path.Combine(destinationDirectory, rel.Split('/')[^1]);
        DownloadTree(runId, proxy!, rel, root, listing);
        return root;
    }

    private void DownloadTree(string runId, string proxy, string rel, string targetDir, IReadOnlyList<ArtifactInfo> listing)
    {
        Directory.CreateDirectory(targetDir);
        foreach (var item in listing)
        {
            string name = item.Path.Split('/')[^1];
            if (item.IsDirectory) DownloadTree(runId, proxy, item.Path, Path.Combine(targetDir, name), ListArtifacts(runId, item.Path));
            else DownloadFile(proxy, item.Path, Path.Combine(targetDir, name), runId);
        }
    }

    private void DownloadFile(string proxy, string rel, string target, string runId)
    {
        string url = ArtifactsApi + "/" + EscapePath(Join(proxy, rel));
        using var response = Execute(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_base, url)), "GET " + url);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw MlflowException.NotFound($"Artifact '{rel}' of run {runId} does not exist.");
        if (!response.IsSuccessStatusCode)
            throw ToException(response, response.Content.ReadAsStringAsync().GetAwaiter().GetResult(), HttpMethod.Get, url);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string temp = target + ".mmcs-download-" + Guid.NewGuid().ToString("N")[..8];
        using (var fs = File.Create(temp))
            response.Content.CopyTo(fs, null, CancellationToken.None);
        File.Move(temp, target, overwrite: true);
    }

    /// <summary>File content that reopens the file on every send, so retries can resend it.</summary>
    private sealed class FileContent : HttpContent
    {
        private readonly string _path;

        public FileContent(string path)
        {
            _path = path;
            Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await using var fs = File.OpenRead(_path);
            await fs.CopyToAsync(stream).ConfigureAwait(false);
        }

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            using var fs = File.OpenRead(_path);
            fs.CopyTo(stream);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = new FileInfo(_path).Length;
            return true;
        }
    }

    // ---- registered models ----

    public RegisteredModel CreateRegisteredModel(string name, string? description = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        var body = new JsonObject { ["name"] = name };
        if (description != null) body["description"] = description;
        if (tags is { Count: > 0 }) body["tags"] = MlflowJson.KeyValues(tags);
        Post("registered-models/create", body);
        return GetRegisteredModel(name);
    }

    public RegisteredModel GetRegisteredModel(string name) =>
        MlflowJson.ParseRegisteredModel(Get("registered-models/get", ("name", name))!["registered_model"]!);

    public RegisteredModel UpdateRegisteredModel(string name, string? description)
    {
        Patch("registered-models/update", new JsonObject { ["name"] = name, ["description"] = description ?? "" });
        return GetRegisteredModel(name);
    }

    public void DeleteRegisteredModel(string name) => Delete("registered-models/delete", new JsonObject { ["name"] = name });

    public Page<RegisteredModel> SearchRegisteredModels(string? filter = null, int maxResults = 100, string? pageToken = null)
    {
        var r = Get("registered-models/search", ("filter", filter), ("max_results", maxResults.ToString(CultureInfo.InvariantCulture)), ("page_token", pageToken));
        return new Page<RegisteredModel>(MlflowJson.Array(r, "registered_models").Select(MlflowJson.ParseRegisteredModel).ToList(), NextToken(r));
    }

    public void SetRegisteredModelTag(string name, string key, string value) =>
        Post("registered-models/set-tag", new JsonObject { ["name"] = name, ["key"] = key, ["value"] = value });

    public IReadOnlyList<ModelVersion> GetLatestVersions(string name, IReadOnlyList<string>? stages = null)
    {
        var body = new JsonObject { ["name"] = name };
        if (stages is { Count: > 0 }) body["stages"] = new JsonArray(stages.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        return MlflowJson.Array(Post("registered-models/get-latest-versions", body), "model_versions").Select(MlflowJson.ParseModelVersion).ToList();
    }

    public void SetRegisteredModelAlias(string name, string alias, string version) =>
        Post("registered-models/alias", new JsonObject { ["name"] = name, ["alias"] = alias, ["version"] = version });

    public void DeleteRegisteredModelAlias(string name, string alias) =>
        Delete("registered-models/alias", new JsonObject { ["name"] = name, ["alias"] = alias });

    public ModelVersion GetModelVersionByAlias(string name, string alias) =>
        MlflowJson.ParseModelVersion(Get("registered-models/alias", ("name", name), ("alias", alias))!["model_version"]!);

    // ---- model versions ----

    public ModelVersion CreateModelVersion(string name, string source, string? runId = null, string? description = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        var body = new JsonObject { ["name"] = name, ["source"] = source };
        if (runId != null) body["run_id"] = runId;
        if (description != null) body["description"] = description;
        if (tags is { Count: > 0 }) body["tags"] = MlflowJson.KeyValues(tags);
        return MlflowJson.ParseModelVersion(Post("model-versions/create", body)!["model_version"]!);
    }

    public ModelVersion GetModelVersion(string name, string version) =>
        MlflowJson.ParseModelVersion(Get("model-versions/get", ("name", name), ("version", version))!["model_version"]!);

    public ModelVersion UpdateModelVersion(string name, string version, string? description)
    {
        Patch("model-versions/update", new JsonObject { ["name"] = name, ["version"] = version, ["description"] = description ?? "" });
        return GetModelVersion(name, version);
    }

    public Page<ModelVersion> SearchModelVersions(string? filter = null, int maxResults = 1000, string? pageToken = null)
    {
        var r = Get("model-versions/search", ("filter", filter), ("max_results", maxResults.ToString(CultureInfo.InvariantCulture)), ("page_token", pageToken));
        return new Page<ModelVersion>(MlflowJson.Array(r, "model_versions").Select(MlflowJson.ParseModelVersion).ToList(), NextToken(r));
    }

    public void SetModelVersionTag(string name, string version, string key, string value) =>
        Post("model-versions/set-tag", new JsonObject { ["name"] = name, ["version"] = version, ["key"] = key, ["value"] = value });

    public ModelVersion TransitionModelVersionStage(string name, string version, string stage, bool archiveExistingVersions) =>
        MlflowJson.ParseModelVersion(Post("model-versions/transition-stage", new JsonObject
        {
            ["name"] = name,
            ["version"] = version,
            ["stage"] = stage,
            ["archive_existing_versions"] = archiveExistingVersions,
        })!["model_version"]!);

    public string GetModelVersionDownloadUri(string name, string version) =>
        MlflowJson.ReqStr(Get("model-versions/get-download-uri", ("name", name), ("version", version)), "artifact_uri", "get-download-uri answer");
}
