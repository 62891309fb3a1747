using System.Globalization;

namespace Mmcs.Registry.Tracking;

/// <summary>
/// A run being recorded: the fluent API pipeline code uses. Start one with <see cref="Tracker.StartRun"/>; nested runs
/// come from <see cref="StartChild"/> (tag <c>mlflow.parentRunId</c>). Disposing a run that was not ended ends it
/// FINISHED; <see cref="Fail"/> ends it FAILED with the reason recorded as the tag <c>mmcs.error</c>.
/// </summary>
public sealed class ActiveRun : IDisposable
{
    private readonly Tracker _tracker;
    private int _ended;

    internal ActiveRun(Tracker tracker, Run run, ActiveRun? parent)
    {
        _tracker = tracker;
        Info = run.Info;
        Parent = parent;
    }

    public RunInfo Info { get; }
    public string RunId => Info.RunId;
    public string ExperimentId => Info.ExperimentId;
    public string Name => Info.RunName;
    public ActiveRun? Parent { get; }
    public ITrackingStore Store => _tracker.Store;
    public bool Ended => Volatile.Read(ref _ended) != 0;

    /// <summary>The URI of an artifact of this run, e.g. <c>runs:/&lt;id&gt;/model</c>.</summary>
    public string ArtifactUri(string path) => $"runs:/{RunId}/{path.Trim('/')}";

    /// <summary>Starts a nested run in the same experiment.</summary>
    public ActiveRun StartChild(string name, IReadOnlyDictionary<string, string>? tags = null)
    {
        var all = new Dictionary<string, string>(tags ?? new Dictionary<string, string>()) { [SystemTags.ParentRunId] = RunId };
        return _tracker.StartRunIn(ExperimentId, name, all, this);
    }

    public ActiveRun LogParam(string key, object? value)
    {
        Store.LogParam(RunId, new Param(key, Format(value)));
        return this;
    }

    public ActiveRun LogParams(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var list = parameters.Select(p => new Param(p.Key, p.Value)).ToList();
        for (int i = 0; i < list.Count; i += 100)
            Store.LogBatch(RunId, parameters: list.Skip(i).Take(100).ToList());
        return this;
    }

    public ActiveRun SetTag(string key, string value)
    {
        Store.SetTag(RunId, new RunTag(key, value));
        return this;
    }

    public ActiveRun SetTags(IEnumerable<KeyValuePair<string, string>> tags)
    {
        var list = tags.Select(t => new RunTag(t.Key, t.Value)).ToList();
        if (list.Count > 0) Store.LogBatch(RunId, tags: list);
        return this;
    }

    public ActiveRun LogMetric(string key, double value, long step = 0, long? timestamp = null)
    {
        Store.LogMetric(RunId, new Metric(key, value, timestamp ?? Tracker.NowMs(), step));
        return this;
    }

    public ActiveRun LogMetrics(IEnumerable<KeyValuePair<string, double>> metrics, long step = 0)
    {
        long now = Tracker.NowMs();
        var list = metrics.Select(m => new Metric(m.Key, m.Value, now, step)).ToList();
        for (int i = 0; i < list.Count; i += 1000)
            Store.LogBatch(RunId, metrics: list.Skip(i).Take(1000).ToList());
        return this;
    }

    /// <summary>Logs a file or a folder (which keeps its name) under <paramref name="artifactPath"/>.</summary>
    public ActiveRun LogArtifact(string localPath, string? artifactPath = null)
    {
        Store.LogArtifact(RunId, localPath, artifactPath);
        return this;
    }

    /// <summary>Writes <paramref name="text"/> as the artifact <paramref name="artifactFile"/> (e.g. "report/summary.json").</summary>
    public ActiveRun LogText(string text, string artifactFile)
    {
        string dir = Path.Combine(Path.GetTempPath(), "mmcs-artifact-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, Path.GetFileName(artifactFile));
            File.WriteAllText(file, text);
            string? folder = Path.GetDirectoryName(artifactFile.Replace('\\', '/'))?.Replace('\\', '/');
            Store.LogArtifact(RunId, file, string.IsNullOrEmpty(folder) ? null : folder);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return this;
    }

    public ActiveRun LogInput(DatasetInput dataset)
    {
        Store.LogInputs(RunId, [dataset]);
        return this;
    }

    /// <summary>Ends the run FINISHED (or with <paramref name="status"/>). Ending twice does nothing.</summary>
    public void End(RunStatus status = RunStatus.Finished)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        Store.UpdateRun(RunId, status, Tracker.NowMs());
    }

    /// <summary>Ends the run FAILED, recording the reason as the tag <c>mmcs.error</c>.</summary>
    public void Fail(Exception error) => Fail(error.Message);

    public void Fail(string reason)
    {
        if (Ended) return;
        try
        {
            SetTag(SystemTags.Error, reason.Length > 5000 ? reason[..5000] : reason);
        }
        finally
        {
            End(RunStatus.Failed);
        }
    }

    public void Dispose() => End();

    internal static string Format(object? value) => value switch
    {
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        double d => Invariant(d),
        float f => Invariant(f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Invariant(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
