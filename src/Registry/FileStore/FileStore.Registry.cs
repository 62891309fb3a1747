using System.Globalization;
using Mmcs.Registry.Search;

namespace Mmcs.Registry.FileStore;

public sealed partial class FileStore
{
    private const string DeletedInternal = "Deleted_Internal";

    public RegisteredModel CreateRegisteredModel(string name, string? description = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        Validation.ModelName(name);
        ValidateTags(tags);
        EnsureInitialised();
        using (FileLock.Acquire(LockPath))
        {
            string dir = ModelDir(name);
            if (File.Exists(Path.Combine(dir, "meta.yaml")))
                throw MlflowException.AlreadyExists($"Registered Model (name={name}) already exists.");
            long now = Now();
            if (tags != null)
                foreach (var (k, v) in tags)
                    AtomicFile.WriteAllText(KeyPath(Path.Combine(dir, "tags"), k), v);
            WriteModelMeta(dir, name, now, now, description);
        }
        return GetRegisteredModel(name);
    }

    public RegisteredModel GetRegisteredModel(string name)
    {
        string dir = ExistingModelDir(name);
        var meta = ReadMeta(Path.Combine(dir, "meta.yaml"));
        var versions = ReadVersions(dir);
        return new RegisteredModel(
            Str(meta, "name") ?? name,
            Long(meta, "creation_timestamp") ?? 0,
            Long(meta, "last_updated_timestamp") ?? 0,
            Str(meta, "description"),
            ReadKeyFiles(Path.Combine(dir, "tags")),
            ReadAliases(dir).Select(a => new RegisteredModelAlias(a.Key, a.Value)).OrderBy(a => a.Alias, StringComparer.Ordinal).ToList(),
            LatestPerStage(versions, null));
    }

    public RegisteredModel UpdateRegisteredModel(string name, string? description)
    {
        using (FileLock.Acquire(LockPath))
        {
            string dir = ExistingModelDir(name);
            var meta = ReadMeta(Path.Combine(dir, "meta.yaml"));
            WriteModelMeta(dir, name, Long(meta, "creation_timestamp") ?? Now(), Now(), description);
        }
        return GetRegisteredModel(name);
    }

    public void DeleteRegisteredModel(string name)
    {
        using var _ = FileLock.Acquire(LockPath);
        string dir = ExistingModelDir(name);
        string doomed = Path.Combine(ModelsDirectory, ".deleted-" + Guid.NewGuid().ToString("N"));
        Directory.Move(dir, doomed);
        Directory.Delete(doomed, recursive: true);
    }

    public Page<RegisteredModel> SearchRegisteredModels(string? filter = null, int maxResults = 100, string? pageToken = null)
    {
        var comparisons = SearchFilter.Parse(filter);
        foreach (var c in comparisons)
            if (!(c.Kind == KeyKind.Attribute && c.Key == "name" || c.Kind == KeyKind.Tag))
                throw MlflowException.Invalid($"Invalid registered model filter key '{c.Key}': use name or tags.<key>.");
        var models = new List<RegisteredModel>();
        foreach (var name in ModelNames())
        {
            RegisteredModel m;
            try
            {
                m = GetRegisteredModel(name);
            }
            catch (MlflowException e)
            {
                Skipped(e);
                continue;
            }
            if (comparisons.All(c => c.Kind switch
            {
                KeyKind.Attribute when c.Key == "name" => c.Matches(m.Name),
                KeyKind.Tag => c.Matches(m.Tags.GetValueOrDefault(c.Key)),
                _ => throw MlflowException.Invalid($"Invalid registered model filter key '{c.Key}': use name or tags.<key>."),
            }))
                models.Add(m);
        }
        models.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return SearchFilter.Paginate(models, maxResults, pageToken);
    }

    public void SetRegisteredModelTag(string name, string key, string value)
    {
        Validation.Key("tag", key);
        Validation.TagValue(key, value, Validation.MaxExperimentTagValueLength);
        string dir = ExistingModelDir(name);
        AtomicFile.WriteAllText(KeyPath(Path.Combine(dir, "tags"), key), value);
    }

    public IReadOnlyList<ModelVersion> GetLatestVersions(string name, IReadOnlyList<string>? stages = null)
    {
        string dir = ExistingModelDir(name);
        return LatestPerStage(ReadVersions(dir), stages?.Select(Validation.Stage).ToList());
    }

    public void SetRegisteredModelAlias(string name, string alias, string version)
    {
        Validation.Alias(alias);
        var mv = GetModelVersion(name, version); // must exist
        string dir = ExistingModelDir(name);
        // the version as MLflow writes it ("1", not "01": its store looks for the folder version-<text>)
        AtomicFile.WriteAllText(Path.Combine(dir, "aliases", alias), mv.Version);
        TouchModel(dir, name);
    }

