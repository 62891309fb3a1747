using System.Runtime.InteropServices;
using System.Text;

namespace Mmcs.Registry.FileStore;

/// <summary>
/// Crash- and race-safe file operations: whole-file writes go to a temporary file in the same folder that is then
/// renamed over the target; metric lines are appended with a single O_APPEND write; create-once files (params) are
/// published with a no-overwrite move so two writers cannot both win.
/// </summary>
internal static partial class AtomicFile
{
    private const string TempMarker = ".mmcs-tmp-";
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Whether a file name is one of our temporary files (left behind only by a crash); readers skip them.</summary>
    public static bool IsTemporary(string fileName) => fileName.StartsWith(TempMarker, StringComparison.Ordinal);

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Utf8.GetBytes(text));

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string temp = WriteTemp(path, bytes);
        try
        {
            Retry(() => File.Move(temp, path, overwrite: true));
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Creates <paramref name="path"/> with <paramref name="text"/> unless it exists; returns false (and leaves it) when it does.</summary>
    public static bool TryCreate(string path, string text)
    {
        if (File.Exists(path)) return false;
        string temp = WriteTemp(path, Utf8.GetBytes(text));
        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Copies a file so that the target appears complete or not at all.</summary>
    public static void Copy(string source, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string temp = TempName(target);
        try
        {
            File.Copy(source, temp, overwrite: true);
            Retry(() => File.Move(temp, target, overwrite: true));
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Appends <paramref name="line"/> (which ends with '\n') in one write, so concurrent appenders never interleave.</summary>
    public static void AppendLine(string path, string line)
    {
        byte[] bytes = Utf8.GetBytes(line);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (OperatingSystem.IsWindows())
        {
            // Windows: an exclusive handle serialises writers; retry while another holds it.
            Retry(() =>
            {
                using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
                fs.Write(bytes);
            }, attempts: 400);
            return;
        }
        UnixAppend(path, bytes);
    }

    public static string ReadAllText(string path) => File.ReadAllText(path, Utf8);

    private static string WriteTemp(string path, ReadOnlySpan<byte> bytes)
    {
        string dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        string temp = TempName(path);
        using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            fs.Write(bytes);
            fs.Flush(flushToDisk: false);
        }
        return temp;
    }

    private static string TempName(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, TempMarker + Path.GetFileName(path) + "-" + Guid.NewGuid().ToString("N")[..12]);

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void Retry(Action action, int attempts = 50)
    {
        for (int i = 1; ; i++)
        {
            try
            {
                action();
                return;
            }
            catch (Exception e) when (i < attempts && (e is IOException or UnauthorizedAccessException) && OperatingSystem.IsWindows())
            {
                Thread.Sleep(Math.Min(5 * i, 50));
            }
        }
    }

    // ---- POSIX append ----

    private static void UnixAppend(string path, byte[] bytes)
    {
        bool mac = OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsFreeBSD();
        int flags = mac ? 0x1 | 0x8 | 0x200 : 0x1 | 0x400 | 0x40 | 0x80000; // O_WRONLY|O_APPEND|O_CREAT (|O_CLOEXEC on Linux)
        int fd = Open(path, flags, Convert.ToInt32("666", 8));
        if (fd < 0)
            throw new IOException($"Cannot open {path} for appending (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            int written = 0;
            while (written < bytes.Length)
            {
                nint n;
                unsafe
                {
                    fixed (byte* p = &bytes[written])
                        n = Write(fd, p, (nuint)(bytes.Length - written));
                }
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == 4) continue; // EINTR
                    throw new IOException($"Cannot append to {path} (errno {errno})");
                }
                written += (int)n;
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

/// <summary>An exclusive cross-process lock held on a lock file (flock on Unix, a share-none handle on Windows).</summary>
internal sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static FileLock Acquire(string path, TimeSpan? timeout = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        int attempt = 0;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Math.Min(1 + attempt++ * 2, 25) + Random.Shared.Next(3));
            }
            catch (UnauthorizedAccessException) when (DateTime.UtcNow < deadline && OperatingSystem.IsWindows())
            {
                Thread.Sleep(10);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
