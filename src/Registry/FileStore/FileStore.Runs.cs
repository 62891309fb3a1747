using System.Globalization;
using System.Text;
using Mmcs.Registry.Search;
using Mmcs.Registry.Tracking;

namespace Mmcs.Registry.FileStore;

public sealed partial class FileStore
{
    private static readonly string[] StatusNames = ["", "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];

    public Run CreateRun(string experimentId, string? runName = null, long? startTime = null, IReadOnlyDictionary<string, string>? tags = null, string? userId = null)
    {
        EnsureInitialised();
        var exp = GetExperiment(experimentId);
        if (exp.LifecycleStage != LifecycleStage.Active)
            throw MlflowException.Invalid($"Could not create run under non-active experiment with ID {experimentId}.");
        var allTags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (tags != null)
            foreach (var (k, v) in tags)
            {
                Validation.Key("tag", k);
                Validation.TagValue(k, v);
                allTags[k] = v;
            }
        string name = runName ?? (allTags.TryGetValue(SystemTags.RunName, out var tagged) ? tagged : RunNames.Generate());
        allTags[SystemTags.RunName] = name;
        string runId = Guid.NewGuid().ToString("N");
        string expDir = ExperimentDir(experimentId)!;
        string runDir = Path.Combine(expDir, runId);
        var info = new RunInfo(runId, experimentId, name, userId ?? "", RunStatus.Running, startTime ?? Now(), null,
            exp.ArtifactLocation.TrimEnd('/') + "/" + runId + "/artifacts", LifecycleStage.Active);
        foreach (var (k, v) in allTags)
            AtomicFile.WriteAllText(KeyPath(Path.Combine(runDir, "tags"), k), v);
        WriteRunMeta(runDir, info, deletedTime: null);
        _runDirs[runId] = runDir;
        return new Run(info, new RunData(new Dictionary<string, string>(), allTags, new Dictionary<string, Metric>()), []);
    }

    public Run GetRun(string runId)
    {
        string dir = RunDir(runId);
        return ReadRun(dir);
    }

    public RunInfo UpdateRun(string runId, RunStatus? status = null, long? endTime = null, string? runName = null)
    {
        string dir = RunDir(runId);
        var (info, deleted) = ReadRunInfo(dir);
        CheckActive(info);
        if (runName != null)
        {
            AtomicFile.WriteAllText(KeyPath(Path.Combine(dir, "tags"), SystemTags.RunName), runName);
        }
        var updated = info with
        {
            Status = status ?? info.Status,
            EndTime = endTime ?? info.EndTime,
            RunName = runName ?? info.RunName,
        };
        WriteRunMeta(dir, updated, deleted);
        return updated;
    }

    public void DeleteRun(string runId)
    {
        string dir = RunDir(runId);
        var (info, _) = ReadRunInfo(dir);
        WriteRunMeta(dir, info with { LifecycleStage = LifecycleStage.Deleted }, Now());
    }

    public void RestoreRun(string runId)
    {
        string dir = RunDir(runId);
        var (info, _) = ReadRunInfo(dir);
        WriteRunMeta(dir, info with { LifecycleStage = LifecycleStage.Active }, deletedTime: null);
    }

    public Page<Run> SearchRuns(RunQuery query)
    {
        var comparisons = SearchFilter.Parse(query.Filter);
        var order = SearchFilter.ParseOrderBy(query.OrderBy);
        foreach (var c in comparisons)
        {
            if (c.Kind == KeyKind.Attribute && !IsRunAttribute(c.Key))
                throw MlflowException.Invalid(
                    $"Invalid attribute key '{c.Key}' specified. Valid keys are status, run_name, run_id, start_time, end_time, user_id, artifact_uri, lifecycle_stage.");
            if (c.Kind == KeyKind.Dataset && c.Key is not ("name" or "digest" or "context"))
                throw MlflowException.Invalid($"Invalid dataset key '{c.Key}': valid keys are name, digest, context.");
        }
        foreach (var o in order)
            if (o.Kind == KeyKind.Attribute && !IsRunAttribute(o.Key))
                throw MlflowException.Invalid($"Invalid attribute key '{o.Key}' in order_by.");
        var runs = new List<Run>();
        foreach (var expId in query.ExperimentIds)
        {
            string? expDir = ExperimentDir(expId);
            if (expDir == null) continue;
            foreach (var runDir in RunDirs(expDir))
            {
                Run run;
                try
                {
                    run = ReadRun(runDir);
                }
                catch (MlflowException e)
                {
                    Skipped(e);
                    continue; // malformed run folder (e.g. a partial copy): skipped like MLflow does (and reported)
                }
                bool keep = query.ViewType switch
                {
                    ViewType.ActiveOnly => run.Info.LifecycleStage == LifecycleStage.Active,
                    ViewType.DeletedOnly => run.Info.LifecycleStage == LifecycleStage.Deleted,
                    _ => true,
                };
                if (keep && comparisons.All(c => MatchesRun(run, c))) runs.Add(run);
            }
        }
        runs.Sort((a, b) => CompareRuns(a, b, order));
        return SearchFilter.Paginate(runs, query.MaxResults, query.PageToken);
    }

    public void LogMetric(string runId, Metric metric) => LogBatch(runId, metrics: [metric]);

    public void LogParam(string runId, Param param) => LogBatch(runId, parameters: [param]);

    public void SetTag(string runId, RunTag tag) => LogBatch(runId, tags: [tag]);

    public void DeleteTag(string runId, string key)
    {
        Validation.Key("tag", key);
        string dir = RunDir(runId);
        CheckActive(ReadRunInfo(dir).Info);
        string path = KeyPath(Path.Combine(dir, "tags"), key);
        if (!File.Exists(path))
            throw MlflowException.NotFound($"No tag with name: {key} in run with id {runId}");
        File.Delete(path);
    }

    public void LogBatch(string runId, IReadOnlyList<Metric>? metrics = null, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null)
    {
        metrics ??= [];
        parameters ??= [];
        tags ??= [];
        if (metrics.Count > Validation.MaxMetricsPerBatch)
            throw MlflowException.Invalid($"A batch logging request can contain at most {Validation.MaxMetricsPerBatch} metrics. Got {metrics.Count} metrics.");
        if (parameters.Count > Validation.MaxParamsPerBatch)
            throw MlflowException.Invalid($"A batch logging request can contain at most {Validation.MaxParamsPerBatch} params. Got {parameters.Count} params.");
        if (tags.Count > Validation.MaxTagsPerBatch)
            throw MlflowException.Invalid($"A batch logging request can contain at most {Validation.MaxTagsPerBatch} tags. Got {tags.Count} tags.");
        foreach (var m in metrics) Validation.Key("metric", m.Key);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            Validation.Key("param", p.Key);
            Validation.ParamValue(p.Key, p.Value);
            if (seen.TryGetValue(p.Key, out var earlier) && earlier != p.Value)
                throw MlflowException.Invalid($"Duplicate parameter keys have been submitted: '{p.Key}' with values '{earlier}' and '{p.Value}'.");
            seen[p.Key] = p.Value;
        }
        foreach (var t in tags)
        {
            Validation.Key("tag", t.Key);
            Validation.TagValue(t.Key, t.Value);
        }
        string dir = RunDir(runId);
        var (info, deleted) = ReadRunInfo(dir);
        CheckActive(info);

        foreach (var p in parameters)
        {
            string path = KeyPath(Path.Combine(dir, "params"), p.Key);
            if (AtomicFile.TryCreate(path, p.Value)) continue;
            string existing = AtomicFile.ReadAllText(path);
            if (existing != p.Value)
                throw MlflowException.Invalid(
                    $"Changing param values is not allowed. Param with key='{p.Key}' was already logged with value='{existing}' for run ID='{runId}'. Attempted logging new value '{p.Value}'.");
        }
        foreach (var group in metrics.GroupBy(m => m.Key, StringComparer.Ordinal))
        {
            var sb = new StringBuilder();
            foreach (var m in group)
                sb.Append(m.Timestamp.ToString(CultureInfo.InvariantCulture)).Append(' ')
                  .Append(PythonFloat.Format(m.Value)).Append(' ')
                  .Append(m.Step.ToString(CultureInfo.InvariantCulture)).Append('\n');
            AtomicFile.AppendLine(KeyPath(Path.Combine(dir, "metrics"), group.Key), sb.ToString());
        }
        string? newName = null;
        foreach (var t in tags)
        {
            AtomicFile.WriteAllText(KeyPath(Path.Combine(dir, "tags"), t.Key), t.Value);
            if (t.Key == SystemTags.RunName) newName = t.Value;
        }
        if (newName != null && newName != info.RunName)
            WriteRunMeta(dir, ReadRunInfo(dir).Info with { RunName = newName }, deleted);
    }

