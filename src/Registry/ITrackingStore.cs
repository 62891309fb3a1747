namespace Mmcs.Registry;

/// <summary>
/// The one store interface for experiment tracking and the model registry, shaped like MLflow's REST API. Two
/// implementations: <c>FileStore</c> (MLflow's <c>mlruns/</c> layout, the default) and <c>RestStore</c> (an MLflow
/// tracking server). Errors are <see cref="MlflowException"/>s whose codes match MLflow's
/// (RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, RESOURCE_ALREADY_EXISTS).
/// Timestamps are Unix milliseconds.
/// </summary>
public interface ITrackingStore : IDisposable
{
    /// <summary>The tracking URI this store was opened from (e.g. <c>file:///abs/mlruns</c> or <c>http://host:5000</c>).</summary>
    string TrackingUri { get; }

    /// <summary>What listings skipped because it could not be read, each "path: reason" (the file store skips a malformed
    /// meta.yaml, as MLflow's does, so that one broken folder does not hide the rest); empty for a server.</summary>
    IReadOnlyCollection<string> SkippedEntries => [];

    // ---- experiments ----
    string CreateExperiment(string name, string? artifactLocation = null, IReadOnlyDictionary<string, string>? tags = null);
    Experiment GetExperiment(string experimentId);
    /// <summary>The experiment of that name, or null when there is none.</summary>
    Experiment? GetExperimentByName(string name);
    Page<Experiment> SearchExperiments(string? filter = null, int maxResults = 1000, string? pageToken = null, ViewType viewType = ViewType.ActiveOnly);
    void SetExperimentTag(string experimentId, string key, string value);
    void RenameExperiment(string experimentId, string newName);
    void DeleteExperiment(string experimentId);
    void RestoreExperiment(string experimentId);

    // ---- runs ----
    Run CreateRun(string experimentId, string? runName = null, long? startTime = null, IReadOnlyDictionary<string, string>? tags = null, string? userId = null);
    Run GetRun(string runId);
    RunInfo UpdateRun(string runId, RunStatus? status = null, long? endTime = null, string? runName = null);
    void DeleteRun(string runId);
    void RestoreRun(string runId);
    Page<Run> SearchRuns(RunQuery query);
    void LogMetric(string runId, Metric metric);
    void LogParam(string runId, Param param);
    void SetTag(string runId, RunTag tag);
    void DeleteTag(string runId, string key);
    void LogBatch(string runId, IReadOnlyList<Metric>? metrics = null, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null);
    void LogInputs(string runId, IReadOnlyList<DatasetInput> datasets);
    IReadOnlyList<Metric> GetMetricHistory(string runId, string metricKey);

    // ---- artifacts ----
    /// <summary>Uploads a file, or a folder recursively, under <paramref name="artifactPath"/> ('/'-separated; null: the root). A folder keeps its own name.</summary>
    void LogArtifact(string runId, string localPath, string? artifactPath = null);
    /// <summary>The direct children of <paramref name="path"/> (null: the root) in the run's artifacts.</summary>
    IReadOnlyList<ArtifactInfo> ListArtifacts(string runId, string? path = null);
    /// <summary>Downloads an artifact file or folder into <paramref name="destinationDirectory"/>; returns the local path of the downloaded item.</summary>
    string DownloadArtifacts(string runId, string path, string destinationDirectory);

    // ---- registered models ----
    RegisteredModel CreateRegisteredModel(string name, string? description = null, IReadOnlyDictionary<string, string>? tags = null);
    RegisteredModel GetRegisteredModel(string name);
    RegisteredModel UpdateRegisteredModel(string name, string? description);
    void DeleteRegisteredModel(string name);
    Page<RegisteredModel> SearchRegisteredModels(string? filter = null, int maxResults = 100, string? pageToken = null);
    void SetRegisteredModelTag(string name, string key, string value);
    IReadOnlyList<ModelVersion> GetLatestVersions(string name, IReadOnlyList<string>? stages = null);
    void SetRegisteredModelAlias(string name, string alias, string version);
    void DeleteRegisteredModelAlias(string name, string alias);
    ModelVersion GetModelVersionByAlias(string name, string alias);

    // ---- model versions ----
    ModelVersion CreateModelVersion(string name, string source, string? runId = null, string? description = null, IReadOnlyDictionary<string, string>? tags = null);
    ModelVersion GetModelVersion(string name, string version);
    ModelVersion UpdateModelVersion(string name, string version, string? description);
    Page<ModelVersion> SearchModelVersions(string? filter = null, int maxResults = 1000, string? pageToken = null);
    void SetModelVersionTag(string name, string version, string key, string value);
    ModelVersion TransitionModelVersionStage(string name, string version, string stage, bool archiveExistingVersions);
    string GetModelVersionDownloadUri(string name, string version);
}
