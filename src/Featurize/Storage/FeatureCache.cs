using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mmcs.Featurize.Audio;

namespace Mmcs.Featurize.Storage;

/// <summary>
/// Identifies one cache entry: the audio file's content (SHA-256 of its bytes), the extractor configuration
/// (<see cref="FeatureCache.ConfigHash"/>) and a variant ("" for the clip itself, else an augmentation copy's id).
/// </summary>
public sealed record CacheKey(string ContentHash, string ConfigHash, string Variant = "")
{
    /// <summary>The entry's file stem: content hash, plus "~variant" for augmented copies.</summary>
    public string Stem => Variant.Length == 0 ? ContentHash : ContentHash + "~" + Variant;
}

/// <summary>What the cache holds for one clip.</summary>
public sealed record CachedFeatures(FeatureVector Vector, FeatureImages? Images);

/// <summary>Which shard of a run this is: the <see cref="Index"/>-th (1-based) of <see cref="Count"/> parts.
/// Files are assigned by their content hash, so the assignment is stable across machines, paths and runs.</summary>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>Parses "i/n" (1 ≤ i ≤ n).</summary>
    public static ShardSpec Parse(string text)
    {
        var parts = (text ?? "").Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n < 1 || i < 1 || i > n)
            throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, $"invalid shard '{text}': expected i/n with 1 <= i <= n, e.g. 2/4");
        return new ShardSpec(i, n);
    }

    /// <summary>Whether a file with this content hash belongs to this shard.</summary>
    public bool Contains(string contentHash)
    {
        ulong h = Convert.ToUInt64(contentHash[..16], 16);
        return (int)(h % (ulong)Count) == Index - 1;
    }

    public override string ToString() => $"{Index}/{Count}";
}

/// <summary>
/// A feature cache on disk, keyed by the audio's content hash and the extractor configuration, so re-runs
/// only featurise new or changed audio (a renamed or moved file is still a hit; an edited file or any change
/// of options, feature set, image sizes, loader options or <see cref="CodeVersion"/> is a miss).
/// <para>Layout: <c>&lt;root&gt;/&lt;config hash&gt;/config.json</c> (what the configuration is),
/// <c>names.txt</c> (the feature names), and per clip <c>&lt;hh&gt;/&lt;content hash&gt;[~variant].vec.npy</c>
/// (float64 vector) and, when 2D arrays were asked for, <c>…/&lt;stem&gt;.&lt;image hash&gt;.npz</c> (float32
/// spectrogram_db, mfcc, mel_db; readable one clip at a time, also by numpy).</para>
/// <para>Every file is written to a unique temporary file and renamed into place, so readers never see a
/// partial entry and concurrent writers of the same entry (which write identical bytes) are safe; arrays are
/// renamed in before the vector, whose presence marks a complete entry.</para>
/// </summary>
public sealed class FeatureCache
{
    /// <summary>Version of the feature code; part of every configuration hash. Bump it when features change.</summary>
    public const string CodeVersion = "mmcs-featurize-5";

    private readonly Dictionary<string, string[]> _names = new(StringComparer.Ordinal);

    public FeatureCache(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Root = Path.GetFullPath(directory);
    }

    /// <summary>The cache folder.</summary>
    public string Root { get; }

