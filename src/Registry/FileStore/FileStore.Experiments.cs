using System.Globalization;
using Mmcs.Registry.Search;

namespace Mmcs.Registry.FileStore;

public sealed partial class FileStore
{
    public string CreateExperiment(string name, string? artifactLocation = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        Validation.ExperimentName(name);
        if (tags != null)
            foreach (var (k, v) in tags)
            {
                Validation.Key("tag", k);
                Validation.TagValue(k, v, Validation.MaxExperimentTagValueLength);
            }
        EnsureInitialised();
        using var _ = FileLock.Acquire(LockPath);
        if (FindExperimentDirByName(name) != null)
            throw MlflowException.AlreadyExists($"Experiment '{name}' already exists.");
        string id;
        do
        {
            id = RandomExperimentId();
        }
        while (Directory.Exists(Path.Combine(RootDirectory, id)) || Directory.Exists(Path.Combine(TrashDirectory, id)));
        string dir = Path.Combine(RootDirectory, id);
        long now = Now();
        if (tags != null)
            foreach (var (k, v) in tags)
                AtomicFile.WriteAllText(KeyPath(Path.Combine(dir, "tags"), k), v);
        WriteExperimentMeta(dir, id, name, artifactLocation ?? ArtifactLocationFor(id), LifecycleStage.Active, now, now);
        return id;
    }

    public Experiment GetExperiment(string experimentId)
    {
        Validation.ExperimentId(experimentId);
        string dir = ExperimentDir(experimentId)
            ?? throw MlflowException.NotFound($"Could not find experiment with ID {experimentId}");
        return ReadExperiment(dir);
    }

    public Experiment? GetExperimentByName(string name)
    {
        Validation.ExperimentName(name);
        var dir = FindExperimentDirByName(name);
        return dir == null ? null : ReadExperiment(dir);
    }

    public Page<Experiment> SearchExperiments(string? filter = null, int maxResults = 1000, string? pageToken = null, ViewType viewType = ViewType.ActiveOnly)
    {
        var comparisons = SearchFilter.Parse(filter);
        var all = AllExperiments(viewType)
            .Where(e => comparisons.All(c => MatchesExperiment(e, c)))
            .OrderByDescending(e => e.CreationTime ?? 0)
            .ThenBy(e => e.ExperimentId, StringComparer.Ordinal)
            .ToList();
        return SearchFilter.Paginate(all, maxResults, pageToken);
    }

    public void SetExperimentTag(string experimentId, string key, string value)
    {
        Validation.Key("tag", key);
        Validation.TagValue(key, value, Validation.MaxExperimentTagValueLength);
        var exp = GetExperiment(experimentId);
        if (exp.LifecycleStage != LifecycleStage.Active)
            throw MlflowException.Invalid($"The experiment {experimentId} must be in the 'active' state. Current state is deleted.");
        AtomicFile.WriteAllText(KeyPath(Path.Combine(ExperimentDir(experimentId)!, "tags"), key), value);
    }

    public void RenameExperiment(string experimentId, string newName)
    {
        Validation.ExperimentName(newName);
        using var _ = FileLock.Acquire(LockPath);
        var exp = GetExperiment(experimentId);
        if (exp.LifecycleStage != LifecycleStage.Active)
            throw MlflowException.Invalid("Cannot rename a non-active experiment.");
        if (exp.Name == newName) return;
        if (FindExperimentDirByName(newName) != null)
            throw MlflowException.AlreadyExists($"Experiment '{newName}' already exists.");
        string dir = ExperimentDir(experimentId)!;
        WriteExperimentMeta(dir, experimentId, newName, exp.ArtifactLocation, exp.LifecycleStage, exp.CreationTime, Now());
    }

    public void DeleteExperiment(string experimentId)
    {
        if (experimentId == DefaultExperimentId)
            throw MlflowException.Invalid($"Cannot delete the default experiment '{DefaultExperimentId}'. This is an internally reserved experiment.");
        using var _ = FileLock.Acquire(LockPath);
        var exp = GetExperiment(experimentId);
        string dir = Path.Combine(RootDirectory, experimentId);
        if (exp.LifecycleStage == LifecycleStage.Deleted && !Directory.Exists(dir)) return;
        WriteExperimentMeta(ExperimentDir(experimentId)!, experimentId, exp.Name, exp.ArtifactLocation, LifecycleStage.Deleted, exp.CreationTime, Now());
        if (Directory.Exists(dir))
        {
            Directory.CreateDirectory(TrashDirectory);
            Directory.Move(dir, Path.Combine(TrashDirectory, experimentId));
        }
        _runDirs.Clear();
    }

    public void RestoreExperiment(string experimentId)
    {
        using var _ = FileLock.Acquire(LockPath);
        var exp = GetExperiment(experimentId);
        string trashed = Path.Combine(TrashDirectory, experimentId);
        string dir = Path.Combine(RootDirectory, experimentId);
        if (Directory.Exists(trashed))
        {
            if (Directory.Exists(dir))
                throw MlflowException.Invalid($"Cannot restore experiment with ID {experimentId}. An experiment with same ID already exists.");
            var clash = FindExperimentDirByName(exp.Name, exclude: trashed);
            if (clash != null)
                throw MlflowException.AlreadyExists($"Cannot restore experiment '{exp.Name}': an active experiment with that name exists.");
            Directory.Move(trashed, dir);
        }
        WriteExperimentMeta(dir, experimentId, exp.Name, exp.ArtifactLocation, LifecycleStage.Active, exp.CreationTime, Now());
        _runDirs.Clear();
    }

