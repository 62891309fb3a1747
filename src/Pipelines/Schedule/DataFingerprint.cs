using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mmcs.Pipelines.Schedule;

/// <summary>
/// A content fingerprint of a dataset folder: SHA-256 over every file's relative path and content hash, so a
/// scheduled run is skipped when nothing changed. Per-file hashes are remembered by (size, modification time) in a
/// small cache file, so unchanged files are not read again.
/// </summary>
public static class DataFingerprint
{
    private sealed record Entry(long Size, long ModifiedTicks, string Sha256);

    public static string Compute(string dataPath, string? cacheFile = null, CancellationToken cancellationToken = default)
    {
        // hidden files and folders are not data: a run started inside the data folder keeps its state (and a locked
        // lock file) in .mmcs/ there
        string top = Path.GetFullPath(dataPath);
        var files = File.Exists(dataPath)
            ? [dataPath]
            : Directory.EnumerateFiles(dataPath, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetRelativePath(top, Path.GetFullPath(f)).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
                .Order(StringComparer.Ordinal)
                .ToList();
        var cache = LoadCache(cacheFile);
        var updated = new Dictionary<string, Entry>(StringComparer.Ordinal);
        using var total = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string root = File.Exists(dataPath) ? Path.GetDirectoryName(Path.GetFullPath(dataPath))! : Path.GetFullPath(dataPath);
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(file);
            string full = info.FullName;
            string hash;
            try
            {
                hash = cache.TryGetValue(full, out var e) && e.Size == info.Length && e.ModifiedTicks == info.LastWriteTimeUtc.Ticks
                    ? e.Sha256
                    : HashFile(full);
                updated[full] = new Entry(info.Length, info.LastWriteTimeUtc.Ticks, hash);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // a dangling link or an unreadable file counts as such (the run reports it as a failed file); when it
                // becomes readable the fingerprint changes
                hash = "unreadable";
            }
            total.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(root, full).Replace('\\', '/') + "\0" + hash + "\n"));
        }
        SaveCache(cacheFile, updated);
        return Convert.ToHexStringLower(total.GetHashAndReset());
    }

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static Dictionary<string, Entry> LoadCache(string? path)
    {
        if (path is null || !File.Exists(path)) return new(StringComparer.Ordinal);
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path)) ?? new(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new(StringComparer.Ordinal); // a damaged cache only costs re-hashing
        }
    }

    private static void SaveCache(string? path, Dictionary<string, Entry> entries)
    {
        if (path is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, JsonSerializer.Serialize(entries));
        File.Move(temp, path, overwrite: true);
    }
}
