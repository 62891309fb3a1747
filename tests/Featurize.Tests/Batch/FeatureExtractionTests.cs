using Mmcs.Core;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Augment;
using Mmcs.Featurize.Batch;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Tests.Audio;

namespace Mmcs.Featurize.Tests.Batch;

public class FeatureExtractionTests
{
    private static readonly FeaturizerOptions Opt = new() { ExcerptSeconds = 1.0 };

    private static float[] Noise(int n, int seed, float amp = 0.3f)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() * 2 - 1) * amp)).ToArray();
    }

    /// <summary>A mood folder: 3 happy + 2 sad good clips, plus a short, a corrupt, a silent and an empty file.</summary>
    private static TempDir MakeDataset()
    {
        var dir = new TempDir();
        for (int i = 0; i < 3; i++) WavWriter.Write(dir.File($"happy/h{i}.wav"), Noise(22050 * 2, i), 1, 22050);
        for (int i = 0; i < 2; i++) WavWriter.Write(dir.File($"sad/s{i}.wav"), Noise(44100 * 2 * 2, 10 + i), 2, 44100, WavEncoding.Float32);
        WavWriter.Write(dir.File("sad/short.wav"), Noise(11025, 20), 1, 22050);
        dir.Write("sad/corrupt.wav", WavWriter.ToBytes(Noise(100, 1), 1, 22050)[..30]);
        WavWriter.Write(dir.File("happy/silent.wav"), new float[22050 * 2], 1, 22050);
        dir.Write("happy/empty.wav", []);
        return dir;
    }

    private static FeatureExtractionRequest Request(TempDir data, string cache, string? table = null) => new()
    {
        Items = DatasetReader.Open(data.Path).Items,
        Options = Opt,
        CacheDirectory = cache,
        TablePath = table,
    };

    [Fact]
    public async Task A_dataset_becomes_rows_in_input_order_with_bad_files_reported_and_skipped()
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        var fake = new FakeFeaturizer(Opt);
        var s = await FeatureExtraction.RunAsync(Request(data, work.File("cache"), work.File("t.csv")), fake);
        Assert.Equal((9, 5, 1, 3), (s.Files, s.Succeeded, s.Skipped, s.Failed));
        Assert.Equal(5, s.RowsWritten);
        Assert.Equal(5, s.Computed);
        Assert.Contains("shorter than the 1 s excerpt", s.Skips.Single().Reason);
        Assert.Equal(
            [("corrupt.wav", ErrorCodes.AudioDecodeFailed), ("empty.wav", ErrorCodes.AudioInvalid), ("silent.wav", ErrorCodes.AudioInvalid)],
            s.Failures.Select(f => (Path.GetFileName(f.Path), f.ErrorCode)).OrderBy(x => x.Item1).ToArray());
        Assert.All(s.Failures, f => Assert.Contains(f.Path, f.Message));
        var t = FeatureTableIO.Read(work.File("t.csv"));
        Assert.Equal(["rms", "mean", "peak", "length"], t.FeatureNames);
        Assert.Equal(["happy/h0", "happy/h1", "happy/h2", "sad/s0", "sad/s1"], t.Rows.Select(r => r.Id).ToArray());
        Assert.Equal(new string?[] { "happy", "happy", "happy", "sad", "sad" }, t.Rows.Select(r => r.Label).ToList());
        Assert.All(t.Rows, r => Assert.Equal(22050, r.Values[3])); // 1 s excerpts at 22050 Hz
        string json = System.Text.Json.JsonSerializer.Serialize(s); // what `--json` prints
        Assert.Contains("\"Succeeded\":5", json);
        Assert.Contains("\"ErrorCode\":\"AUDIO_DECODE_FAILED\"", json);
    }

    [Fact]
    public async Task A_second_run_reads_everything_from_the_cache_and_a_changed_file_or_option_is_recomputed()
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        string cache = work.File("cache");
        var first = await FeatureExtraction.RunAsync(Request(data, cache, work.File("a.csv")), new FakeFeaturizer(Opt));
        var again = new FakeFeaturizer(Opt);
        var second = await FeatureExtraction.RunAsync(Request(data, cache, work.File("b.csv")), again);
        Assert.Equal(0, again.Calls);
        Assert.Equal((5, 0), (second.CacheHits, second.Computed));
        Assert.Equal(File.ReadAllText(work.File("a.csv")), File.ReadAllText(work.File("b.csv")));

        WavWriter.Write(data.File("happy/h1.wav"), Noise(22050 * 2, 99), 1, 22050); // new content
        var third = new FakeFeaturizer(Opt);
        var s3 = await FeatureExtraction.RunAsync(Request(data, cache), third);
        Assert.Equal((1, 4, 1), (third.Calls, s3.CacheHits, s3.Computed));

        var longer = Opt with { ExcerptSeconds = 1.5 };
        var fourth = new FakeFeaturizer(longer);
        var s4 = await FeatureExtraction.RunAsync(Request(data, cache) with { Options = longer }, fourth);
        Assert.Equal((5, 0), (fourth.Calls, s4.CacheHits));
        var fifth = new FakeFeaturizer(Opt);
        await FeatureExtraction.RunAsync(Request(data, cache) with { Set = FeatureSetKind.Full }, fifth);
        Assert.Equal(5, fifth.Calls);
    }

    [Fact]
    public async Task Parquet_output_and_any_parallelism_give_the_same_rows()
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        var one = await FeatureExtraction.RunAsync(Request(data, work.File("c1"), work.File("one.csv")) with { MaxDegreeOfParallelism = 1, FilesPerDecode = 1 }, new FakeFeaturizer(Opt));
        var four = await FeatureExtraction.RunAsync(Request(data, work.File("c4"), work.File("four.parquet")) with { MaxDegreeOfParallelism = 4, FilesPerDecode = 3 }, new FakeFeaturizer(Opt));
        var a = FeatureTableIO.Read(work.File("one.csv"));
        var b = FeatureTableIO.Read(work.File("four.parquet"));
        Assert.Equal(a.Rows.Select(r => r.Id), b.Rows.Select(r => r.Id));
        Assert.Equal(a.ToMatrix(), b.ToMatrix());
        Assert.Equal(one.Failed, four.Failed);
    }

    [Fact]
    public async Task Arrays_are_written_one_npz_per_clip_with_an_index()
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        string arrays = work.File("arrays");
        var s = await FeatureExtraction.RunAsync(Request(data, work.File("cache")) with { ArraysDirectory = arrays }, new FakeFeaturizer(Opt));
        var index = Csv.ReadFile(Path.Combine(arrays, "index.csv"));
        Assert.Equal(["id", "path", "label", "group", "song", "augmentation", "file"], index[0]);
        Assert.Equal(6, index.Count);
        Assert.Equal("happy/h0.npz", index[1][6]);
        var npz = Npz.Read(Path.Combine(arrays, "happy", "h0.npz"));
        Assert.Equal(["mel_db", "mfcc", "spectrogram_db"], npz.Keys.Order().ToArray());
        // From the cache the arrays come back too.
        Directory.Delete(arrays, true);
        var fake = new FakeFeaturizer(Opt);
        await FeatureExtraction.RunAsync(Request(data, work.File("cache")) with { ArraysDirectory = arrays }, fake);
        Assert.Equal(0, fake.Calls);
        Assert.True(File.Exists(Path.Combine(arrays, "sad", "s1.npz")));
    }

    [Fact]
    public async Task Augmented_copies_are_tagged_with_their_song_and_cached_separately()
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        var plan = AugmentationPlan.OriginalStudy(seed: 3);
        var req = Request(data, work.File("cache"), work.File("t.csv")) with { Augmentation = plan };
        var s = await FeatureExtraction.RunAsync(req, new FakeFeaturizer(Opt));
        Assert.Equal(15, s.RowsWritten);
        var t = FeatureTableIO.Read(work.File("t.csv"));
        Assert.Equal(["happy/h0", "happy/h0~noise", "happy/h0~shift"], t.Rows.Take(3).Select(r => r.Id).ToArray());
        Assert.All(t.Rows.Take(3), r => Assert.Equal("happy/h0", r.Song));
        Assert.Equal(new string?[] { null, "noise", "shift" }, t.Rows.Take(3).Select(r => r.Augmentation).ToList());
        Assert.NotEqual(t.Rows[0].Values[0], t.Rows[1].Values[0]); // noise changes the rms
        Assert.Equal(t.Rows[0].Values[0], t.Rows[2].Values[0], 6); // a circular shift does not

        var fake = new FakeFeaturizer(Opt);
        var again = await FeatureExtraction.RunAsync(req with { TablePath = work.File("t2.csv") }, fake);
        Assert.Equal((0, 15), (fake.Calls, again.CacheHits));
        Assert.Equal(File.ReadAllText(work.File("t.csv")), File.ReadAllText(work.File("t2.csv")));
    }

    [Fact]
    public async Task Shards_split_the_files_and_a_later_full_run_merges_them_from_the_cache()
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        string cache = work.File("cache");
        var s1 = await FeatureExtraction.RunAsync(Request(data, cache) with { Shard = ShardSpec.Parse("1/2") }, new FakeFeaturizer(Opt));
        var s2 = await FeatureExtraction.RunAsync(Request(data, cache) with { Shard = ShardSpec.Parse("2/2") }, new FakeFeaturizer(Opt));
        // Every file is in exactly one shard (by content hash).
        Assert.Equal(9, s1.Files + s1.FilesOutsideShard);
        Assert.Equal(9, s1.Files + s2.Files);
        Assert.Equal(5, s1.Computed + s2.Computed);
        var fake = new FakeFeaturizer(Opt);
        var all = await FeatureExtraction.RunAsync(Request(data, cache, work.File("all.csv")), fake);
        Assert.Equal((0, 5, 5), (fake.Calls, all.CacheHits, all.Succeeded));
    }

    [Fact]
    public async Task A_featuriser_error_on_one_clip_is_a_failure_and_the_rest_go_on()
    {
        using var data = new TempDir();
        using var work = new TempDir();
        var bad = Noise(22050 * 2, 1);
        bad[0] = 0.125f;
        WavWriter.Write(data.File("a.wav"), bad, 1, 22050, WavEncoding.Float32);
        WavWriter.Write(data.File("b.wav"), Noise(22050 * 2, 2), 1, 22050);
        var s = await FeatureExtraction.RunAsync(new FeatureExtractionRequest { Inputs = [data.Path], Options = Opt, CacheDirectory = null }, new FakeFeaturizer(Opt));
        Assert.Equal((1, 1), (s.Succeeded, s.Failed));
        Assert.Equal(ErrorCodes.InternalError, s.Failures[0].ErrorCode);
        Assert.Contains("fake featuriser failure", s.Failures[0].Message);
    }

    [Fact]
    public async Task Progress_counts_every_file_and_cancellation_leaves_no_table()
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        var reports = new List<ProgressUpdate>();
        var progress = new SyncProgress(u => { lock (reports) reports.Add(u); });
        await FeatureExtraction.RunAsync(Request(data, work.File("cache")), new FakeFeaturizer(Opt), progress);
        var feat = reports.Where(r => r.Task == "featurise").ToList();
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (double)i), feat.Select(r => r.Completed));
        Assert.All(feat, r => Assert.Equal(9, r.Total));

        using var cts = new CancellationTokenSource();
        var cancelling = new SyncProgress(u => { if (u.Task == "featurise" && u.Completed >= 2) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            FeatureExtraction.RunAsync(Request(data, work.File("cache2"), work.File("t.csv")) with { MaxDegreeOfParallelism = 1, FilesPerDecode = 1 }, new FakeFeaturizer(Opt), cancelling, cts.Token));
        Assert.Empty(Directory.GetFiles(work.Path));
    }

    [Fact]
    public async Task A_missing_ffmpeg_stops_the_run_with_a_missing_dependency()
    {
        using var data = new TempDir();
        data.Write("a.mp3", [0xFF, 0xFB, 0x90, 0x00, 1, 2, 3, 4]);
        var req = new FeatureExtractionRequest
        {
            Inputs = [data.Path],
            Options = Opt,
            CacheDirectory = null,
            Loader = new AudioLoaderOptions { Ffmpeg = new FfmpegOptions { ExecutablePath = "/no/such/ffmpeg" } },
        };
        await Assert.ThrowsAsync<MissingDependencyException>(() => FeatureExtraction.RunAsync(req, new FakeFeaturizer(Opt)));
    }

    [Fact]
    public async Task Bad_requests_are_refused()
    {
        await Assert.ThrowsAsync<MmcsException>(() => FeatureExtraction.RunAsync(new FeatureExtractionRequest { Options = Opt }, new FakeFeaturizer(Opt)));
        await Assert.ThrowsAsync<MmcsException>(() => FeatureExtraction.RunAsync(new FeatureExtractionRequest { Inputs = ["x.wav"] }, new FakeFeaturizer(Opt)));
    }

    private sealed class SyncProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }
}