    public void DeleteRegisteredModelAlias(string name, string alias)
    {
        Validation.Alias(alias);
        string dir = ExistingModelDir(name);
        string path = Path.Combine(dir, "aliases", alias);
        if (File.Exists(path)) File.Delete(path);
    }

    public ModelVersion GetModelVersionByAlias(string name, string alias)
    {
        string dir = ExistingModelDir(name);
        string path = Path.Combine(dir, "aliases", alias);
        if (!File.Exists(path))
            throw MlflowException.NotFound($"Registered model alias {alias} not found (model '{name}').");
        return GetModelVersion(name, AtomicFile.ReadAllText(path).Trim());
    }

    public ModelVersion CreateModelVersion(string name, string source, string? runId = null, string? description = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        if (string.IsNullOrEmpty(source)) throw MlflowException.Invalid("Missing value for required parameter 'source'.");
        if (source.StartsWith("models:/", StringComparison.OrdinalIgnoreCase))
            throw MlflowException.Invalid($"Invalid model version source: '{source}'. To use a model registry URI as a source, copy the model first.");
        if (runId != null) Validation.RunId(runId);
        ValidateTags(tags);
        string storage = StorageLocation(source);
        string versionText;
        using (FileLock.Acquire(LockPath))
        {
            string dir = ExistingModelDir(name);
            int next = VersionNumbers(dir).DefaultIfEmpty(0).Max() + 1;
            versionText = next.ToString(CultureInfo.InvariantCulture);
            string vdir = Path.Combine(dir, "version-" + versionText);
            long now = Now();
            if (tags != null)
                foreach (var (k, v) in tags)
                    AtomicFile.WriteAllText(KeyPath(Path.Combine(vdir, "tags"), k), v);
            WriteVersionMeta(vdir, new VersionMeta(name, next, now, now, ModelStages.None, description, source, runId, storage));
            TouchModel(dir, name, now);
        }
        return GetModelVersion(name, versionText);
    }

