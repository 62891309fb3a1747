using System.Globalization;
using System.Text.Json.Nodes;

namespace Mmcs.Registry.Rest;

/// <summary>
/// MLflow's REST JSON for the entities (field names as in MLflow's service.proto). NaN and infinities travel as the
/// strings "NaN", "Infinity", "-Infinity"; int64 fields are accepted as numbers or strings.
/// </summary>
internal static class MlflowJson
{
    // ---- writing ----

    public static JsonNode Number(double value) =>
        double.IsNaN(value) ? JsonValue.Create("NaN")
        : double.IsPositiveInfinity(value) ? JsonValue.Create("Infinity")
        : double.IsNegativeInfinity(value) ? JsonValue.Create("-Infinity")
        : JsonValue.Create(value);

    public static JsonArray KeyValues(IEnumerable<KeyValuePair<string, string>>? pairs) =>
        new((pairs ?? []).Select(p => (JsonNode?)new JsonObject { ["key"] = p.Key, ["value"] = p.Value }).ToArray());

    public static JsonObject Metric(Metric m) => new()
    {
        ["key"] = m.Key,
        ["value"] = Number(m.Value),
        ["timestamp"] = m.Timestamp,
        ["step"] = m.Step,
    };

    public static string Status(RunStatus status) => status switch
    {
        RunStatus.Running => "RUNNING",
        RunStatus.Scheduled => "SCHEDULED",
        RunStatus.Finished => "FINISHED",
        RunStatus.Failed => "FAILED",
        _ => "KILLED",
    };

    public static string ViewType(ViewType viewType) => viewType switch
    {
        Registry.ViewType.ActiveOnly => "ACTIVE_ONLY",
        Registry.ViewType.DeletedOnly => "DELETED_ONLY",
        _ => "ALL",
    };

    public static string Stage(LifecycleStage stage) => stage == LifecycleStage.Active ? "active" : "deleted";

    public static JsonObject Experiment(Experiment e)
    {
        var o = new JsonObject
        {
            ["experiment_id"] = e.ExperimentId,
            ["name"] = e.Name,
            ["artifact_location"] = e.ArtifactLocation,
            ["lifecycle_stage"] = Stage(e.LifecycleStage),
        };
        if (e.LastUpdateTime is { } u) o["last_update_time"] = u;
        if (e.CreationTime is { } c) o["creation_time"] = c;
        if (e.Tags.Count > 0) o["tags"] = KeyValues(e.Tags);
        return o;
    }

    public static JsonObject RunInfo(RunInfo i)
    {
        var o = new JsonObject
        {
            ["run_id"] = i.RunId,
            ["run_uuid"] = i.RunId,
            ["run_name"] = i.RunName,
            ["experiment_id"] = i.ExperimentId,
            ["user_id"] = i.UserId,
            ["status"] = Status(i.Status),
            ["start_time"] = i.StartTime,
            ["artifact_uri"] = i.ArtifactUri,
            ["lifecycle_stage"] = Stage(i.LifecycleStage),
        };
        if (i.EndTime is { } end) o["end_time"] = end;
        return o;
    }

    public static JsonObject Run(Run r)
    {
        var data = new JsonObject();
        if (r.Data.Metrics.Count > 0) data["metrics"] = new JsonArray(r.Data.Metrics.Values.Select(m => (JsonNode?)Metric(m)).ToArray());
        if (r.Data.Params.Count > 0) data["params"] = KeyValues(r.Data.Params);
        if (r.Data.Tags.Count > 0) data["tags"] = KeyValues(r.Data.Tags);
        var o = new JsonObject { ["info"] = RunInfo(r.Info), ["data"] = data };
        var inputs = new JsonObject();
        if (r.Inputs.Count > 0) inputs["dataset_inputs"] = new JsonArray(r.Inputs.Select(d => (JsonNode?)DatasetInput(d)).ToArray());
        o["inputs"] = inputs;
        return o;
    }

    public static JsonObject DatasetInput(DatasetInput d)
    {
        var ds = new JsonObject
        {
            ["name"] = d.Name,
            ["digest"] = d.Digest,
            ["source_type"] = d.SourceType,
            ["source"] = d.Source,
        };
        if (d.Schema != null) ds["schema"] = d.Schema;
        if (d.Profile != null) ds["profile"] = d.Profile;
        var o = new JsonObject { ["dataset"] = ds };
        if (d.Tags is { Count: > 0 }) o["tags"] = KeyValues(d.Tags);
        return o;
    }

