using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mmcs.Registry.FileStore;

/// <summary>
/// The embedded store: a directory in MLflow's own file-store layout (<c>mlruns/</c>), readable by
/// <c>mlflow ui --backend-store-uri ./mlruns</c>. Every file write is atomic (temporary file + rename), metric points
/// are appended in one O_APPEND write, and structural changes (new experiment, new model version) are serialised
/// across processes with a lock file, so several processes can log to one store at once.
/// </summary>
public sealed partial class FileStore : ITrackingStore, Models.ILocalArtifactAccess
{
    public const string DefaultExperimentId = "0";
    public const string DefaultExperimentName = "Default";
    internal const string TrashFolder = ".trash";
    internal const string ModelsFolder = "models";
    private static readonly HashSet<string> ReservedExperimentFolders = new(StringComparer.Ordinal) { "tags", "datasets", "traces", "models" };

    private readonly Func<long> _clock;
    private readonly ConcurrentDictionary<string, string> _runDirs = new(StringComparer.Ordinal);
    private volatile bool _initialised;
    private readonly ConcurrentDictionary<string, byte> _skipped = new(StringComparer.Ordinal); // a set of messages

    /// <summary>Opens the store at <paramref name="rootOrUri"/>: a folder path or a <c>file://</c> URI. The folder is created on the first write.</summary>
    /// <param name="rootOrUri">The mlruns folder.</param>
    /// <param name="clock">Unix milliseconds now (tests pin it).</param>
    /// <param name="defaultArtifactRoot">Where new experiments keep artifacts (like <c>mlflow server --default-artifact-root</c>,
    /// e.g. <c>mlflow-artifacts:/</c>); null: <c>file:///&lt;root&gt;/&lt;experiment id&gt;</c>.</param>
    public FileStore(string rootOrUri, Func<long>? clock = null, string? defaultArtifactRoot = null)
    {
        DefaultArtifactRoot = defaultArtifactRoot;
        RootDirectory = Path.GetFullPath(LocalPathFromUri(rootOrUri));
        if (File.Exists(RootDirectory))
            throw MlflowException.Invalid($"{RootDirectory} is a file, not a tracking store (an mlruns folder).");
        TrackingUri = ToFileUri(RootDirectory);
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (Directory.Exists(RootDirectory)) EnsureInitialised();
    }

    public string RootDirectory { get; }

    /// <inheritdoc />
    public IReadOnlyCollection<string> SkippedEntries => _skipped.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Notes an entry a listing skipped (once per message).</summary>
    private void Skipped(MlflowException e) => _skipped.TryAdd(e.Message, 0);

    public string? DefaultArtifactRoot { get; }

    internal string ArtifactLocationFor(string experimentId) =>
        DefaultArtifactRoot == null ? ToFileUri(Path.Combine(RootDirectory, experimentId)) : DefaultArtifactRoot.TrimEnd('/') + "/" + experimentId;

    public string TrackingUri { get; }

    internal string TrashDirectory => Path.Combine(RootDirectory, TrashFolder);

    internal string ModelsDirectory => Path.Combine(RootDirectory, ModelsFolder);

    private string LockPath => Path.Combine(RootDirectory, ".mmcs.lock");

    private long Now() => _clock();

    public void Dispose()
    {
    }

    // ---- URIs and paths ----

    /// <summary><c>file:///abs/path</c> for a local path (percent-encoded like Python's Path.as_uri()).</summary>
    public static string ToFileUri(string path)
    {
        string full = Path.GetFullPath(path);
        return new Uri(full).AbsoluteUri;
    }

