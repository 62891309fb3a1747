using Mmcs.Core;
using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Tests.Audio;

namespace Mmcs.Featurize.Tests.Storage;

public class FeatureCacheTests
{
    private static readonly string[] Names = ["a", "b", "c"];

    private static ClipFeatures Features(double seed, bool images = false)
    {
        var v = new FeatureVector(Names, [seed, seed * 2, -seed]);
        if (!images) return new ClipFeatures(v, null);
        var m = new FeatureMatrix(2, 3, [1, 2, 3, 4, 5, (float)seed]);
        return new ClipFeatures(v, new FeatureImages(m, new FeatureMatrix(1, 2, [7, 8]), new FeatureMatrix(2, 2, [9, 10, 11, 12])));
    }

    private static string Config(FeaturizerOptions? o = null, FeatureSetKind set = FeatureSetKind.Seed) =>
        FeatureCache.ConfigHash("test", o ?? new FeaturizerOptions(), set);

    [Fact]
    public void A_stored_entry_is_a_hit_and_anything_else_a_miss()
    {
        using var dir = new TempDir();
        var cache = new FeatureCache(dir.Path);
        string cfg = Config();
        cache.Describe(cfg, new { what = "test" }, Names);
        var key = new CacheKey(new string('a', 64), cfg);
        Assert.False(cache.TryGet(key, null, out _));
        cache.Put(key, Features(1.5), null);
        Assert.True(cache.TryGet(key, null, out var hit));
        Assert.Equal([1.5, 3.0, -1.5], hit!.Vector.Values);
        Assert.Equal(Names, hit.Vector.Names);
        Assert.False(cache.TryGet(key with { ContentHash = new string('b', 64) }, null, out _));
        Assert.False(cache.TryGet(key with { Variant = "noise-0" }, null, out _));
        Assert.False(cache.TryGet(key, ImageOptions.OriginalStudy, out _)); // arrays were not stored
        Assert.Equal(1, cache.Count(cfg));
    }

    [Fact]
    public void The_configuration_hash_changes_with_every_option_set_and_loader_setting()
    {
        string baseline = Config();
        Assert.Equal(baseline, Config(new FeaturizerOptions()));
        Assert.NotEqual(baseline, Config(new FeaturizerOptions { ExcerptSeconds = 20 }));
        Assert.NotEqual(baseline, Config(new FeaturizerOptions { NMfcc = 13 }));
        Assert.NotEqual(baseline, Config(new FeaturizerOptions { PadShortClips = true }));
        Assert.NotEqual(baseline, Config(set: FeatureSetKind.Full));
        Assert.NotEqual(baseline, FeatureCache.ConfigHash("other-featurizer", new FeaturizerOptions(), FeatureSetKind.Seed));
        Assert.NotEqual(baseline, FeatureCache.ConfigHash("test", new FeaturizerOptions(), FeatureSetKind.Seed, new Mmcs.Featurize.Audio.AudioLoaderOptions { SilencePeak = 0 }));
        Assert.NotEqual(FeatureCache.ImageHash(baseline, ImageOptions.OriginalStudy), FeatureCache.ImageHash(baseline, new ImageOptions()));
    }

    [Fact]
    public void Content_hashes_follow_the_bytes_not_the_name()
    {
        using var dir = new TempDir();
        string a = dir.Write("a.mp3", [1, 2, 3]);
        string b = dir.Write("renamed.mp3", [1, 2, 3]);
        string c = dir.Write("c.mp3", [1, 2, 4]);
        Assert.Equal(FeatureCache.HashFile(a), FeatureCache.HashFile(b));
        Assert.NotEqual(FeatureCache.HashFile(a), FeatureCache.HashFile(c));
        Assert.Equal("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", FeatureCache.HashFile(a)); // sha256(01 02 03)
    }

    [Fact]
    public void Arrays_are_stored_per_clip_and_read_back_for_their_image_sizes()
    {
        using var dir = new TempDir();
        var cache = new FeatureCache(dir.Path);
        string cfg = Config();
        cache.Describe(cfg, new { }, Names);
        var key = new CacheKey(new string('c', 64), cfg);
        cache.Put(key, Features(2, images: true), ImageOptions.OriginalStudy);
        Assert.True(cache.TryGet(key, ImageOptions.OriginalStudy, out var hit));
        Assert.Equal([1f, 2, 3, 4, 5, 2], hit!.Images!.SpectrogramDb.Data);
        Assert.Equal(2, Npz.ReadMatrix(cache.ImagesPath(key, ImageOptions.OriginalStudy), "mel_db").Rows);
        Assert.False(cache.TryGet(key, new ImageOptions { Mel = new ImageSize(10, 10) }, out _));
        Assert.True(cache.TryGet(key, null, out _));
    }

    [Fact]
    public void Concurrent_writers_of_the_same_entries_leave_complete_entries_and_no_temporary_files()
    {
        using var dir = new TempDir();
        string cfg = Config();
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, w =>
        {
            var cache = new FeatureCache(dir.Path); // separate instances, as separate processes would be
            cache.Describe(cfg, new { w = 0 }, Names);
            for (int k = 0; k < 20; k++) cache.Put(new CacheKey(k.ToString("x64"), cfg), Features(k, images: true), ImageOptions.OriginalStudy);
        });
        var reader = new FeatureCache(dir.Path);
        for (int k = 0; k < 20; k++)
        {
            Assert.True(reader.TryGet(new CacheKey(k.ToString("x64"), cfg), ImageOptions.OriginalStudy, out var f));
            Assert.Equal(k, f!.Vector.Values[0]);
        }
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_damaged_entry_is_a_miss_not_an_error()
    {
        using var dir = new TempDir();
        var cache = new FeatureCache(dir.Path);
        string cfg = Config();
        cache.Describe(cfg, new { }, Names);
        var key = new CacheKey(new string('d', 64), cfg);
        cache.Put(key, Features(1), null);
        File.WriteAllBytes(cache.VectorPath(key), [1, 2, 3]);
        Assert.False(cache.TryGet(key, null, out _));
    }

    [Fact]
    public void Shard_caches_merge_into_one()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        string cfg = Config();
        var ca = new FeatureCache(a.Path);
        var cb = new FeatureCache(b.Path);
        ca.Describe(cfg, new { }, Names);
        cb.Describe(cfg, new { }, Names);
        ca.Put(new CacheKey(new string('1', 64), cfg), Features(1), null);
        cb.Put(new CacheKey(new string('2', 64), cfg), Features(2), null);
        Assert.Equal(1, ca.MergeFrom(b.Path)); // the vector; config.json and names.txt are already there
        Assert.True(new FeatureCache(a.Path).TryGet(new CacheKey(new string('2', 64), cfg), null, out _));
        Assert.Equal(0, ca.MergeFrom(b.Path));
    }

    [Fact]
    public void Shards_partition_files_by_content_hash()
    {
        var shards = Enumerable.Range(1, 3).Select(i => ShardSpec.Parse($"{i}/3")).ToArray();
        var rnd = new Random(1);
        for (int k = 0; k < 300; k++)
        {
            var bytes = new byte[32];
            rnd.NextBytes(bytes);
            string h = Convert.ToHexStringLower(bytes);
            Assert.Equal(1, shards.Count(s => s.Contains(h)));
        }
        foreach (string bad in new[] { "0/3", "4/3", "1/0", "x", "1/2/3", "-1/2" })
            Assert.Equal(ErrorCodes.InvalidParameterValue, Assert.Throws<MmcsException>(() => ShardSpec.Parse(bad)).ErrorCode);
    }
}
