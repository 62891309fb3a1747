namespace Mmcs.Registry.FileStore;

public sealed partial class FileStore
{
    public void LogArtifact(string runId, string localPath, string? artifactPath = null)
    {
        string root = ArtifactRoot(runId, forWrite: true);
        ArtifactFiles.Upload(localPath, root, artifactPath);
    }

    public IReadOnlyList<ArtifactInfo> ListArtifacts(string runId, string? path = null) =>
        ArtifactFiles.List(ArtifactRoot(runId, forWrite: false), path);

    public string DownloadArtifacts(string runId, string path, string destinationDirectory) =>
        ArtifactFiles.Download(ArtifactRoot(runId, forWrite: false), path, destinationDirectory, runId);

    /// <summary>The local folder of a run's artifacts (its artifact_uri must be a file:// URI or a plain path).</summary>
    public string LocalArtifactDirectory(string runId) => ArtifactRoot(runId, forWrite: false);

    public string? TryGetLocalArtifactDirectory(string runId)
    {
        string dir = RunDir(runId);
        try
        {
            return Relocated(dir, ArtifactFiles.LocalRoot(ReadRunInfo(dir).Info.ArtifactUri));
        }
        catch (MlflowException e) when (e.ErrorCode == Core.ErrorCodes.InvalidParameterValue)
        {
            return null; // an artifact location this store cannot reach (e.g. file://host/…)
        }
    }

    private string ArtifactRoot(string runId, bool forWrite)
    {
        string dir = RunDir(runId);
        var (info, _) = ReadRunInfo(dir);
        if (forWrite) CheckActive(info);
        return Relocated(dir, ArtifactFiles.LocalRoot(info.ArtifactUri))
            ?? throw MlflowException.Invalid(
                $"Run {runId} has the artifact location '{info.ArtifactUri}', which the file store cannot reach: only file:// locations are supported.");
    }

    /// <summary>
    /// A store copied or moved to another folder (or machine) keeps the absolute artifact_uri its runs were created
    /// with. The run's own <c>artifacts</c> folder is used instead when that location is another file store's folder
    /// of the same run (…/&lt;experiment&gt;/&lt;run&gt;/artifacts beside a run meta.yaml: the original of a copy, which
    /// a copy must not read or write), or when the location is gone and the run's own folder exists (a moved store).
    /// Any other location (an artifact root outside the store, perhaps not made yet) is kept.
    /// </summary>
    private static string? Relocated(string runDir, string? recorded)
    {
        if (recorded == null) return null;
        string own = Path.Combine(runDir, "artifacts");
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(recorded));
        if (full == own) return own;
        string layout = Path.Combine(Path.GetFileName(Path.GetDirectoryName(runDir)!), Path.GetFileName(runDir), "artifacts");
        string? oldRunDir = Path.GetDirectoryName(full);
        bool sameRunElsewhere = full.EndsWith(Path.DirectorySeparatorChar + layout, StringComparison.Ordinal) && oldRunDir != null &&
                                File.Exists(Path.Combine(oldRunDir, "meta.yaml"));
        if (sameRunElsewhere) return own;
        return !Directory.Exists(full) && Directory.Exists(own) ? own : recorded;
    }
}

/// <summary>Artifact operations on a local artifact folder (shared by the file store and the REST store for file:// locations).</summary>
internal static class ArtifactFiles
{
    /// <summary>The local folder of a file:// (or scheme-less) artifact URI, else null.</summary>
    public static string? LocalRoot(string artifactUri)
    {
        if (artifactUri.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return FileStore.LocalPathFromUri(artifactUri);
        if (artifactUri.Length > 0 && (artifactUri[0] == '/' || (artifactUri.Length > 2 && artifactUri[1] == ':' && (artifactUri[2] == '\\' || artifactUri[2] == '/'))))
            return artifactUri;
        return null;
    }

    /// <summary>Checks an artifact path: relative, '/'-separated, no '..' segments. Returns it normalised (null or "" for the root).</summary>
    public static string Normalise(string? artifactPath)
    {
        if (string.IsNullOrEmpty(artifactPath)) return "";
        string p = artifactPath.Replace('\\', '/').Trim('/');
        if (p.Split('/').Any(s => s == ".."))
            throw MlflowException.Invalid($"Invalid artifact path '{artifactPath}': it must not contain '..'.");
        if (Path.IsPathRooted(p) || p.Contains(':', StringComparison.Ordinal))
            throw MlflowException.Invalid($"Invalid artifact path '{artifactPath}': it must be relative.");
        return string.Join('/', p.Split('/').Where(s => s.Length > 0 && s != "."));
    }

    public static string Combine(string root, string relative) =>
        relative.Length == 0 ? root : Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static void Upload(string localPath, string root, string? artifactPath)
    {
        string rel = Normalise(artifactPath);
        string targetDir = Combine(root, rel);
        if (File.Exists(localPath))
        {
            AtomicFile.Copy(localPath, Path.Combine(targetDir, Path.GetFileName(localPath)));
        }
        else if (Directory.Exists(localPath))
        {
            string full = Path.GetFullPath(localPath).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            CopyTree(full, Path.Combine(targetDir, Path.GetFileName(full)));
        }
        else
        {
            throw MlflowException.NotFound($"Cannot log artifact '{localPath}': no such file or folder.");
        }
    }

    public static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            AtomicFile.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
    }

    public static IReadOnlyList<ArtifactInfo> List(string root, string? path)
    {
        string rel = Normalise(path);
        string dir = Combine(root, rel);
        if (!Directory.Exists(dir)) return [];
        var result = new List<ArtifactInfo>();
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            if (entry is FileInfo && AtomicFile.IsTemporary(entry.Name)) continue;
            string p = rel.Length == 0 ? entry.Name : rel + "/" + entry.Name;
            result.Add(entry is FileInfo f ? new ArtifactInfo(p, false, f.Length) : new ArtifactInfo(p, true, null));
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return result;
    }

    public static string Download(string root, string path, string destinationDirectory, string runId)
    {
        string rel = Normalise(path);
        string source = Combine(root, rel);
        Directory.CreateDirectory(destinationDirectory);
        if (File.Exists(source))
        {
            string target = Path.Combine(destinationDirectory, Path.GetFileName(source));
            AtomicFile.Copy(source, target);
            return target;
        }
        if (Directory.Exists(source))
        {
            string target = rel.Length == 0 ? destinationDirectory : Path.Combine(destinationDirectory, Path.GetFileName(source));
            CopyTree(source, target);
            return target;
        }
        throw MlflowException.NotFound($"Artifact '{path}' of run {runId} does not exist.");
    }
}