    // ---- helpers ----

    private static string RandomExperimentId()
    {
        // MLflow's file store: a random positive integer of 18 digits
        long value = Random.Shared.NextInt64(100_000_000_000_000_000L, 1_000_000_000_000_000_000L);
        return value.ToString(CultureInfo.InvariantCulture);
    }

    private void WriteExperimentMeta(string dir, string id, string name, string artifactLocation, LifecycleStage stage, long? created, long? updated)
    {
        var meta = new Dictionary<string, object?>
        {
            ["artifact_location"] = artifactLocation,
            ["creation_time"] = created,
            ["experiment_id"] = id,
            ["last_update_time"] = updated,
            ["lifecycle_stage"] = Stage(stage),
            ["name"] = name,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, "meta.yaml"), MetaYaml.Write(meta));
    }

    /// <summary>The folder of an experiment, active or in the trash, or null.</summary>
    internal string? ExperimentDir(string experimentId)
    {
        if (experimentId.Length == 0 || experimentId.StartsWith('.') || experimentId == ModelsFolder ||
            experimentId.IndexOfAny(['/', '\\']) >= 0) return null;
        string active = Path.Combine(RootDirectory, experimentId);
        if (File.Exists(Path.Combine(active, "meta.yaml"))) return active;
        string trashed = Path.Combine(TrashDirectory, experimentId);
        if (File.Exists(Path.Combine(trashed, "meta.yaml"))) return trashed;
        return null;
    }

    /// <summary>Experiment folders: the active ones, then the trash.</summary>
    internal IEnumerable<string> ExperimentDirs(bool active = true, bool deleted = true)
    {
        if (active && Directory.Exists(RootDirectory))
            foreach (var d in Directory.EnumerateDirectories(RootDirectory))
            {
                string n = Path.GetFileName(d);
                if (n.StartsWith('.') || n == ModelsFolder) continue;
                if (File.Exists(Path.Combine(d, "meta.yaml"))) yield return d;
            }
        if (deleted && Directory.Exists(TrashDirectory))
            foreach (var d in Directory.EnumerateDirectories(TrashDirectory))
                if (File.Exists(Path.Combine(d, "meta.yaml"))) yield return d;
    }

    private string? FindExperimentDirByName(string name, string? exclude = null)
    {
        foreach (var dir in ExperimentDirs())
        {
            if (exclude != null && dir == exclude) continue;
            var meta = TryReadMeta(dir);
            if (meta != null && Str(meta, "name") == name) return dir;
        }
        return null;
    }

    private Dictionary<string, object?>? TryReadMeta(string dir)
    {
        try
        {
            return ReadMeta(Path.Combine(dir, "meta.yaml"));
        }
        catch (MlflowException e)
        {
            Skipped(e);
            return null;
        }
    }

    private IEnumerable<Experiment> AllExperiments(ViewType viewType)
    {
        foreach (var dir in ExperimentDirs())
        {
            Experiment e;
            try
            {
                e = ReadExperiment(dir);
            }
            catch (MlflowException ex)
            {
                Skipped(ex);
                continue; // malformed experiment: skipped like MLflow does (and reported in SkippedEntries)
            }
            bool keep = viewType switch
            {
                ViewType.ActiveOnly => e.LifecycleStage == LifecycleStage.Active,
                ViewType.DeletedOnly => e.LifecycleStage == LifecycleStage.Deleted,
                _ => true,
            };
            if (keep) yield return e;
        }
    }

    private static bool MatchesExperiment(Experiment e, Comparison c) => c.Kind switch
    {
        KeyKind.Tag => c.Matches(e.Tags.GetValueOrDefault(c.Key)),
        KeyKind.Attribute => c.Key switch
        {
            "name" => c.Matches(e.Name),
            "experiment_id" => c.Matches(e.ExperimentId),
            "creation_time" => c.Matches(e.CreationTime),
            "last_update_time" => c.Matches(e.LastUpdateTime),
            "lifecycle_stage" => c.Matches(Stage(e.LifecycleStage)),
            _ => throw MlflowException.Invalid($"Invalid attribute key '{c.Key}' in experiment filter. Valid keys: name, creation_time, last_update_time."),
        },
        _ => throw MlflowException.Invalid($"Invalid experiment filter: {c.Kind.ToString().ToLowerInvariant()}s cannot be searched on experiments."),
    };

    internal Experiment ReadExperiment(string dir)
    {
        var meta = ReadMeta(Path.Combine(dir, "meta.yaml"));
        string id = Str(meta, "experiment_id") ?? Path.GetFileName(dir);
        var stage = ParseStage(Str(meta, "lifecycle_stage"));
        if (Path.GetDirectoryName(dir) == TrashDirectory) stage = LifecycleStage.Deleted;
        return new Experiment(
            id,
            Str(meta, "name") ?? "",
            Str(meta, "artifact_location") ?? ToFileUri(dir),
            stage,
            Long(meta, "creation_time"),
            Long(meta, "last_update_time"),
            ReadKeyFiles(Path.Combine(dir, "tags")));
    }
}
