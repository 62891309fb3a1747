namespace Mmcs.Registry;

/// <summary>MLflow run statuses; the numbers are the ones MLflow's file store writes in meta.yaml.</summary>
public enum RunStatus
{
    Running = 1,
    Scheduled = 2,
    Finished = 3,
    Failed = 4,
    Killed = 5,
}

/// <summary>Whether an experiment, run or model is live or in the trash.</summary>
public enum LifecycleStage
{
    Active,
    Deleted,
}

/// <summary>Which runs or experiments a search returns.</summary>
public enum ViewType
{
    ActiveOnly,
    DeletedOnly,
    All,
}

/// <summary>Model-version stages as MLflow names them ("None", "Staging", "Production", "Archived").</summary>
public static class ModelStages
{
    public const string None = "None";
    public const string Staging = "Staging";
    public const string Production = "Production";
    public const string Archived = "Archived";

    public static readonly IReadOnlyList<string> All = [None, Staging, Production, Archived];

    /// <summary>The canonical spelling of <paramref name="stage"/> (case-insensitive), or null when it is not a stage.</summary>
    public static string? Canonical(string stage) =>
        All.FirstOrDefault(s => string.Equals(s, stage, StringComparison.OrdinalIgnoreCase));
}

public sealed record Experiment(
    string ExperimentId,
    string Name,
    string ArtifactLocation,
    LifecycleStage LifecycleStage,
    long? CreationTime,
    long? LastUpdateTime,
    IReadOnlyDictionary<string, string> Tags);

public sealed record Metric(string Key, double Value, long Timestamp, long Step = 0);

public sealed record Param(string Key, string Value);

public sealed record RunTag(string Key, string Value);

public sealed record RunInfo(
    string RunId,
    string ExperimentId,
    string RunName,
    string UserId,
    RunStatus Status,
    long StartTime,
    long? EndTime,
    string ArtifactUri,
    LifecycleStage LifecycleStage);

/// <summary>A run's data: params, tags, and the latest value of each metric (largest by step, timestamp, value).</summary>
public sealed record RunData(
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, Metric> Metrics);

/// <summary>A dataset a run used (MLflow's log-inputs): name, digest, source and optional schema/profile.</summary>
public sealed record DatasetInput(
    string Name,
    string Digest,
    string SourceType,
    string Source,
    string? Schema = null,
    string? Profile = null,
    IReadOnlyDictionary<string, string>? Tags = null);

public sealed record Run(RunInfo Info, RunData Data, IReadOnlyList<DatasetInput> Inputs);

public sealed record ArtifactInfo(string Path, bool IsDirectory, long? FileSize);

public sealed record RegisteredModelAlias(string Alias, string Version);

public sealed record RegisteredModel(
    string Name,
    long CreationTimestamp,
    long LastUpdatedTimestamp,
    string? Description,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<RegisteredModelAlias> Aliases,
    IReadOnlyList<ModelVersion> LatestVersions);

public sealed record ModelVersion(
    string Name,
    string Version,
    long CreationTimestamp,
    long LastUpdatedTimestamp,
    string CurrentStage,
    string? Description,
    string Source,
    string? RunId,
    string Status,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> Aliases)
{
    /// <summary>The version as a number (MLflow versions are positive integers).</summary>
    public int Number => int.Parse(Version, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One page of a search, with the token for the next page (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextPageToken);

/// <summary>
/// A run search as MLflow's runs/search: experiments, filter string (e.g. <c>metrics.accuracy &gt; 0.5 and
/// tags.mlflow.parentRunId = 'abc'</c>), order by clauses (<c>metrics.accuracy DESC</c>, <c>attributes.start_time</c>),
/// paging.
/// </summary>
public sealed record RunQuery(
    IReadOnlyList<string> ExperimentIds,
    string? Filter = null,
    IReadOnlyList<string>? OrderBy = null,
    int MaxResults = 1000,
    string? PageToken = null,
    ViewType ViewType = ViewType.ActiveOnly);
