using System.IO.Compression;

namespace Mmcs.Featurize.Storage;

/// <summary>
/// NumPy .npz archives: a zip of .npy entries named &lt;array&gt;.npy, as numpy.savez (stored) or
/// numpy.savez_compressed (deflated) write them; <c>numpy.load(path)[name]</c> reads each array. Writes go to a
/// temporary file renamed into place. Single arrays can be read without reading the others.
/// </summary>
public static class Npz
{
    /// <summary>Writes named float32 matrices as 2-D arrays.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, FeatureMatrix>> matrices, bool compress = false) =>
        Write(path, matrices.Select(kv => new KeyValuePair<string, NpyArray>(kv.Key, new NpyArray("<f4", [kv.Value.Rows, kv.Value.Cols], kv.Value.Data))), compress);

    /// <summary>Writes named arrays (float32, float64 or int64 data with their shapes).</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, NpyArray>> arrays, bool compress = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(arrays);
        string tmp = FeatureTableIO.TempPathFor(path);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                Write(fs, arrays, compress);
            }
            File.Move(tmp, Path.GetFullPath(path), overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Writes an archive to a (seekable) stream.</summary>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, NpyArray>> arrays, bool compress = false)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, array) in arrays)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('/') || name.Contains('\\'))
                throw new ArgumentException($"invalid array name '{name}'");
            if (!names.Add(name)) throw new ArgumentException($"array '{name}' appears twice");
            var entry = zip.CreateEntry(name + ".npy", compress ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
            entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero); // deterministic bytes
            using var es = entry.Open();
            Npy.Write(es, array.Data, array.Descr, array.Shape);
        }
    }

    /// <summary>The names of the arrays in an archive.</summary>
    public static IReadOnlyList<string> Names(string path)
    {
        using var zip = OpenRead(path);
        return zip.Entries.Where(e => e.Name.EndsWith(".npy", StringComparison.Ordinal)).Select(e => e.FullName[..^4]).ToList();
    }

    /// <summary>Every array of an archive.</summary>
    public static Dictionary<string, NpyArray> Read(string path)
    {
        using var zip = OpenRead(path);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var e in zip.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
        {
            using var s = e.Open();
            result[e.FullName[..^4]] = Npy.Read(s, $"{path}:{e.FullName}");
        }
        return result;
    }

    /// <summary>One array of an archive.</summary>
    public static NpyArray Read(string path, string name)
    {
        using var zip = OpenRead(path);
        var e = zip.GetEntry(name + ".npy") ?? throw new NpyFormatException($"{path}: no array named '{name}'");
        using var s = e.Open();
        return Npy.Read(s, $"{path}:{name}.npy");
    }

    /// <summary>One array as a matrix (2-D float arrays only).</summary>
    public static FeatureMatrix ReadMatrix(string path, string name)
    {
        var a = Read(path, name);
        if (a.Shape.Length != 2) throw new NpyFormatException($"{path}:{name}: expected a 2-D array, shape is ({string.Join(", ", a.Shape)})");
        return new FeatureMatrix(a.Shape[0], a.Shape[1], a.ToFloats());
    }

    private static ZipArchive OpenRead(string path)
    {
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new NpyFormatException($"{path}: no such .npz file");
        }
        catch (InvalidDataException e)
        {
            throw new NpyFormatException($"{path}: not a .npz (zip) archive: {e.Message}");
        }
    }
}
