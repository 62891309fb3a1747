namespace Mmcs.Registry.Tracking;

/// <summary>
/// The entry point for pipeline code: opens a store from a tracking URI and starts runs with MLflow's system tags
/// (<c>mlflow.runName</c>, <c>mlflow.source.name</c>, <c>mlflow.user</c>, <c>mlflow.source.git.commit</c> when known).
/// </summary>
public sealed class Tracker : IDisposable
{
    private readonly bool _ownsStore;

    public Tracker(ITrackingStore store, bool ownsStore = false)
    {
        Store = store;
        _ownsStore = ownsStore;
    }

    /// <summary>Opens the store for <paramref name="explicitUri"/> (else MLFLOW_TRACKING_URI, else ./mlruns).</summary>
    public static Tracker Open(string? explicitUri = null) => new(TrackingStores.Open(explicitUri), ownsStore: true);

    public ITrackingStore Store { get; }

    public string TrackingUri => Store.TrackingUri;

    /// <summary>The id of the experiment of that name, created when missing.</summary>
    public string GetOrCreateExperiment(string name)
    {
        var existing = Store.GetExperimentByName(name);
        if (existing != null)
        {
            if (existing.LifecycleStage == LifecycleStage.Deleted)
                Store.RestoreExperiment(existing.ExperimentId);
            return existing.ExperimentId;
        }
        try
        {
            return Store.CreateExperiment(name);
        }
        catch (MlflowException e) when (e.ErrorCode == Core.ErrorCodes.ResourceAlreadyExists)
        {
            // another process created it meanwhile
            return Store.GetExperimentByName(name)!.ExperimentId;
        }
    }

    /// <summary>Starts a top-level run in the experiment <paramref name="experimentName"/> (created when missing).</summary>
    public ActiveRun StartRun(string experimentName, string runName, IReadOnlyDictionary<string, string>? tags = null) =>
        StartRunIn(GetOrCreateExperiment(experimentName), runName, tags, parent: null);

    /// <summary>Runs <paramref name="work"/> in a new run: FINISHED when it returns, FAILED (and rethrown) when it throws.</summary>
    public async Task<T> RunAsync<T>(string experimentName, string runName, Func<ActiveRun, Task<T>> work,
        IReadOnlyDictionary<string, string>? tags = null)
    {
        using var run = StartRun(experimentName, runName, tags);
        return await Within(run, work).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> in <paramref name="run"/>: FINISHED when it returns, KILLED when cancelled,
    /// FAILED with the reason (and rethrown) when it throws.</summary>
    public static async Task<T> Within<T>(ActiveRun run, Func<ActiveRun, Task<T>> work)
    {
        try
        {
            var result = await work(run).ConfigureAwait(false);
            run.End();
            return result;
        }
        catch (OperationCanceledException)
        {
            run.SetTag(SystemTags.Error, "cancelled");
            run.End(RunStatus.Killed);
            throw;
        }
        catch (Exception e)
        {
            run.Fail(e);
            throw;
        }
    }

    internal ActiveRun StartRunIn(string experimentId, string runName, IReadOnlyDictionary<string, string>? tags, ActiveRun? parent)
    {
        var all = new Dictionary<string, string>(DefaultTags());
        if (tags != null)
            foreach (var (k, v) in tags) all[k] = v;
        all[SystemTags.RunName] = runName;
        var run = Store.CreateRun(experimentId, runName, NowMs(), all, User);
        return new ActiveRun(this, run, parent);
    }

    /// <summary>The user recorded on runs (MLflow uses the login name).</summary>
    public static string User => Environment.GetEnvironmentVariable("MLFLOW_TRACKING_USER") is { Length: > 0 } u ? u : Environment.UserName;

    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static Dictionary<string, string> DefaultTags()
    {
        var tags = new Dictionary<string, string>
        {
            [SystemTags.User] = User,
            [SystemTags.SourceName] = SourceName(),
            [SystemTags.SourceType] = "LOCAL",
        };
        if (GitInfo.Commit() is { } commit) tags[SystemTags.GitCommit] = commit;
        return tags;
    }

    private static string SourceName()
    {
        var args = Environment.GetCommandLineArgs();
        return args.Length > 0 ? Path.GetFileName(args[0]) : "mmcs";
    }

    public void Dispose()
    {
        if (_ownsStore) Store.Dispose();
    }
}

/// <summary>The git commit of the working directory, read from .git without running git (null when unknown).</summary>
public static class GitInfo
{
    public static string? Commit(string? start = null)
    {
        try
        {
            var dir = new DirectoryInfo(start ?? Directory.GetCurrentDirectory());
            while (dir != null && !Directory.Exists(Path.Combine(dir.FullName, ".git")))
                dir = dir.Parent;
            if (dir == null) return null;
            string git = Path.Combine(dir.FullName, ".git");
            string head = File.ReadAllText(Path.Combine(git, "HEAD")).Trim();
            if (!head.StartsWith("ref: ", StringComparison.Ordinal)) return head.Length == 40 ? head : null;
            string refName = head[5..];
            string refFile = Path.Combine(git, refName);
            if (File.Exists(refFile)) return File.ReadAllText(refFile).Trim();
            string packed = Path.Combine(git, "packed-refs");
            if (!File.Exists(packed)) return null;
            foreach (var line in File.ReadLines(packed))
            {
                var parts = line.Split(' ');
                if (parts.Length == 2 && parts[1] == refName) return parts[0];
            }
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
