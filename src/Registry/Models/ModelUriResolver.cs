namespace Mmcs.Registry.Models;

/// <summary>A model URI resolved to a local folder, with the registry coordinates when it came from the registry.</summary>
public sealed record ResolvedModel(string Uri, string LocalPath, string? Name, string? Version, string? RunId)
{
    /// <summary>What identifies the model that answers: <c>models:/name/version</c> for a registered version (whatever
    /// alias or stage named it), the <c>runs:/</c> URI for a run's model, else the full path of the folder.</summary>
    public string Identity => Name != null && Version != null ? $"models:/{Name}/{Version}" : RunId != null ? Uri : LocalPath;
}

/// <summary>Stores that can expose a run's artifacts as a local folder (file stores; REST servers with file:// artifacts on this machine).</summary>
public interface ILocalArtifactAccess
{
    /// <summary>The local artifact folder of the run, or null when its artifacts are not on this machine.</summary>
    string? TryGetLocalArtifactDirectory(string runId);
}

/// <summary>
/// Resolves <c>runs:/&lt;id&gt;/&lt;path&gt;</c>, <c>models:/&lt;name&gt;/&lt;version&gt;</c>, <c>models:/&lt;name&gt;@&lt;alias&gt;</c>,
/// <c>models:/&lt;name&gt;/&lt;stage&gt;</c> (latest version in that stage), <c>models:/&lt;name&gt;/latest</c> and local
/// folders to a local folder. Artifacts on this machine are used in place; remote ones are downloaded once into the
/// cache folder (keyed by run id and path) and reused.
/// </summary>
public sealed class ModelUriResolver
{
    private readonly ITrackingStore _store;

    public ModelUriResolver(ITrackingStore store, string? cacheDirectory = null)
    {
        _store = store;
        CacheDirectory = cacheDirectory ?? DefaultCacheDirectory();
    }

    public string CacheDirectory { get; }

    public static string DefaultCacheDirectory()
    {
        string baseDir = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        if (string.IsNullOrEmpty(baseDir)) baseDir = Path.GetTempPath();
        return Path.Combine(baseDir, "mmcs", "model-cache");
    }

    public ResolvedModel Resolve(string uri)
    {
        if (string.IsNullOrWhiteSpace(uri)) throw MlflowException.Invalid("Model URI is empty.");
        if (uri.StartsWith("runs:", StringComparison.OrdinalIgnoreCase))
        {
            var (runId, path) = ModelUris.ParseRunsUri(uri);
            return new ResolvedModel(uri, RunArtifact(runId, path), null, null, runId);
        }
        if (uri.StartsWith("models:", StringComparison.OrdinalIgnoreCase))
        {
            var parsed = ModelUris.ParseModelsUri(uri);
            var mv = FindVersion(parsed);
            string local = ResolveSource(mv);
            if (parsed.SubPath.Length > 0) local = Existing(Path.Combine(local, parsed.SubPath.Replace('/', Path.DirectorySeparatorChar)), uri);
            string? runId = mv.RunId;
            if (runId == null && mv.Source.StartsWith("runs:", StringComparison.OrdinalIgnoreCase)) runId = ModelUris.ParseRunsUri(mv.Source).RunId;
            return new ResolvedModel(uri, local, mv.Name, mv.Version, runId);
        }
        string localPath = FileStore.FileStore.LocalPathFromUri(uri);
        if (Directory.Exists(localPath) || File.Exists(localPath))
            return new ResolvedModel(uri, Path.GetFullPath(localPath), null, null, null);
        throw MlflowException.NotFound(
            $"Model '{uri}' does not exist: it is not a folder, and not a runs:/<id>/<path> or models:/<name>/<version|stage>, models:/<name>@<alias> URI.");
    }

