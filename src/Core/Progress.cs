namespace Mmcs.Core;

/// <summary>
/// One progress report of a long operation. Long operations take an <see cref="IProgress{T}"/> of this
/// (and a CancellationToken): the CLI renders bars, the web ignores it, tests stay quiet.
/// </summary>
/// <param name="Task">What is being done, e.g. "featurise".</param>
/// <param name="Completed">Units done so far.</param>
/// <param name="Total">Units in all, or 0 when unknown.</param>
/// <param name="Message">Optional detail (the current file, a metric).</param>
public readonly record struct ProgressUpdate(string Task, double Completed, double Total, string? Message = null);

/// <summary>Progress sinks.</summary>
public static class Progress
{
    /// <summary>A sink that drops every report.</summary>
    public static IProgress<ProgressUpdate> None { get; } = new NullProgress();

    private sealed class NullProgress : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value)
        {
        }
    }
}
