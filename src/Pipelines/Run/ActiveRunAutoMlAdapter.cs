using Mmcs.Registry;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Tabular.Tracking;

namespace Mmcs.Pipelines.Run;

/// <summary>Lets the AutoML search log through a registry run: each trial becomes a nested MLflow run.</summary>
public sealed class ActiveRunAutoMlAdapter : IAutoMlRun
{
    private readonly ActiveRun _run;
    private readonly bool _owns;

    public ActiveRunAutoMlAdapter(ActiveRun run, bool ownsRun = false)
    {
        _run = run;
        _owns = ownsRun;
    }

    public string Name => _run.Name;

    public IAutoMlRun StartChild(string name) => new ActiveRunAutoMlAdapter(_run.StartChild(name), ownsRun: true);

    public void LogParams(IReadOnlyDictionary<string, string> parameters) => _run.LogParams(parameters);

    public void SetTags(IReadOnlyDictionary<string, string> tags) => _run.SetTags(tags);

    public void LogMetric(string key, double value, long step = 0) => _run.LogMetric(key, value, step);

    public void LogArtifact(string localPath, string? artifactPath = null) => _run.LogArtifact(localPath, artifactPath);

    /// <summary>Ends a run this adapter started (a trial's nested run). A run it was given belongs to the caller, which
    /// ends it once its own work after the search (saving, logging and registering the model) is done: ended here, a
    /// failure of that work could no longer mark the run FAILED.</summary>
    public void End(RunEndStatus status, string? error = null)
    {
        if (!_owns) return;
        switch (status)
        {
            case RunEndStatus.Failed:
                _run.Fail(error ?? "failed");
                break;
            case RunEndStatus.Killed:
                _run.End(RunStatus.Killed);
                break;
            default:
                _run.End();
                break;
        }
    }

    public void Dispose()
    {
        if (_owns) _run.Dispose();
    }
}