    public static JsonObject ModelVersion(ModelVersion v)
    {
        var o = new JsonObject
        {
            ["name"] = v.Name,
            ["version"] = v.Version,
            ["creation_timestamp"] = v.CreationTimestamp,
            ["last_updated_timestamp"] = v.LastUpdatedTimestamp,
            ["current_stage"] = v.CurrentStage,
            ["source"] = v.Source,
            ["status"] = v.Status,
        };
        if (v.Description != null) o["description"] = v.Description;
        if (v.RunId != null) o["run_id"] = v.RunId;
        if (v.Tags.Count > 0) o["tags"] = KeyValues(v.Tags);
        if (v.Aliases.Count > 0) o["aliases"] = new JsonArray(v.Aliases.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        return o;
    }

    public static JsonObject RegisteredModel(RegisteredModel m)
    {
        var o = new JsonObject
        {
            ["name"] = m.Name,
            ["creation_timestamp"] = m.CreationTimestamp,
            ["last_updated_timestamp"] = m.LastUpdatedTimestamp,
        };
        if (m.Description != null) o["description"] = m.Description;
        if (m.LatestVersions.Count > 0) o["latest_versions"] = new JsonArray(m.LatestVersions.Select(v => (JsonNode?)ModelVersion(v)).ToArray());
        if (m.Tags.Count > 0) o["tags"] = KeyValues(m.Tags);
        if (m.Aliases.Count > 0)
            o["aliases"] = new JsonArray(m.Aliases.Select(a => (JsonNode?)new JsonObject { ["alias"] = a.Alias, ["version"] = a.Version }).ToArray());
        return o;
    }

    // ---- reading ----

    public static string? Str(JsonNode? node, string key) => node?[key] is JsonValue v ? v.ToString() : null;

    public static string ReqStr(JsonNode? node, string key, string what) =>
        Str(node, key) ?? throw new MlflowException(Core.ErrorCodes.InternalError, $"The MLflow server's {what} has no '{key}'.");

    public static long? Long(JsonNode? node, string key)
    {
        if (node?[key] is not JsonValue v) return null;
        if (v.TryGetValue(out long l)) return l;
        if (v.TryGetValue(out double d)) return (long)d;
        return v.TryGetValue(out string? s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out l) ? l : null;
    }

    public static bool? Bool(JsonNode? node, string key)
    {
        if (node?[key] is not JsonValue v) return null;
        if (v.TryGetValue(out bool b)) return b;
        return v.TryGetValue(out string? s) && bool.TryParse(s, out b) ? b : null;
    }

    public static double Double(JsonNode? node, string key)
    {
        if (node?[key] is not JsonValue v) return 0;
        if (v.TryGetValue(out double d)) return d;
        if (v.TryGetValue(out string? s))
            return s switch
            {
                "NaN" or "nan" => double.NaN,
                "Infinity" or "inf" or "+Infinity" => double.PositiveInfinity,
                "-Infinity" or "-inf" => double.NegativeInfinity,
                _ => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d) ? d
                    : throw MlflowException.Invalid($"'{s}' is not a number (field '{key}')."),
            };
        throw MlflowException.Invalid($"Field '{key}' is not a number.");
    }

    public static IEnumerable<JsonNode> Array(JsonNode? node, string key) =>
        node?[key] is JsonArray a ? a.Where(x => x != null).Select(x => x!) : [];