    public void LogInputs(string runId, IReadOnlyList<DatasetInput> datasets)
    {
        string dir = RunDir(runId);
        CheckActive(ReadRunInfo(dir).Info);
        string expDir = Path.GetDirectoryName(dir)!;
        foreach (var ds in datasets)
        {
            if (string.IsNullOrEmpty(ds.Name) || string.IsNullOrEmpty(ds.Digest))
                throw MlflowException.Invalid("A dataset input needs a name and a digest.");
            string datasetId = Md5Hex(ds.Name, ds.Digest);
            string datasetMeta = Path.Combine(expDir, "datasets", datasetId, "meta.yaml");
            if (!File.Exists(datasetMeta))
                AtomicFile.WriteAllText(datasetMeta, MetaYaml.Write(new Dictionary<string, object?>
                {
                    ["digest"] = ds.Digest,
                    ["name"] = ds.Name,
                    ["profile"] = ds.Profile,
                    ["schema"] = ds.Schema,
                    ["source"] = ds.Source,
                    ["source_type"] = ds.SourceType,
                }));
            string inputId = Md5Hex(datasetId, runId);
            AtomicFile.WriteAllText(Path.Combine(dir, "inputs", inputId, "meta.yaml"), MetaYaml.Write(new Dictionary<string, object?>
            {
                ["destination_id"] = runId,
                ["destination_type"] = "RUN",
                ["source_id"] = datasetId,
                ["source_type"] = "DATASET",
                ["tags"] = (IEnumerable<KeyValuePair<string, string>>)(ds.Tags ?? new Dictionary<string, string>()),
            }));
        }
    }