    private ModelVersion FindVersion(ModelUris.ModelsUri parsed)
    {
        if (parsed.Version != null) return _store.GetModelVersion(parsed.Name, parsed.Version);
        if (parsed.Alias != null)
        {
            try
            {
                return _store.GetModelVersionByAlias(parsed.Name, parsed.Alias);
            }
            catch (MlflowException e) when (e.ErrorCode == Core.ErrorCodes.ResourceDoesNotExist)
            {
                _store.GetRegisteredModel(parsed.Name); // names the model when it is the model that is missing
                throw MlflowException.NotFound($"Registered model '{parsed.Name}' has no alias '{parsed.Alias}'.");
            }
        }
        var latest = _store.GetLatestVersions(parsed.Name, parsed.Stage == null ? null : [parsed.Stage]);
        var best = latest.MaxBy(v => v.Number);
        return best ?? throw MlflowException.NotFound(parsed.Stage == null
            ? $"Registered model '{parsed.Name}' has no versions."
            : $"Registered model '{parsed.Name}' has no version in stage '{parsed.Stage}'.");
    }

    private string ResolveSource(ModelVersion mv)
    {
        string source = mv.Source;
        if (source.StartsWith("runs:", StringComparison.OrdinalIgnoreCase))
        {
            var (runId, path) = ModelUris.ParseRunsUri(source);
            return RunArtifact(runId, path);
        }
        if (source.StartsWith("mlflow-artifacts:", StringComparison.OrdinalIgnoreCase) && TryParseRunArtifactUri(source) is { } ra)
            return RunArtifact(ra.RunId, ra.Path);
        string local = FileStore.FileStore.LocalPathFromUri(source);
        if (!source.Contains("://", StringComparison.Ordinal) || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return Existing(local, $"models:/{mv.Name}/{mv.Version}");
        string download = _store.GetModelVersionDownloadUri(mv.Name, mv.Version);
        if (download.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return Existing(FileStore.FileStore.LocalPathFromUri(download), $"models:/{mv.Name}/{mv.Version}");
        if (download.StartsWith("mlflow-artifacts:", StringComparison.OrdinalIgnoreCase) && TryParseRunArtifactUri(download) is { } rb)
            return RunArtifact(rb.RunId, rb.Path);
        throw MlflowException.Invalid($"Model version {mv.Name}/{mv.Version} has the source '{source}', which MMCS cannot download.");
    }

    /// <summary>Parses <c>mlflow-artifacts:/&lt;exp&gt;/&lt;run&gt;/artifacts/&lt;path&gt;</c> (optionally with a host).</summary>
    internal static (string RunId, string Path)? TryParseRunArtifactUri(string uri)
    {
        string rest = uri["mlflow-artifacts:".Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            int slash = rest.IndexOf('/', 2);
            rest = slash < 0 ? "" : rest[slash..];
        }
        var parts = rest.Trim('/').Split('/');
        if (parts.Length < 3 || parts[2] != "artifacts") return null;
        return (parts[1], string.Join('/', parts.Skip(3)));
    }

    private string RunArtifact(string runId, string path)
    {
        string? local = (_store as ILocalArtifactAccess)?.TryGetLocalArtifactDirectory(runId);
        if (local != null)
        {
            string p = path.Length == 0 ? local : Path.Combine(local, path.Replace('/', Path.DirectorySeparatorChar));
            return Existing(p, $"runs:/{runId}/{path}");
        }
        return Cached(runId, path);
    }

    private string Cached(string runId, string path)
    {
        string key = path.Length == 0 ? "_root" : path.Replace('/', Path.DirectorySeparatorChar);
        string final = Path.Combine(CacheDirectory, runId, key);
        if (Directory.Exists(final) || File.Exists(final)) return final;
        _store.GetRun(runId); // a clear RESOURCE_DOES_NOT_EXIST when the run is unknown
        string temp = Path.Combine(CacheDirectory, ".download-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        try
        {
            string downloaded = _store.DownloadArtifacts(runId, path, temp);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            try
            {
                if (Directory.Exists(downloaded)) Directory.Move(downloaded, final);
                else File.Move(downloaded, final);
            }
            catch (IOException) when (Directory.Exists(final) || File.Exists(final))
            {
                // another process downloaded it first
            }
            return final;
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static string Existing(string path, string uri) =>
        Directory.Exists(path) || File.Exists(path) ? path
            : throw MlflowException.NotFound($"The files of model '{uri}' are missing: '{path}' does not exist.");
}
