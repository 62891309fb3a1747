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
    public async Task Texture_windows_give_one_row_per_window_of_the_clip_and_of_each_copy_and_are_cached()
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        var windows = new TextureWindows(0.4, 0.2); // a 1 s excerpt: windows at 0, 0.2, 0.4 and 0.6 s
        var plan = AugmentationPlan.OriginalStudy(seed: 3);
        var req = Request(data, work.File("cache"), work.File("t.csv")) with { Windows = windows, Augmentation = plan };
        var clips = new List<ExtractedClip>();
        var s = await FeatureExtraction.RunAsync(req, new FakeFeaturizer(Opt), (c, _) => { clips.Add(c); return ValueTask.CompletedTask; });
        Assert.Equal(4, windows.Count(Opt));
        Assert.Equal(5 * 3 * 4, s.RowsWritten);
        var t = FeatureTableIO.Read(work.File("t.csv"));
        Assert.Equal(["happy/h0@w0", "happy/h0@w1", "happy/h0@w2", "happy/h0@w3", "happy/h0~noise@w0"], t.Rows.Take(5).Select(r => r.Id).ToArray());
        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], clips.Take(12).Select(c => c.Window!.Value).ToArray());
        Assert.All(t.Rows.Take(12), r => Assert.Equal(("happy/h0", "happy"), (r.Song, r.Label)));
        Assert.All(t.Rows, r => Assert.Equal((int)Math.Round(0.4 * 22050), (int)r.Values[3])); // every row is one window long

        // each row is the featuriser's answer for exactly that window of the excerpt
        var excerpt = new AudioLoader(Opt).LoadExcerpt(data.File("happy/h0.wav"));
        var fake = new FakeFeaturizer(Opt);
        for (int k = 0; k < 4; k++)
            Assert.Equal(fake.Extract(windows.Cut(excerpt, k, Opt), FeatureSetKind.Seed).Vector.Values, t.Rows[k].Values);
        Assert.NotEqual(t.Rows[0].Values[0], t.Rows[1].Values[0]);

        var again = new FakeFeaturizer(Opt);
        var s2 = await FeatureExtraction.RunAsync(req with { TablePath = work.File("t2.csv") }, again);
        Assert.Equal((0, 60), (again.Calls, s2.CacheHits));
        Assert.Equal(File.ReadAllText(work.File("t.csv")), File.ReadAllText(work.File("t2.csv")));
        // other windows are other cache entries, never the excerpt's
        var whole = await FeatureExtraction.RunAsync(Request(data, work.File("cache")), new FakeFeaturizer(Opt));
        Assert.Equal((0, 5), (whole.CacheHits, whole.Computed));
    }

    [Theory]
    [InlineData(1.5, 0.5, "longer than the 1 s excerpt")]
    [InlineData(0.5, 0, "must be positive")]
    [InlineData(0.05, 0.05, "shorter than one FFT frame")]
    public async Task Texture_windows_that_cannot_be_cut_from_the_excerpt_are_refused(double seconds, double hop, string message)
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        var e = await Assert.ThrowsAsync<MmcsException>(() => FeatureExtraction.RunAsync(
            Request(data, work.File("cache")) with { Windows = new TextureWindows(seconds, hop) }, new FakeFeaturizer(Opt)));
        Assert.Equal(ErrorCodes.InvalidParameterValue, e.ErrorCode);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task Texture_windows_are_not_combined_with_images()
    {
        using var data = MakeDataset();
        using var work = new TempDir();
        var e = await Assert.ThrowsAsync<MmcsException>(() => FeatureExtraction.RunAsync(
            Request(data, work.File("cache")) with { Windows = new TextureWindows(0.5, 0.25), Images = ImageOptions.OriginalStudy }, new FakeFeaturizer(Opt)));
        Assert.Contains("1D rows only", e.Message);
    }

    [Fact]
    public void Texture_window_cuts_are_the_samples_at_each_hop()
    {
        var o = new FeaturizerOptions { SampleRate = 8000, NFft = 256, ExcerptSeconds = 1.0 };
        var w = new TextureWindows(0.25, 0.1); // 2000-sample windows every 800 samples of 8000
        var clip = new AudioSignal(Enumerable.Range(0, 8000).Select(i => (float)i).ToArray(), 8000, "ramp");
        Assert.Equal(8, w.Count(o)); // starts 0, 800, ..., 5600 (6400 + 2000 > 8000)
        var last = w.Cut(clip, 7, o);
        Assert.Equal((2000, 5600f, 7599f), (last.Samples.Length, last.Samples[0], last.Samples[^1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Cut(clip, 8, o));
        Assert.Equal(0, new TextureWindows(2, 1).Count(o));
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
    public async Task A_shard_given_no_file_writes_an_empty_table_and_a_run_whose_files_all_fail_writes_none()
    {
        using var data = new TempDir();
        using var work = new TempDir();
        WavWriter.Write(data.File("a.wav"), Noise(22050 * 2, 1), 1, 22050);
        var request = new FeatureExtractionRequest { Inputs = [data.Path], Options = Opt, CacheDirectory = null };
        var shards = new List<FeatureExtractionSummary>();
        foreach (var k in new[] { 1, 2 })
            shards.Add(await FeatureExtraction.RunAsync(request with { Shard = ShardSpec.Parse($"{k}/2"), TablePath = work.File($"{k}.csv") }, new FakeFeaturizer(Opt)));
        var holder = shards.Single(s => s.Files == 1);
        var idle = shards.Single(s => s.Files == 0);
        Assert.Single(FeatureTableIO.Read(holder.TablePath!).Rows);
        Assert.Equal(1, idle.FilesOutsideShard);
        var empty = FeatureTableIO.Read(idle.TablePath ?? throw new Xunit.Sdk.XunitException("the idle shard wrote no table"));
        Assert.Empty(empty.Rows);
        Assert.Equal(["rms", "mean", "peak", "length"], empty.FeatureNames);

        // a file that cannot be read is reported by one shard only (its path decides which)
        var items = new[] { new DatasetItem(data.File("a.wav"), "happy", null, "a"), new DatasetItem(data.File("gone.wav"), "sad", null, "gone") };
        var withMissing = new List<FeatureExtractionSummary>();
        foreach (var k in new[] { 1, 2 })
            withMissing.Add(await FeatureExtraction.RunAsync(new FeatureExtractionRequest { Items = items, Options = Opt, CacheDirectory = null, Shard = ShardSpec.Parse($"{k}/2") }, new FakeFeaturizer(Opt)));
        Assert.Equal((1, 1), (withMissing.Sum(s => s.Failed), withMissing.Sum(s => s.Succeeded)));
        Assert.Contains("gone.wav", withMissing.Single(s => s.Failed == 1).Failures.Single().Path);

        // with no shard and no audio at all, nothing is written
        using var none = new TempDir();
        var nothing = await FeatureExtraction.RunAsync(new FeatureExtractionRequest { Inputs = [none.Path], Options = Opt, CacheDirectory = null, TablePath = work.File("none.csv") }, new FakeFeaturizer(Opt));
        Assert.Equal((0, 0), (nothing.Files, nothing.FilesOutsideShard));
        Assert.Null(nothing.TablePath);
        Assert.False(File.Exists(work.File("none.csv")));

        using var bad = new TempDir();
        bad.Write("empty.wav", []);
        var failed = await FeatureExtraction.RunAsync(new FeatureExtractionRequest { Inputs = [bad.Path], Options = Opt, CacheDirectory = null, TablePath = work.File("bad.csv") }, new FakeFeaturizer(Opt));
        Assert.Equal((1, 0, 1), (failed.Files, failed.Succeeded, failed.Failed));
        Assert.Null(failed.TablePath);
        Assert.False(File.Exists(work.File("bad.csv")));
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
