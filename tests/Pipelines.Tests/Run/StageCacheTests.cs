using Mmcs.Pipelines.Run;

namespace Mmcs.Pipelines.Tests.Run;

public sealed class StageCacheTests : IDisposable
{
    private readonly TempDir _tmp = new("mmcs-stagecache");

    public void Dispose() => _tmp.Dispose();

    private string Entry(string name, DateTime written)
    {
        string dir = _tmp.File(name);
        Directory.CreateDirectory(Path.Combine(dir, "train_1d"));
        string file = Path.Combine(dir, "train_1d", "done");
        File.WriteAllText(file, "x");
        foreach (var path in new[] { file, Path.Combine(dir, "train_1d"), dir })
        {
            if (File.Exists(path)) File.SetLastWriteTimeUtc(path, written);
            else Directory.SetLastWriteTimeUtc(path, written);
        }
        return dir;
    }

    [Fact]
    public void Pruning_removes_old_entries_of_other_configurations_and_keeps_the_current_recent_and_foreign_folders()
    {
        var now = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var old = now.UtcDateTime.AddDays(-20);
        string current = Entry("0123456789abcdef", old);          // this run's key: kept however old
        string orphan = Entry("fedcba9876543210", old);           // another configuration, untouched for 20 days
        string recent = Entry("00000000aaaaaaaa", now.UtcDateTime.AddDays(-2)); // another configuration, failed 2 days ago: resumable
        string locks = Entry("locks", old);                        // not an entry
        string arrays = Entry("arrays", old);
        string partlyNew = Entry("1111111111111111", old);         // an old entry with one file written yesterday
        File.WriteAllText(Path.Combine(partlyNew, "train_1d", "late"), "y");
        File.SetLastWriteTimeUtc(Path.Combine(partlyNew, "train_1d", "late"), now.UtcDateTime.AddDays(-1));

        var removed = StageCache.PruneStale(_tmp.Path, "0123456789abcdef", TimeSpan.FromDays(14), now);

        Assert.Equal(new[] { orphan }, removed);
        Assert.False(Directory.Exists(orphan));
        Assert.All(new[] { current, recent, locks, arrays, partlyNew }, d => Assert.True(Directory.Exists(d), d));
        Assert.Empty(StageCache.PruneStale(_tmp.Path, "0123456789abcdef", TimeSpan.FromDays(14), now));
        Assert.Empty(StageCache.PruneStale(_tmp.File("absent"), "0123456789abcdef", TimeSpan.FromDays(14), now));
    }

    [Fact]
    public void A_run_that_resumes_from_an_old_entry_touches_it_so_that_another_pipeline_does_not_prune_it()
    {
        string old = Entry("abcdefabcdefabcd", DateTime.UtcNow.AddDays(-20));
        new StageCache(_tmp.Path, "abcdefabcdefabcd").Touch();
        Assert.Empty(StageCache.PruneStale(_tmp.Path, "0000000000000000", TimeSpan.FromDays(14)));
        Assert.True(Directory.Exists(old));
        new StageCache(_tmp.Path, "ffffffffffffffff").Touch(); // no entry yet: nothing to touch, no error
        Assert.False(Directory.Exists(_tmp.File("ffffffffffffffff")));
    }
}