    public IReadOnlyList<Metric> GetMetricHistory(string runId, string metricKey)
    {
        Validation.Key("metric", metricKey);
        string dir = RunDir(runId);
        return ReadMetricFile(KeyPath(Path.Combine(dir, "metrics"), metricKey), metricKey);
    }

    // ---- reading ----

    /// <summary>The folder of a run (in any experiment, active or trashed).</summary>
    internal string RunDir(string runId)
    {
        Validation.RunId(runId);
        if (_runDirs.TryGetValue(runId, out var cached) && File.Exists(Path.Combine(cached, "meta.yaml"))) return cached;
        foreach (var expDir in ExperimentDirs())
        {
            string candidate = Path.Combine(expDir, runId);
            if (File.Exists(Path.Combine(candidate, "meta.yaml")))
            {
                _runDirs[runId] = candidate;
                return candidate;
            }
        }
        throw MlflowException.NotFound($"Run '{runId}' not found");
    }

    private static IEnumerable<string> RunDirs(string expDir)
    {
        foreach (var d in Directory.EnumerateDirectories(expDir))
        {
            string n = Path.GetFileName(d);
            if (ReservedExperimentFolders.Contains(n) || n.StartsWith('.')) continue;
            if (File.Exists(Path.Combine(d, "meta.yaml"))) yield return d;
        }
    }

    internal (RunInfo Info, long? DeletedTime) ReadRunInfo(string runDir)
    {
        string metaPath = Path.Combine(runDir, "meta.yaml");
        var meta = ReadMeta(metaPath);
        string runId = Str(meta, "run_id") ?? Str(meta, "run_uuid")
            ?? throw new MlflowException(Core.ErrorCodes.InvalidState, $"{metaPath} is not a run's metadata (it has no run_id); the run is in an invalid state.");
        string expId = Str(meta, "experiment_id") ?? Path.GetFileName(Path.GetDirectoryName(runDir)!);
        long status = Long(meta, "status") ?? 1;
        var info = new RunInfo(
            runId,
            expId,
            Str(meta, "run_name") ?? "",
            Str(meta, "user_id") ?? "",
            status is >= 1 and <= 5 ? (RunStatus)status : ParseStatusName(Str(meta, "status")),
            Long(meta, "start_time") ?? 0,
            Long(meta, "end_time"),
            Str(meta, "artifact_uri") ?? ToFileUri(Path.Combine(runDir, "artifacts")),
            ParseStage(Str(meta, "lifecycle_stage")));
        return (info, Long(meta, "deleted_time"));
    }

    private static RunStatus ParseStatusName(string? text)
    {
        int i = Array.FindIndex(StatusNames, s => s.Length > 0 && string.Equals(s, text, StringComparison.OrdinalIgnoreCase));
        return i > 0 ? (RunStatus)i : RunStatus.Running;
    }

    internal static string StatusName(RunStatus status) => StatusNames[(int)status];

