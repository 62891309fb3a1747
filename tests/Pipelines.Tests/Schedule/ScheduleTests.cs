using Mmcs.Core;
using Mmcs.Pipelines.Schedule;

namespace Mmcs.Pipelines.Tests.Schedule;

public sealed class ScheduleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-schedule-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Cron_expressions_parse_with_five_or_six_fields_and_give_the_next_occurrence()
    {
        var weekly = CronSchedule.Parse("0 3 * * 0");
        var next = weekly.GetNextOccurrence(new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2026, 11, 29, 3, 0, 0, DateTimeKind.Utc), next);
        var everySecond = CronSchedule.Parse("* * * * * *");
        Assert.NotNull(everySecond.GetNextOccurrence(DateTime.UtcNow));
    }

    [Theory]
    [InlineData("every sunday")]
    [InlineData("61 * * * *")]
    [InlineData("")]
    public void A_bad_cron_expression_is_a_clear_error(string expression)
    {
        var e = Assert.Throws<MmcsException>(() => CronSchedule.Parse(expression));
        Assert.Contains("not a valid cron expression", e.Message);
    }

    [Fact]
    public void The_pipeline_lock_is_exclusive_until_released()
    {
        string locks = Path.Combine(_dir, "locks");
        using (var first = PipelineLock.TryAcquire(locks, "demo"))
        {
            Assert.NotNull(first);
            Assert.Null(PipelineLock.TryAcquire(locks, "demo"));
            Assert.NotNull(PipelineLock.TryAcquire(locks, "other"));
            var e = Assert.Throws<MmcsException>(() => PipelineLock.Acquire(locks, "demo"));
            Assert.Contains("already running", e.Message);
        }
        using var again = PipelineLock.TryAcquire(locks, "demo");
        Assert.NotNull(again);
    }

    [Fact]
    public void The_data_fingerprint_changes_with_content_and_not_with_a_touch()
    {
        string data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(Path.Combine(data, "happy"));
        File.WriteAllText(Path.Combine(data, "happy", "a.wav"), "aaa");
        string cache = Path.Combine(_dir, "fp-cache.json");
        string first = DataFingerprint.Compute(data, cache);
        File.SetLastWriteTimeUtc(Path.Combine(data, "happy", "a.wav"), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(first, DataFingerprint.Compute(data, cache));
        File.WriteAllText(Path.Combine(data, "happy", "a.wav"), "aab");
        string changed = DataFingerprint.Compute(data, cache);
        Assert.NotEqual(first, changed);
        File.WriteAllText(Path.Combine(data, "happy", "b.wav"), "new");
        Assert.NotEqual(changed, DataFingerprint.Compute(data, cache));
    }

    [Fact]
    public async Task A_tick_runs_when_data_changed_skips_when_unchanged_and_skips_when_busy()
    {
        string fingerprint = "v1";
        int runs = 0;
        var scheduler = new PipelineScheduler(CronSchedule.Parse("0 3 * * 0"), TimeZoneInfo.Utc, "demo",
            Path.Combine(_dir, "state"), Path.Combine(_dir, "locks"), () => fingerprint,
            _ => { runs++; return Task.CompletedTask; });
        Assert.Equal(TickOutcome.Ran, (await scheduler.TickAsync(default)).Outcome);
        Assert.Equal(TickOutcome.SkippedUnchanged, (await scheduler.TickAsync(default)).Outcome);
        fingerprint = "v2";
        using (PipelineLock.Acquire(Path.Combine(_dir, "locks"), "demo"))
        {
            Assert.Equal(TickOutcome.SkippedBusy, (await scheduler.TickAsync(default)).Outcome);
        }
        Assert.Equal(TickOutcome.Ran, (await scheduler.TickAsync(default)).Outcome);
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task A_failed_run_is_reported_and_retried_at_the_next_tick()
    {
        bool fail = true;
        var scheduler = new PipelineScheduler(CronSchedule.Parse("0 3 * * 0"), TimeZoneInfo.Utc, "demo",
            Path.Combine(_dir, "state"), Path.Combine(_dir, "locks"), () => "same",
            _ => fail ? throw new InvalidOperationException("stage train failed") : Task.CompletedTask);
        var report = await scheduler.TickAsync(default);
        Assert.Equal(TickOutcome.Failed, report.Outcome);
        Assert.Contains("stage train failed", report.Message);
        fail = false;
        Assert.Equal(TickOutcome.Ran, (await scheduler.TickAsync(default)).Outcome);
    }

    [Fact]
    public async Task The_scheduler_loop_fires_on_the_cron_and_stops_when_cancelled()
    {
        int runs = 0;
        var ticks = new List<TickReport>();
        var scheduler = new PipelineScheduler(CronSchedule.Parse("* * * * * *"), TimeZoneInfo.Utc, "loop",
            Path.Combine(_dir, "state"), Path.Combine(_dir, "locks"), () => "unchanged",
            _ => { Interlocked.Increment(ref runs); return Task.CompletedTask; });
        // Cancelled from inside the third tick (a 60 s guard only for a stalled machine): no wall-clock count of ticks,
        // which a busy CI machine made flaky.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await scheduler.RunAsync(t =>
            {
                lock (ticks)
                {
                    ticks.Add(t);
                    if (ticks.Count == 3) cts.Cancel();
                }
            }, _ => { }, cts.Token);
        }
        catch (OperationCanceledException)
        {
            // cancelled while waiting for the next second: as good as returning
        }
        Assert.Equal(3, ticks.Count);
        Assert.Equal(1, runs);
        Assert.All(ticks.Skip(1), t => Assert.Equal(TickOutcome.SkippedUnchanged, t.Outcome));
    }

    /// <summary>A clock that jumps to the end of every timer it is asked for, recording how long each was.</summary>
    private sealed class JumpingClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now = start;
        public readonly List<TimeSpan> Waits = [];

        public override DateTimeOffset GetUtcNow() => Now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
            {
                // the system's timers refuse waits above 4294967294 ms; so does this clock
                ArgumentOutOfRangeException.ThrowIfGreaterThan(dueTime.TotalMilliseconds, 4294967294.0, nameof(dueTime));
                Waits.Add(dueTime);
                Now += dueTime;
                ThreadPool.QueueUserWorkItem(_ => callback(state));
            }
            return new NoTimer();
        }

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_next_run_half_a_year_away_is_waited_for_a_day_at_a_time_and_then_ticks()
    {
        var clock = new JumpingClock(new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.Zero));
        var scheduler = new PipelineScheduler(CronSchedule.Parse("0 0 1 6 *"), TimeZoneInfo.Utc, "yearly",
            Path.Combine(_dir, "state"), Path.Combine(_dir, "locks"), () => "same", _ => Task.CompletedTask, clock);
        using var cts = new CancellationTokenSource();
        var ticks = new List<TickReport>();
        await scheduler.RunAsync(t => { ticks.Add(t); cts.Cancel(); }, _ => { }, cts.Token);
        Assert.Equal(new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero), Assert.Single(ticks).At);
        Assert.True(clock.Waits.Count > 150, $"{clock.Waits.Count} waits");
        Assert.All(clock.Waits, w => Assert.True(w <= TimeSpan.FromDays(1), w.ToString()));
    }

    [Fact]
    public async Task A_data_folder_that_cannot_be_read_fails_the_tick_and_the_next_tick_still_runs()
    {
        bool broken = true;
        var scheduler = new PipelineScheduler(CronSchedule.Parse("0 3 * * 0"), TimeZoneInfo.Utc, "demo",
            Path.Combine(_dir, "state"), Path.Combine(_dir, "locks"),
            () => broken ? throw new DirectoryNotFoundException("data/happy vanished") : "v1", _ => Task.CompletedTask);
        var failed = await scheduler.TickAsync(default);
        Assert.Equal(TickOutcome.Failed, failed.Outcome);
        Assert.Contains("cannot read the data: data/happy vanished", failed.Message);
        broken = false;
        Assert.Equal(TickOutcome.Ran, (await scheduler.TickAsync(default)).Outcome);
    }

    [Fact]
    public void The_data_fingerprint_ignores_hidden_folders_and_counts_a_dangling_link_as_unreadable()
    {
        string data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(Path.Combine(data, "happy"));
        File.WriteAllText(Path.Combine(data, "happy", "a.wav"), "aaa");
        string first = DataFingerprint.Compute(data);
        string state = Path.Combine(data, ".mmcs", "pipelines", "locks");
        Directory.CreateDirectory(state);
        File.WriteAllText(Path.Combine(state, "demo.lock"), "");
        using (PipelineLock.Acquire(state, "held"))
        {
            Assert.Equal(first, DataFingerprint.Compute(data));
        }
        File.CreateSymbolicLink(Path.Combine(data, "happy", "gone.wav"), Path.Combine(_dir, "nowhere.wav"));
        string withLink = DataFingerprint.Compute(data);
        Assert.NotEqual(first, withLink);
        Assert.Equal(withLink, DataFingerprint.Compute(data));
        File.WriteAllText(Path.Combine(_dir, "nowhere.wav"), "now here");
        Assert.NotEqual(withLink, DataFingerprint.Compute(data));
    }

    [Fact]
    public void The_schedule_fingerprint_changes_with_the_pipeline_settings_and_the_tracking_store_not_only_the_data()
    {
        string data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(Path.Combine(data, "happy"));
        File.WriteAllText(Path.Combine(data, "happy", "a.wav"), "aaa");
        const string yaml = "name: p\ndataset:\n  reader: folder\ntrain:\n  automl:\n    trainers: [lightgbm, rbf_svm]\n";
        var loaded = Mmcs.Pipelines.Definition.PipelineLoader.Parse(yaml, "p.yaml", _dir);
        string fp = ScheduledPipeline.Fingerprint(loaded, data, "/tmp/store-a");
        Assert.Equal(fp, ScheduledPipeline.Fingerprint(Mmcs.Pipelines.Definition.PipelineLoader.Parse(yaml, "p.yaml", _dir), data, "/tmp/store-a"));
        Assert.NotEqual(fp, ScheduledPipeline.Fingerprint(Mmcs.Pipelines.Definition.PipelineLoader.Parse(yaml, "p.yaml", _dir, ["train.automl.trainers=[lightgbm]"]), data, "/tmp/store-a"));
        Assert.NotEqual(fp, ScheduledPipeline.Fingerprint(loaded, data, "/tmp/store-b"));
        File.WriteAllText(Path.Combine(data, "happy", "a.wav"), "aab");
        Assert.NotEqual(fp, ScheduledPipeline.Fingerprint(loaded, data, "/tmp/store-a"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../evil")]
    [InlineData(".hidden")]
    public void A_pipeline_name_that_is_not_a_file_name_cannot_name_a_schedule(string name)
    {
        Assert.Throws<MmcsException>(() => new PipelineScheduler(CronSchedule.Parse("0 3 * * 0"), TimeZoneInfo.Utc, name,
            Path.Combine(_dir, "state"), Path.Combine(_dir, "locks"), () => "x", _ => Task.CompletedTask));
    }

    [Fact]
    public void Cron_macros_parse()
    {
        Assert.Equal(new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc),
            CronSchedule.Parse("@daily").GetNextOccurrence(new DateTime(2026, 12, 2, 3, 0, 0, DateTimeKind.Utc)));
    }
}
