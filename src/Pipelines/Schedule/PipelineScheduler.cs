using System.Text.Json;
using Cronos;
using Mmcs.Core;

namespace Mmcs.Pipelines.Schedule;

/// <summary>What one scheduled tick did.</summary>
public enum TickOutcome
{
    Ran,
    Failed,
    SkippedUnchanged,
    SkippedBusy,
}

/// <summary>A report of one tick.</summary>
public sealed record TickReport(DateTimeOffset At, TickOutcome Outcome, string Message);

/// <summary>Parses cron expressions (5 fields, or 6 with seconds first) with a clear error.</summary>
public static class CronSchedule
{
    public static CronExpression Parse(string expression)
    {
        var trimmed = expression.Trim();
        int fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(trimmed, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"--cron '{expression}' is not a valid cron expression (minute hour day-of-month month day-of-week, " +
                $"e.g. \"0 3 * * 0\" = Sundays at 03:00): {e.Message}");
        }
    }
}

/// <summary>
/// Runs a pipeline on a cron schedule as a long-running process: at each occurrence, skips the run when the fingerprint
/// (the data's content and what would run: <see cref="ScheduledPipeline.Fingerprint"/>) equals that of the last successful run, and never runs two at once (the pipeline lock, which
/// manual runs take too). State lives in a small JSON file.
/// </summary>
public sealed class PipelineScheduler
{
    private readonly CronExpression _cron;
    private readonly TimeZoneInfo _zone;
    private readonly string _pipelineName;
    private readonly string _stateFile;
    private readonly string _lockDirectory;
    private readonly Func<string> _fingerprint;
    private readonly Func<CancellationToken, Task> _run;
    private readonly TimeProvider _time;

    public PipelineScheduler(CronExpression cron, TimeZoneInfo zone, string pipelineName, string stateDirectory,
        string lockDirectory, Func<string> fingerprint, Func<CancellationToken, Task> run, TimeProvider? time = null)
    {
        _cron = cron;
        _zone = zone;
        _pipelineName = pipelineName;
        if (!Definition.PipelineDefinition.IsFileSafeName(pipelineName))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"'{pipelineName}' cannot name a schedule's state file");
        _stateFile = Path.Combine(stateDirectory, pipelineName + ".schedule.json");
        _lockDirectory = lockDirectory;
        _fingerprint = fingerprint;
        _run = run;
        _time = time ?? TimeProvider.System;
    }

    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private sealed record State(string? LastFingerprint, DateTimeOffset? LastRun);

    /// <summary>The next occurrence after <paramref name="from"/>.</summary>
    public DateTimeOffset? Next(DateTimeOffset from) => _cron.GetNextOccurrence(from, _zone);

    /// <summary>Waits for each occurrence and ticks, until cancelled.</summary>
    public async Task RunAsync(Action<TickReport> onTick, Action<DateTimeOffset> onWaiting, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            var next = Next(now) ?? throw new MmcsException(ErrorCodes.InvalidParameterValue, "the cron expression never fires again");
            onWaiting(next);
            // at most a day at a time: a timer cannot wait longer than about 49.7 days (a yearly "0 0 1 6 *" would throw),
            // and the clock is read again after each wait
            for (var delay = next - now; delay > TimeSpan.Zero; delay = next - _time.GetUtcNow())
                await Task.Delay(delay < MaxWait ? delay : MaxWait, _time, cancellationToken);
            onTick(await TickAsync(cancellationToken));
        }
    }

    /// <summary>One occurrence: skip if unchanged or busy, else run and remember the fingerprint on success.</summary>
    public async Task<TickReport> TickAsync(CancellationToken cancellationToken)
    {
        var at = _time.GetUtcNow();
        string fingerprint;
        try
        {
            fingerprint = _fingerprint();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or MmcsException)
        {
            // a file that vanished mid-scan or a folder that cannot be read fails this tick, not the scheduler
            return new TickReport(at, TickOutcome.Failed, $"cannot read the data: {e.Message}");
        }
        var state = Load();
        if (state.LastFingerprint == fingerprint)
            return new TickReport(at, TickOutcome.SkippedUnchanged, $"data and pipeline unchanged since the run of {state.LastRun:u}");
        using var gate = PipelineLock.TryAcquire(_lockDirectory, _pipelineName);
        if (gate is null)
            return new TickReport(at, TickOutcome.SkippedBusy, $"pipeline '{_pipelineName}' is already running");
        try
        {
            await _run(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new TickReport(at, TickOutcome.Failed, e.Message);
        }
        Save(new State(fingerprint, at));
        return new TickReport(at, TickOutcome.Ran, "pipeline finished");
    }

    private State Load()
    {
        if (!File.Exists(_stateFile)) return new State(null, null);
        try
        {
            return JsonSerializer.Deserialize<State>(File.ReadAllText(_stateFile)) ?? new State(null, null);
        }
        catch (JsonException)
        {
            return new State(null, null);
        }
    }

    private void Save(State state)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_stateFile)!);
        string temp = _stateFile + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, JsonSerializer.Serialize(state));
        File.Move(temp, _stateFile, overwrite: true);
    }
}