    private Run ReadRun(string runDir)
    {
        var (info, _) = ReadRunInfo(runDir);
        var tags = ReadKeyFiles(Path.Combine(runDir, "tags"));
        if (info.RunName.Length == 0 && tags.TryGetValue(SystemTags.RunName, out var tagName)) info = info with { RunName = tagName };
        var parameters = ReadKeyFiles(Path.Combine(runDir, "params"));
        var metrics = new Dictionary<string, Metric>(StringComparer.Ordinal);
        string metricsDir = Path.Combine(runDir, "metrics");
        if (Directory.Exists(metricsDir))
            foreach (var file in Directory.EnumerateFiles(metricsDir, "*", SearchOption.AllDirectories))
            {
                if (AtomicFile.IsTemporary(Path.GetFileName(file))) continue;
                string key = Path.GetRelativePath(metricsDir, file).Replace('\\', '/');
                var latest = Latest(ReadMetricFile(file, key));
                if (latest != null) metrics[key] = latest;
            }
        return new Run(info, new RunData(parameters, tags, metrics), ReadInputs(runDir));
    }

    /// <summary>The latest point: the largest by (step, timestamp, value), NaN counting as the largest value like MLflow.</summary>
    internal static Metric? Latest(IReadOnlyList<Metric> history)
    {
        Metric? best = null;
        foreach (var m in history)
        {
            if (best == null) { best = m; continue; }
            int c = m.Step.CompareTo(best.Step);
            if (c == 0) c = m.Timestamp.CompareTo(best.Timestamp);
            if (c == 0) c = double.IsNaN(m.Value) ? (double.IsNaN(best.Value) ? 0 : 1) : double.IsNaN(best.Value) ? -1 : m.Value.CompareTo(best.Value);
            if (c > 0) best = m;
        }
        return best;
    }

