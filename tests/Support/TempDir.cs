namespace Mmcs.Tests.Support;

/// <summary>
/// A new, empty temporary folder, deleted with everything in it on dispose (a test class holds one as a field and is
/// IDisposable, or a test says <c>using var tmp = new TempDir();</c>).
/// </summary>
public sealed class TempDir : IDisposable
{
    /// <param name="prefix">The start of the folder's name, so that one left behind says which tests made it.</param>
    public TempDir(string prefix = "mmcs-tests")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The path of <paramref name="name"/> (a file or a folder, possibly nested) inside the folder; nothing is created.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> inside the folder, creating its folders; returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        string path = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a file still open (Windows) or a test that removed the folder itself: nothing to clean up that matters
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