    public static Dictionary<string, string> KeyValueMap(JsonNode? node, string key)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in Array(node, key))
            if (Str(kv, "key") is { } k) d[k] = Str(kv, "value") ?? "";
        return d;
    }

    public static RunStatus ParseStatus(string? s) => s?.ToUpperInvariant() switch
    {
        "RUNNING" => RunStatus.Running,
        "SCHEDULED" => RunStatus.Scheduled,
        "FINISHED" => RunStatus.Finished,
        "FAILED" => RunStatus.Failed,
        "KILLED" => RunStatus.Killed,
        _ => throw MlflowException.Invalid($"Unknown run status '{s}'."),
    };

    public static LifecycleStage ParseStage(string? s) =>
        string.Equals(s, "deleted", StringComparison.OrdinalIgnoreCase) ? LifecycleStage.Deleted : LifecycleStage.Active;

    public static ViewType ParseViewType(string? s) => s?.ToUpperInvariant() switch
    {
        "DELETED_ONLY" => Registry.ViewType.DeletedOnly,
        "ALL" => Registry.ViewType.All,
        _ => Registry.ViewType.ActiveOnly,
    };

    public static Metric ParseMetric(JsonNode n) =>
        new(Str(n, "key") ?? "", Double(n, "value"), Long(n, "timestamp") ?? 0, Long(n, "step") ?? 0);

    public static Experiment ParseExperiment(JsonNode n) => new(
        ReqStr(n, "experiment_id", "experiment"),
        Str(n, "name") ?? "",
        Str(n, "artifact_location") ?? "",
        ParseStage(Str(n, "lifecycle_stage")),
        Long(n, "creation_time"),
        Long(n, "last_update_time"),
        KeyValueMap(n, "tags"));

    public static RunInfo ParseRunInfo(JsonNode n) => new(
        Str(n, "run_id") ?? ReqStr(n, "run_uuid", "run info"),
        Str(n, "experiment_id") ?? "",
        Str(n, "run_name") ?? "",
        Str(n, "user_id") ?? "",
        Str(n, "status") is { } s ? ParseStatus(s) : RunStatus.Running,
        Long(n, "start_time") ?? 0,
        Long(n, "end_time"),
        Str(n, "artifact_uri") ?? "",
        ParseStage(Str(n, "lifecycle_stage")));

    public static Run ParseRun(JsonNode n)
    {
        var info = ParseRunInfo(n["info"] ?? throw new MlflowException(Core.ErrorCodes.InternalError, "The MLflow server's run has no 'info'."));
        var data = n["data"];
        var tags = KeyValueMap(data, "tags");
        if (info.RunName.Length == 0 && tags.TryGetValue(Tracking.SystemTags.RunName, out var name)) info = info with { RunName = name };
        var metrics = new Dictionary<string, Metric>(StringComparer.Ordinal);
        foreach (var m in Array(data, "metrics"))
        {
            var metric = ParseMetric(m);
            metrics[metric.Key] = metric;
        }
        var inputs = Array(n["inputs"], "dataset_inputs").Select(ParseDatasetInput).ToList();
        return new Run(info, new RunData(KeyValueMap(data, "params"), tags, metrics), inputs);
    }

    public static DatasetInput ParseDatasetInput(JsonNode n)
    {
        var ds = n["dataset"];
        return new DatasetInput(Str(ds, "name") ?? "", Str(ds, "digest") ?? "", Str(ds, "source_type") ?? "", Str(ds, "source") ?? "",
            Str(ds, "schema"), Str(ds, "profile"), KeyValueMap(n, "tags"));
    }

    public static ModelVersion ParseModelVersion(JsonNode n) => new(
        ReqStr(n, "name", "model version"),
        ReqStr(n, "version", "model version"),
        Long(n, "creation_timestamp") ?? 0,
        Long(n, "last_updated_timestamp") ?? 0,
        Str(n, "current_stage") ?? ModelStages.None,
        Str(n, "description") is { Length: > 0 } d ? d : null,
        Str(n, "source") ?? "",
        Str(n, "run_id") is { Length: > 0 } r ? r : null,
        Str(n, "status") ?? "READY",
        KeyValueMap(n, "tags"),
        Array(n, "aliases").Select(a => a.ToString()).ToList());

    public static RegisteredModel ParseRegisteredModel(JsonNode n) => new(
        ReqStr(n, "name", "registered model"),
        Long(n, "creation_timestamp") ?? 0,
        Long(n, "last_updated_timestamp") ?? 0,
        Str(n, "description") is { Length: > 0 } d ? d : null,
        KeyValueMap(n, "tags"),
        Array(n, "aliases").Select(a => new RegisteredModelAlias(Str(a, "alias") ?? "", Str(a, "version") ?? "")).ToList(),
        Array(n, "latest_versions").Select(ParseModelVersion).ToList());
}
