using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mmcs.Train.Models;

namespace Mmcs.Pipelines.Run;

/// <summary>
/// What finished stages of an unfinished pipeline run left behind (trained models and their reports), keyed by the
/// pipeline's training configuration and the data fingerprint, so that a re-run after a failure resumes instead of
/// training again. A run that ends well clears it.
/// </summary>
public sealed class StageCache
{
    public StageCache(string root, string key)
    {
        Directory = Path.Combine(root, key);
        Key = key;
    }

    public string Directory { get; }
    public string Key { get; }

    /// <summary>The key of a configuration: a hash of its JSON (only the parts that change what is trained) and the data.</summary>
    public static string KeyOf(object trainingConfiguration, string dataFingerprint)
    {
        string json = JsonSerializer.Serialize(trainingConfiguration);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(json + "\n" + dataFingerprint));
        return Convert.ToHexStringLower(hash)[..16];
    }

    private string StageDir(string stage) => Path.Combine(Directory, stage);

    /// <summary>The classifier a finished stage saved, or null.</summary>
    public IMoodClassifier? TryLoad(string stage)
    {
        string dir = StageDir(stage);
        if (!File.Exists(Path.Combine(dir, "done"))) return null;
        try
        {
            return ClassifierStore.Load(Path.Combine(dir, "model"));
        }
        catch (Exception e) when (e is Core.MmcsException or IOException or UnauthorizedAccessException)
        {
            return null; // a damaged (or vanishing) entry is retrained
        }
    }

    /// <summary>Saves a finished stage's classifier, atomically: a crash leaves no half entry.</summary>
    public void Save(string stage, IMoodClassifier classifier)
    {
        string final = StageDir(stage);
        string temp = final + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        System.IO.Directory.CreateDirectory(Path.Combine(temp, "model"));
        ClassifierStore.Save(classifier, Path.Combine(temp, "model"));
        File.WriteAllText(Path.Combine(temp, "done"), DateTimeOffset.UtcNow.ToString("O"));
        if (System.IO.Directory.Exists(final)) System.IO.Directory.Delete(final, recursive: true);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        System.IO.Directory.Move(temp, final);
    }

    /// <summary>Marks the entry as in use (its folder's time is now), so that no other run prunes it while this one
    /// resumes from it.</summary>
    public void Touch()
    {
        try
        {
            if (System.IO.Directory.Exists(Directory)) System.IO.Directory.SetLastWriteTimeUtc(Directory, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    public void Clear()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>How long an entry of another configuration is kept for a resume (a run that failed, then its pipeline
    /// was changed): after this it is an orphan.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromDays(14);

    /// <summary>
    /// Deletes the orphans under <paramref name="root"/>: entries (folders named by a 16-hex-digit key) other than
    /// <paramref name="keepKey"/> in which nothing was written for <paramref name="maxAge"/> (with the half-written
    /// ".tmp-" stage folders a crash may have left inside them). Other folders (locks, arrays) are not touched. Returns the folders removed; one that
    /// cannot be removed (in use, permissions) is left for the next run.
    /// </summary>
    public static IReadOnlyList<string> PruneStale(string root, string keepKey, TimeSpan maxAge, DateTimeOffset? now = null)
    {
        var removed = new List<string>();
        if (!System.IO.Directory.Exists(root)) return removed;
        var cutoff = (now ?? DateTimeOffset.UtcNow) - maxAge;
        foreach (var entry in new DirectoryInfo(root).EnumerateDirectories())
        {
            if (entry.Name == keepKey || !IsKey(entry.Name)) continue;
            try
            {
                // another pipeline may be saving into it right now (its temp folders come and go): then it is in use
                if (LastWrite(entry) >= cutoff.UtcDateTime) continue;
                entry.Delete(recursive: true);
                removed.Add(entry.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    // entry folders are KeyOf's 16 lower-case hex digits; stage temp folders live inside them
    private static bool IsKey(string name) => name.Length == 16 && name.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static DateTime LastWrite(DirectoryInfo dir)
    {
        var newest = dir.LastWriteTimeUtc;
        foreach (var info in dir.EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
            if (info.LastWriteTimeUtc > newest) newest = info.LastWriteTimeUtc;
        return newest;
    }
}
