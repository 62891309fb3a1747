using Mmcs.Core;

namespace Mmcs.Pipelines.Schedule;

/// <summary>
/// An exclusive, cross-process lock on a pipeline (an OS file lock on .mmcs/locks/&lt;name&gt;.lock), so that a
/// scheduled run and a manual run never run the same pipeline at once. Released on dispose or when the process
/// dies (the OS drops the lock with the handle).
/// </summary>
public sealed class PipelineLock : IDisposable
{
    private readonly FileStream _stream;

    private PipelineLock(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Takes the lock, or returns null when another process holds it.</summary>
    public static PipelineLock? TryAcquire(string lockDirectory, string pipelineName)
    {
        Directory.CreateDirectory(lockDirectory);
        string safe = string.Concat(pipelineName.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_'));
        string path = System.IO.Path.Combine(lockDirectory, safe + ".lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            var owner = System.Text.Encoding.UTF8.GetBytes(
                $"pid {Environment.ProcessId} since {DateTimeOffset.UtcNow:O}\n");
            stream.Write(owner);
            stream.Flush();
            return new PipelineLock(stream, path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Takes the lock or throws a clear error naming who holds it.</summary>
    public static PipelineLock Acquire(string lockDirectory, string pipelineName) =>
        TryAcquire(lockDirectory, pipelineName)
        ?? throw new MmcsException(ErrorCodes.InvalidState,
            $"pipeline '{pipelineName}' is already running (lock {System.IO.Path.Combine(lockDirectory, pipelineName + ".lock")})");

    public void Dispose() => _stream.Dispose();
}