    public ModelVersion GetModelVersion(string name, string version)
    {
        Validation.Version(version);
        string dir = ExistingModelDir(name);
        string vdir = Path.Combine(dir, "version-" + long.Parse(version, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
        var mv = File.Exists(Path.Combine(vdir, "meta.yaml")) ? ReadVersion(vdir, ReadAliases(dir)) : null;
        if (mv == null || mv.CurrentStage == DeletedInternal)
            throw MlflowException.NotFound($"Model Version (name={name}, version={version}) not found");
        return mv;
    }

    public ModelVersion UpdateModelVersion(string name, string version, string? description)
    {
        using (FileLock.Acquire(LockPath))
        {
            var mv = GetModelVersion(name, version);
            string vdir = VersionDir(name, mv.Version);
            var meta = ReadVersionMeta(vdir);
            WriteVersionMeta(vdir, meta with { Description = description, LastUpdated = Now() });
        }
        return GetModelVersion(name, version);
    }

    public Page<ModelVersion> SearchModelVersions(string? filter = null, int maxResults = 1000, string? pageToken = null)
    {
        var comparisons = SearchFilter.Parse(filter);
        foreach (var c in comparisons)
            if (!(c.Kind == KeyKind.Tag || c.Kind == KeyKind.Attribute && c.Key is "name" or "run_id" or "source_path" or "source" or "version_number" or "version" or "current_stage"))
                throw MlflowException.Invalid($"Invalid model version filter key '{c.Key}': use name, run_id, source_path, version_number or tags.<key>.");
        var result = new List<ModelVersion>();
        foreach (var name in ModelNames())
        {
            string dir = ModelDir(name);
            foreach (var mv in ReadVersions(dir))
            {
                bool keep = comparisons.All(c => c.Kind switch
                {
                    KeyKind.Attribute => c.Key switch
                    {
                        "name" => c.Matches(mv.Name),
                        "run_id" => c.Matches(mv.RunId),
                        "source_path" or "source" => c.Matches(mv.Source),
                        "version_number" or "version" => c.Value is double ? c.Matches((double?)mv.Number) : c.Matches(mv.Version),
                        "current_stage" => c.Matches(mv.CurrentStage),
                        _ => throw MlflowException.Invalid($"Invalid model version filter key '{c.Key}': use name, run_id, source_path, version_number or tags.<key>."),
                    },
                    KeyKind.Tag => c.Matches(mv.Tags.GetValueOrDefault(c.Key)),
                    _ => throw MlflowException.Invalid($"Invalid model version filter key '{c.Key}'."),
                });
                if (keep) result.Add(mv);
            }
        }
        result.Sort((a, b) =>
        {
            int c = string.CompareOrdinal(a.Name, b.Name);
            return c != 0 ? c : b.Number.CompareTo(a.Number);
        });
        return SearchFilter.Paginate(result, maxResults, pageToken);
    }

    public void SetModelVersionTag(string name, string version, string key, string value)
    {
        Validation.Key("tag", key);
        Validation.TagValue(key, value, Validation.MaxExperimentTagValueLength);
        var mv = GetModelVersion(name, version);
        AtomicFile.WriteAllText(KeyPath(Path.Combine(VersionDir(name, mv.Version), "tags"), key), value);
    }

    public ModelVersion TransitionModelVersionStage(string name, string version, string stage, bool archiveExistingVersions)
    {
        string canonical = Validation.Stage(stage);
        using (FileLock.Acquire(LockPath))
        {
            var mv = GetModelVersion(name, version);
            long now = Now();
            string dir = ExistingModelDir(name);
            if (archiveExistingVersions && canonical is ModelStages.Staging or ModelStages.Production)
            {
                List<ModelVersion> others;
                try
                {
                    // strict: a version that cannot be read might be in that stage, and would stay there beside this one
                    others = ReadVersions(dir, strict: true);
                }
                catch (MlflowException e)
                {
                    throw new MlflowException(Core.ErrorCodes.InvalidState,
                        $"Cannot move {name} version {mv.Version} to {canonical}: another version cannot be read, and it may be in {canonical} too ({e.Message}). Nothing was changed.", e);
                }
                foreach (var other in others)
                {
                    if (other.Version == mv.Version || other.CurrentStage != canonical) continue;
                    string odir = VersionDir(name, other.Version);
                    WriteVersionMeta(odir, ReadVersionMeta(odir) with { Stage = ModelStages.Archived, LastUpdated = now });
                }
            }
            string vdir = VersionDir(name, mv.Version);
            WriteVersionMeta(vdir, ReadVersionMeta(vdir) with { Stage = canonical, LastUpdated = now });
            TouchModel(dir, name, now);
        }
        return GetModelVersion(name, version);
    }

    public string GetModelVersionDownloadUri(string name, string version)
    {
        var mv = GetModelVersion(name, version);
        var meta = ReadVersionMeta(VersionDir(name, mv.Version));
        return meta.StorageLocation ?? mv.Source;
    }

    // ---- helpers ----

    private static void ValidateTags(IReadOnlyDictionary<string, string>? tags)
    {
        if (tags == null) return;
        foreach (var (k, v) in tags)
        {
            Validation.Key("tag", k);
            Validation.TagValue(k, v, Validation.MaxExperimentTagValueLength);
        }
    }

    private string ModelDir(string name) => Path.Combine(ModelsDirectory, name);

    private string ExistingModelDir(string name)
    {
        Validation.ModelName(name);
        string dir = ModelDir(name);
        if (!File.Exists(Path.Combine(dir, "meta.yaml")))
            throw MlflowException.NotFound($"Registered Model with name={name} not found");
        return dir;
    }

    private string VersionDir(string name, string version) => Path.Combine(ModelDir(name), "version-" + version);

    private IEnumerable<string> ModelNames()
    {
        if (!Directory.Exists(ModelsDirectory)) yield break;
        foreach (var d in Directory.EnumerateDirectories(ModelsDirectory))
        {
            string n = Path.GetFileName(d);
            if (!n.StartsWith('.') && File.Exists(Path.Combine(d, "meta.yaml"))) yield return n;
        }
    }

    private static IEnumerable<int> VersionNumbers(string modelDir)
    {
        if (!Directory.Exists(modelDir)) yield break;
        foreach (var d in Directory.EnumerateDirectories(modelDir, "version-*"))
            if (int.TryParse(Path.GetFileName(d)["version-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                yield return v;
    }

    private static Dictionary<string, string> ReadAliases(string modelDir)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        string dir = Path.Combine(modelDir, "aliases");
        if (!Directory.Exists(dir)) return result;
        foreach (var f in Directory.EnumerateFiles(dir))
        {
            string n = Path.GetFileName(f);
            if (AtomicFile.IsTemporary(n)) continue;
            try
            {
                result[n] = AtomicFile.ReadAllText(f).Trim();
            }
            catch (FileNotFoundException)
            {
            }
        }
        return result;
    }

    /// <summary>The model's versions (not deleted), oldest first. A version whose meta.yaml cannot be read is skipped and
    /// reported in <see cref="SkippedEntries"/>, or, when <paramref name="strict"/>, refused (INVALID_STATE).</summary>
    private List<ModelVersion> ReadVersions(string modelDir, bool strict = false)
    {
        var aliases = ReadAliases(modelDir);
        var result = new List<ModelVersion>();
        foreach (int v in VersionNumbers(modelDir).Order())
        {
            string vdir = Path.Combine(modelDir, "version-" + v.ToString(CultureInfo.InvariantCulture));
            if (!File.Exists(Path.Combine(vdir, "meta.yaml"))) continue;
            ModelVersion mv;
            try
            {
                mv = ReadVersion(vdir, aliases);
            }
            catch (MlflowException e) when (!strict)
            {
                Skipped(e);
                continue;
            }
            if (mv.CurrentStage != DeletedInternal) result.Add(mv);
        }
        return result;
    }

    private static List<ModelVersion> LatestPerStage(List<ModelVersion> versions, IReadOnlyList<string>? stages)
    {
        var result = new List<ModelVersion>();
        foreach (var stage in stages ?? ModelStages.All)
        {
            var latest = versions.Where(v => v.CurrentStage == stage).MaxBy(v => v.Number);
            if (latest != null && !result.Contains(latest)) result.Add(latest);
        }
        return result;
    }

    private sealed record VersionMeta(
        string Name, int Version, long Created, long LastUpdated, string Stage, string? Description, string Source,
        string? RunId, string? StorageLocation, string? RunLink = null, string Status = "READY", string? StatusMessage = null, string? UserId = null);

    private static VersionMeta ReadVersionMeta(string vdir)
    {
        var meta = ReadMeta(Path.Combine(vdir, "meta.yaml"));
        return new VersionMeta(
            Str(meta, "name") ?? Path.GetFileName(Path.GetDirectoryName(vdir)!),
            (int)(Long(meta, "version") ?? long.Parse(Path.GetFileName(vdir)["version-".Length..], CultureInfo.InvariantCulture)),
            Long(meta, "creation_timestamp") ?? 0,
            Long(meta, "last_updated_timestamp") ?? 0,
            Str(meta, "current_stage") ?? ModelStages.None,
            Str(meta, "description"),
            Str(meta, "source") ?? "",
            Str(meta, "run_id"),
            Str(meta, "storage_location"),
            Str(meta, "run_link"),
            Str(meta, "status") ?? "READY",
            Str(meta, "status_message"),
            Str(meta, "user_id"));
    }

    private static ModelVersion ReadVersion(string vdir, Dictionary<string, string> aliases)
    {
        var m = ReadVersionMeta(vdir);
        string version = m.Version.ToString(CultureInfo.InvariantCulture);
        return new ModelVersion(m.Name, version, m.Created, m.LastUpdated, m.Stage, m.Description, m.Source, m.RunId, m.Status,
            ReadKeyFiles(Path.Combine(vdir, "tags")),
            aliases.Where(a => a.Value == version).Select(a => a.Key).Order(StringComparer.Ordinal).ToList());
    }

    private static void WriteVersionMeta(string vdir, VersionMeta m)
    {
        var meta = new Dictionary<string, object?>
        {
            ["creation_timestamp"] = m.Created,
            ["current_stage"] = m.Stage,
            ["description"] = m.Description,
            ["last_updated_timestamp"] = m.LastUpdated,
            ["name"] = m.Name,
            ["run_id"] = m.RunId,
            ["run_link"] = m.RunLink,
            ["source"] = m.Source,
            ["status"] = m.Status,
            ["status_message"] = m.StatusMessage,
            ["storage_location"] = m.StorageLocation,
            ["user_id"] = m.UserId,
            ["version"] = (long)m.Version,
        };
        AtomicFile.WriteAllText(Path.Combine(vdir, "meta.yaml"), MetaYaml.Write(meta));
    }

    private static void WriteModelMeta(string dir, string name, long created, long updated, string? description)
    {
        var meta = new Dictionary<string, object?>
        {
            ["creation_timestamp"] = created,
            ["description"] = description,
            ["last_updated_timestamp"] = updated,
            ["name"] = name,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, "meta.yaml"), MetaYaml.Write(meta));
    }

    private void TouchModel(string dir, string name, long? now = null)
    {
        var meta = ReadMeta(Path.Combine(dir, "meta.yaml"));
        WriteModelMeta(dir, name, Long(meta, "creation_timestamp") ?? Now(), now ?? Now(), Str(meta, "description"));
    }

    /// <summary>Where the model's files are: a runs:/ source resolves to the run's artifact folder.</summary>
    private string StorageLocation(string source)
    {
        if (!source.StartsWith("runs:/", StringComparison.OrdinalIgnoreCase)) return source;
        var (runId, path) = ModelUris.ParseRunsUri(source);
        try
        {
            var info = ReadRunInfo(RunDir(runId)).Info;
            return path.Length == 0 ? info.ArtifactUri : info.ArtifactUri.TrimEnd('/') + "/" + path;
        }
        catch (MlflowException)
        {
            return source;
        }
    }
}