    /// <summary>Reads "&lt;timestamp&gt; &lt;value&gt; [&lt;step&gt;]" lines; a torn last line (a crash mid-write) is skipped.</summary>
    internal static List<Metric> ReadMetricFile(string path, string key)
    {
        var result = new List<Metric>();
        string text;
        try
        {
            text = AtomicFile.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return result;
        }
        catch (DirectoryNotFoundException)
        {
            return result;
        }
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is < 2 or > 3) continue;
            if (!long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long ts)) continue;
            if (!PythonFloat.TryParse(parts[1], out double value)) continue;
            long step = 0;
            if (parts.Length == 3 && !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out step)) continue;
            result.Add(new Metric(key, value, ts, step));
        }
        return result;
    }

    private List<DatasetInput> ReadInputs(string runDir)
    {
        var result = new List<DatasetInput>();
        string inputs = Path.Combine(runDir, "inputs");
        if (!Directory.Exists(inputs)) return result;
        string expDir = Path.GetDirectoryName(runDir)!;
        foreach (var d in Directory.EnumerateDirectories(inputs).Order(StringComparer.Ordinal))
        {
            var meta = TryReadMeta(d);
            if (meta == null || Str(meta, "source_id") is not { } datasetId) continue;
            var ds = TryReadMeta(Path.Combine(expDir, "datasets", datasetId));
            if (ds == null) continue;
            var tags = meta.GetValueOrDefault("tags") as Dictionary<string, string>;
            result.Add(new DatasetInput(Str(ds, "name") ?? "", Str(ds, "digest") ?? "", Str(ds, "source_type") ?? "",
                Str(ds, "source") ?? "", Str(ds, "schema"), Str(ds, "profile"), tags ?? new Dictionary<string, string>()));
        }
        return result;
    }

    private void WriteRunMeta(string runDir, RunInfo info, long? deletedTime)
    {
        var meta = new Dictionary<string, object?>
        {
            ["artifact_uri"] = info.ArtifactUri,
            ["end_time"] = info.EndTime,
            ["entry_point_name"] = "",
            ["experiment_id"] = info.ExperimentId,
            ["lifecycle_stage"] = Stage(info.LifecycleStage),
            ["run_id"] = info.RunId,
            ["run_name"] = info.RunName,
            ["run_uuid"] = info.RunId,
            ["source_name"] = "",
            ["source_type"] = 4L,
            ["source_version"] = "",
            ["start_time"] = info.StartTime,
            ["status"] = (long)info.Status,
            ["tags"] = MetaYaml.EmptyList.Instance,
            ["user_id"] = info.UserId,
        };
        if (deletedTime != null) meta["deleted_time"] = deletedTime;
        AtomicFile.WriteAllText(Path.Combine(runDir, "meta.yaml"), MetaYaml.Write(meta));
    }

    private static void CheckActive(RunInfo info)
    {
        if (info.LifecycleStage != LifecycleStage.Active)
            throw MlflowException.Invalid($"The run {info.RunId} must be in the 'active' state. Current state is deleted.");
    }

    // ---- search ----

    private static bool IsRunAttribute(string key) => key is "status" or "run_name" or "run_id" or "start_time" or "end_time"
        or "user_id" or "artifact_uri" or "lifecycle_stage" or "experiment_id";

    /// <summary>The value of a run attribute for filtering/sorting: string, or long for times.</summary>
    private static object? RunAttribute(RunInfo? info, string key)
    {
        if (info == null) return null;
        return key switch
        {
            "status" => StatusName(info.Status),
            "run_name" => info.RunName,
            "run_id" => info.RunId,
            "start_time" => info.StartTime,
            "end_time" => info.EndTime,
            "user_id" => info.UserId,
            "artifact_uri" => info.ArtifactUri,
            "lifecycle_stage" => Stage(info.LifecycleStage),
            "experiment_id" => info.ExperimentId,
            _ => throw MlflowException.Invalid(
                $"Invalid attribute key '{key}' specified. Valid keys are status, run_name, run_id, start_time, end_time, user_id, artifact_uri, lifecycle_stage."),
        };
    }

    private static bool MatchesRun(Run run, Comparison c) => c.Kind switch
    {
        KeyKind.Metric => c.Matches(run.Data.Metrics.TryGetValue(c.Key, out var m) ? m.Value : null),
        KeyKind.Param => c.Matches(run.Data.Params.GetValueOrDefault(c.Key)),
        KeyKind.Tag => c.Matches(run.Data.Tags.GetValueOrDefault(c.Key)),
        KeyKind.Dataset => run.Inputs.Any(d => c.Matches(c.Key switch
        {
            "name" => d.Name,
            "digest" => d.Digest,
            "context" => d.Tags?.GetValueOrDefault("mlflow.data.context"),
            _ => throw MlflowException.Invalid($"Invalid dataset key '{c.Key}': valid keys are name, digest, context."),
        })),
        _ => RunAttribute(run.Info, c.Key) switch
        {
            long l => c.Matches((double?)l),
            string s => c.Matches(s),
            _ => false,
        },
    };

    private static int CompareRuns(Run a, Run b, IReadOnlyList<OrderClause> order)
    {
        foreach (var o in order)
        {
            object? x = SortValue(a, o), y = SortValue(b, o);
            // missing values sort last whatever the direction (MLflow's behaviour)
            if (x is null && y is null) continue;
            if (x is null) return 1;
            if (y is null) return -1;
            int c = x is double dx && y is double dy
                ? (double.IsNaN(dx) ? (double.IsNaN(dy) ? 0 : 1) : double.IsNaN(dy) ? -1 : dx.CompareTo(dy))
                : x is long lx && y is long ly ? lx.CompareTo(ly)
                : string.CompareOrdinal(x.ToString(), y.ToString());
            if (c != 0) return o.Ascending ? c : -c;
        }
        int t = b.Info.StartTime.CompareTo(a.Info.StartTime); // default: newest first
        return t != 0 ? t : string.CompareOrdinal(a.Info.RunId, b.Info.RunId);
    }

    private static object? SortValue(Run run, OrderClause o) => o.Kind switch
    {
        KeyKind.Metric => run.Data.Metrics.TryGetValue(o.Key, out var m) ? m.Value : null,
        KeyKind.Param => run.Data.Params.GetValueOrDefault(o.Key),
        KeyKind.Tag => run.Data.Tags.GetValueOrDefault(o.Key),
        KeyKind.Attribute => RunAttribute(run.Info, o.Key),
        _ => null,
    };
}

/// <summary>Random run names like MLflow's ("bold-fox-123").</summary>
internal static class RunNames
{
    private static readonly string[] Adjectives =
        ["able", "bold", "brave", "bright", "calm", "clever", "crisp", "eager", "fair", "gentle", "glad", "grand", "keen",
         "kind", "lively", "loud", "merry", "neat", "proud", "quick", "quiet", "rare", "sharp", "shy", "sleek", "smooth",
         "sunny", "swift", "tidy", "vivid", "warm", "wise"];

    private static readonly string[] Nouns =
        ["ant", "bass", "bear", "bird", "cat", "chord", "cow", "crab", "deer", "dove", "drum", "elk", "finch", "fox",
         "frog", "goat", "hawk", "horn", "lark", "lute", "mole", "moth", "newt", "owl", "ram", "seal", "snail", "swan",
         "tuba", "wolf", "wren", "yak"];

    public static string Generate() =>
        $"{Adjectives[Random.Shared.Next(Adjectives.Length)]}-{Nouns[Random.Shared.Next(Nouns.Length)]}-{Random.Shared.Next(1000).ToString(CultureInfo.InvariantCulture)}";
}
