using System.Collections.Concurrent;

namespace Mmcs.Train.Tabular.Tracking;

/// <summary>How a tracked run ended (MLflow's run statuses).</summary>
public enum RunEndStatus
{
    Finished,
    Failed,
    Killed,
}

/// <summary>
/// The small slice of an MLflow-style run API the AutoML search logs through: nested runs, params, tags, metrics
/// with steps, artifacts. An adapter maps it onto Mmcs.Registry's runs; <see cref="NullAutoMlRun"/> drops everything
/// and <see cref="RecordingAutoMlRun"/> keeps it in memory.
/// </summary>
public interface IAutoMlRun : IDisposable
{
    string Name { get; }

    /// <summary>Starts a nested run (one per trial).</summary>
    IAutoMlRun StartChild(string name);

    void LogParams(IReadOnlyDictionary<string, string> parameters);

    void SetTags(IReadOnlyDictionary<string, string> tags);

    void LogMetric(string key, double value, long step = 0);

    /// <summary>Logs a file (or a folder, recursively) under <paramref name="artifactPath"/> (null: the artifact root).</summary>
    void LogArtifact(string localPath, string? artifactPath = null);

    /// <summary>Ends the run; a failed run carries its error message.</summary>
    void End(RunEndStatus status, string? error = null);
}

/// <summary>A run that records nothing.</summary>
public sealed class NullAutoMlRun : IAutoMlRun
{
    public static NullAutoMlRun Instance { get; } = new();

    public string Name => "";

    public IAutoMlRun StartChild(string name) => this;

    public void LogParams(IReadOnlyDictionary<string, string> parameters)
    {
    }

    public void SetTags(IReadOnlyDictionary<string, string> tags)
    {
    }

    public void LogMetric(string key, double value, long step = 0)
    {
    }

    public void LogArtifact(string localPath, string? artifactPath = null)
    {
    }

    public void End(RunEndStatus status, string? error = null)
    {
    }

    public void Dispose()
    {
    }
}

/// <summary>A run kept in memory (tests, and a record for callers without a tracker). Artifacts are copied when logged.</summary>
public sealed class RecordingAutoMlRun : IAutoMlRun
{
    private readonly string _artifactRoot;

    public RecordingAutoMlRun(string name, string? artifactRoot = null)
    {
        Name = name;
        _artifactRoot = artifactRoot ?? Path.Combine(Path.GetTempPath(), "mmcs-run-" + Guid.NewGuid().ToString("N"));
    }

    public string Name { get; }

    public ConcurrentDictionary<string, string> Params { get; } = new();
    public ConcurrentDictionary<string, string> Tags { get; } = new();
    public ConcurrentQueue<(string Key, double Value, long Step)> Metrics { get; } = new();
    public ConcurrentQueue<RecordingAutoMlRun> Children { get; } = new();

    /// <summary>Artifact paths relative to the run's artifact root, with '/' separators.</summary>
    public ConcurrentQueue<string> Artifacts { get; } = new();

    public string ArtifactRoot => _artifactRoot;

    public RunEndStatus? Status { get; private set; }
    public string? Error { get; private set; }

    public IAutoMlRun StartChild(string name)
    {
        var child = new RecordingAutoMlRun(name, Path.Combine(_artifactRoot, "children", Children.Count.ToString(Core.Invariant.Culture)));
        Children.Enqueue(child);
        return child;
    }

    public void LogParams(IReadOnlyDictionary<string, string> parameters)
    {
        foreach (var (k, v) in parameters) Params[k] = v;
    }

    public void SetTags(IReadOnlyDictionary<string, string> tags)
    {
        foreach (var (k, v) in tags) Tags[k] = v;
    }

    public void LogMetric(string key, double value, long step = 0) => Metrics.Enqueue((key, value, step));

    public double? LastMetric(string key) => Metrics.Where(m => m.Key == key).Select(m => (double?)m.Value).LastOrDefault();

    public void LogArtifact(string localPath, string? artifactPath = null)
    {
        string target = artifactPath == null ? _artifactRoot : Path.Combine(_artifactRoot, artifactPath);
        if (Directory.Exists(localPath))
        {
            foreach (var file in Directory.EnumerateFiles(localPath, "*", SearchOption.AllDirectories))
            {
                string rel = Path.GetRelativePath(localPath, file);
                string dest = Path.Combine(target, Path.GetFileName(localPath), rel);
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                File.Copy(file, dest, overwrite: true);
                Artifacts.Enqueue(Path.GetRelativePath(_artifactRoot, dest).Replace('\\', '/'));
            }
            return;
        }
        Directory.CreateDirectory(target);
        string destination = Path.Combine(target, Path.GetFileName(localPath));
        File.Copy(localPath, destination, overwrite: true);
        Artifacts.Enqueue(Path.GetRelativePath(_artifactRoot, destination).Replace('\\', '/'));
    }

    public void End(RunEndStatus status, string? error = null)
    {
        Status = status;
        Error = error;
    }

    public void Dispose()
    {
        Status ??= RunEndStatus.Finished;
    }
}