    /// <summary>Env MMCS_CACHE_DIR, else .mmcs/cache under the current directory.</summary>
    public static string DefaultDirectory
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("MMCS_CACHE_DIR");
            return string.IsNullOrWhiteSpace(env) ? Path.Combine(".mmcs", "cache") : env;
        }
    }

    /// <summary>SHA-256 of a file's bytes, lower-case hex.</summary>
    public static string HashFile(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Convert.ToHexStringLower(SHA256.HashData(fs));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new AudioFileNotFoundException(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new AudioInvalidException(path, "cannot be opened (permission denied)", e);
        }
    }

    /// <summary>The hash of everything that determines the 1D features: <see cref="CodeVersion"/>, the
    /// featuriser's type, <see cref="FeaturizerOptions"/>, the set, the loader options and any extra text.</summary>
    public static string ConfigHash(string featurizerId, FeaturizerOptions options, FeatureSetKind set, AudioLoaderOptions? loader = null, string? extra = null)
    {
        loader ??= new AudioLoaderOptions();
        var text = new StringBuilder();
        text.Append(CodeVersion).Append('\n').Append(featurizerId).Append('\n');
        text.Append(JsonSerializer.Serialize(options)).Append('\n');
        text.Append(set).Append('\n');
        text.Append(JsonSerializer.Serialize(loader.Resampler)).Append('\n');
        text.Append(Core.Invariant.Format(loader.SilencePeak)).Append('\n');
        text.Append(extra ?? "");
        return Hash(text.ToString());
    }

    /// <summary>The hash of the 2D array sizes, combined with a configuration hash.</summary>
    public static string ImageHash(string configHash, ImageOptions images) =>
        Hash(configHash + "\n" + JsonSerializer.Serialize(images))[..16];

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];

    private string ConfigDir(string configHash) => Path.Combine(Root, configHash);

    private string EntryBase(CacheKey key)
    {
        if (key.Variant.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ArgumentException($"invalid cache variant '{key.Variant}'");
        return Path.Combine(ConfigDir(key.ConfigHash), key.ContentHash[..2], key.Stem);
    }

    /// <summary>The vector file of an entry.</summary>
    public string VectorPath(CacheKey key) => EntryBase(key) + ".vec.npy";

    /// <summary>The 2D-array file of an entry for some image sizes.</summary>
    public string ImagesPath(CacheKey key, ImageOptions images) => EntryBase(key) + "." + ImageHash(key.ConfigHash, images) + ".npz";

    /// <summary>Records what a configuration is (config.json) and its feature names (names.txt), once.</summary>
    public void Describe(string configHash, object description, IReadOnlyList<string> featureNames)
    {
        string dir = ConfigDir(configHash);
        Directory.CreateDirectory(dir);
        string json = Path.Combine(dir, "config.json");
        if (!File.Exists(json))
            AtomicWrite(json, s => JsonSerializer.Serialize(s, description, new JsonSerializerOptions { WriteIndented = true }));
        string names = Path.Combine(dir, "names.txt");
        if (!File.Exists(names))
            AtomicWrite(names, s => s.Write(Encoding.UTF8.GetBytes(string.Join('\n', featureNames) + "\n")));
        lock (_names) _names[configHash] = featureNames.ToArray();
    }

    /// <summary>Looks an entry up: the vector, and the arrays when <paramref name="images"/> is given (a miss when they are absent).</summary>
    public bool TryGet(CacheKey key, ImageOptions? images, out CachedFeatures? features)
    {
        features = null;
        string vec = VectorPath(key);
        if (!File.Exists(vec)) return false;
        string? img = images == null ? null : ImagesPath(key, images);
        if (img != null && !File.Exists(img)) return false;
        var names = Names(key.ConfigHash);
        if (names == null) return false;
        try
        {
            var values = Npy.Read(vec).ToDoubles();
            if (values.Length != names.Length) return false;
            FeatureImages? fi = null;
            if (img != null)
            {
                var arrays = Npz.Read(img);
                fi = new FeatureImages(Matrix(arrays, "spectrogram_db"), Matrix(arrays, "mfcc"), Matrix(arrays, "mel_db"));
            }
            features = new CachedFeatures(new FeatureVector(names, values), fi);
            return true;
        }
        catch (Exception e) when (e is Core.MmcsException or IOException or InvalidDataException or KeyNotFoundException)
        {
            return false; // damaged entry: treated as a miss and rewritten
        }
    }

    /// <summary>Stores an entry (arrays first, then the vector that marks it complete).</summary>
    public void Put(CacheKey key, ClipFeatures features, ImageOptions? images)
    {
        ArgumentNullException.ThrowIfNull(features);
        string vec = VectorPath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(vec)!);
        if (images != null && features.Images is { } fi)
        {
            Npz.Write(ImagesPath(key, images), new Dictionary<string, FeatureMatrix>
            {
                ["spectrogram_db"] = fi.SpectrogramDb,
                ["mfcc"] = fi.Mfcc,
                ["mel_db"] = fi.MelDb,
            });
        }
        AtomicWrite(vec, s => Npy.Write(s, features.Vector.Values, "<f8", features.Vector.Values.Length));
    }

    /// <summary>Number of complete entries (vectors) under a configuration, or under all when null.</summary>
    public int Count(string? configHash = null)
    {
        string dir = configHash == null ? Root : ConfigDir(configHash);
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.vec.npy", SearchOption.AllDirectories).Count() : 0;
    }

    /// <summary>Copies into this cache every file of another cache (e.g. a shard's, from another machine) that is
    /// not here yet; returns the number of files copied.</summary>
    public int MergeFrom(string otherCacheDirectory)
    {
        string other = Path.GetFullPath(otherCacheDirectory);
        if (!Directory.Exists(other)) throw new DirectoryNotFoundException($"{other}: no such cache folder");
        int copied = 0;
        // Arrays before vectors, so a vector never lands before its arrays.
        var files = Directory.EnumerateFiles(other, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .OrderBy(f => f.EndsWith(".vec.npy", StringComparison.Ordinal) ? 1 : 0)
            .ToList();
        foreach (string f in files)
        {
            string target = Path.Combine(Root, Path.GetRelativePath(other, f));
            if (File.Exists(target)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            string tmp = target + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            File.Copy(f, tmp);
            File.Move(tmp, target, overwrite: true);
            copied++;
        }
        return copied;
    }

    private string[]? Names(string configHash)
    {
        lock (_names)
        {
            if (_names.TryGetValue(configHash, out var n)) return n;
        }
        string file = Path.Combine(ConfigDir(configHash), "names.txt");
        if (!File.Exists(file)) return null;
        var names = File.ReadAllLines(file).Where(l => l.Length > 0).ToArray();
        lock (_names) _names[configHash] = names;
        return names;
    }

    private static FeatureMatrix Matrix(Dictionary<string, NpyArray> arrays, string name)
    {
        var a = arrays[name];
        if (a.Shape.Length != 2) throw new InvalidDataException($"{name} is not 2-D");
        return new FeatureMatrix(a.Shape[0], a.Shape[1], a.ToFloats());
    }

    private static void AtomicWrite(string path, Action<Stream> write)
    {
        string tmp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 14))
            {
                write(fs);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