    /// <summary>The local path of a <c>file:</c> URI, or the text itself when it is a plain path.</summary>
    public static string LocalPathFromUri(string uriOrPath)
    {
        if (uriOrPath.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (Uri.TryCreate(uriOrPath, UriKind.Absolute, out var uri) && uri.IsFile)
            {
                // file://mlruns names a host "mlruns" (a network share on Windows), not the folder ./mlruns
                if (uri.Host.Length > 0 && !OperatingSystem.IsWindows())
                {
                    if (uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return Uri.UnescapeDataString(uri.AbsolutePath);
                    throw MlflowException.Invalid($"{uriOrPath}: a file URI names a folder after three slashes (file:///abs/path); '{uri.Host}' is read as a host name. Write file:///abs/path or a plain path.");
                }
                return uri.LocalPath;
            }
            string rest = uriOrPath[5..];
            return Uri.UnescapeDataString(rest.StartsWith("//", StringComparison.Ordinal) ? rest[2..] : rest);
        }
        return uriOrPath;
    }

    /// <summary>Creates the root, and the Default experiment (id 0) when it does not exist yet.</summary>
    internal void EnsureInitialised()
    {
        if (_initialised) return;
        Directory.CreateDirectory(RootDirectory);
        if (!File.Exists(Path.Combine(RootDirectory, DefaultExperimentId, "meta.yaml")) &&
            !File.Exists(Path.Combine(TrashDirectory, DefaultExperimentId, "meta.yaml")))
        {
            using var _ = FileLock.Acquire(LockPath);
            if (!File.Exists(Path.Combine(RootDirectory, DefaultExperimentId, "meta.yaml")) &&
                !File.Exists(Path.Combine(TrashDirectory, DefaultExperimentId, "meta.yaml")))
                WriteExperimentMeta(Path.Combine(RootDirectory, DefaultExperimentId), DefaultExperimentId, DefaultExperimentName,
                    ArtifactLocationFor(DefaultExperimentId), LifecycleStage.Active, Now(), Now());
        }
        _initialised = true;
    }

    internal static string Stage(LifecycleStage stage) => stage == LifecycleStage.Active ? "active" : "deleted";

    internal static LifecycleStage ParseStage(string? text) =>
        string.Equals(text, "deleted", StringComparison.OrdinalIgnoreCase) ? LifecycleStage.Deleted : LifecycleStage.Active;

    internal static Dictionary<string, object?> ReadMeta(string metaPath)
    {
        string text;
        try
        {
            text = AtomicFile.ReadAllText(metaPath);
        }
        catch (FileNotFoundException e)
        {
            throw MlflowException.NotFound($"{metaPath} does not exist: {e.Message}");
        }
        catch (DirectoryNotFoundException e)
        {
            throw MlflowException.NotFound($"{metaPath} does not exist: {e.Message}");
        }
        return MetaYaml.Read(text, metaPath);
    }

    internal static string? Str(Dictionary<string, object?> meta, string key) =>
        meta.TryGetValue(key, out var v) ? v as string : null;

    internal static long? Long(Dictionary<string, object?> meta, string key) =>
        Str(meta, key) is { } s && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? l : null;

    /// <summary>Reads a folder of key files (params, tags): keys are '/'-joined relative paths, values the raw contents.</summary>
    internal static Dictionary<string, string> ReadKeyFiles(string dir)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(dir)) return result;
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            if (AtomicFile.IsTemporary(Path.GetFileName(file))) continue;
            string key = Path.GetRelativePath(dir, file).Replace('\\', '/');
            try
            {
                result[key] = AtomicFile.ReadAllText(file);
            }
            catch (FileNotFoundException)
            {
                // deleted meanwhile
            }
        }
        return result;
    }

    /// <summary>The file of <paramref name="key"/> under <paramref name="dir"/> (keys are validated: no '..', no leading '/').</summary>
    internal static string KeyPath(string dir, string key) => Path.Combine(dir, key.Replace('/', Path.DirectorySeparatorChar));

    internal static string Md5Hex(params string[] parts)
    {
        var bytes = parts.SelectMany(p => Encoding.UTF8.GetBytes(p)).ToArray();
#pragma warning disable CA5351 // MLflow's dataset and input ids are MD5 digests; not a security use
        return Convert.ToHexStringLower(MD5.HashData(bytes));
#pragma warning restore CA5351
    }
}
