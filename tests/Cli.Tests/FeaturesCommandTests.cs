using System.Text.Json;

namespace Mmcs.Cli.Tests;

public sealed class FeaturesCommandTests : IDisposable
{
    private static readonly IDictionary<string, string>? NoEnv = null;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mmcs-features-cli-" + Guid.NewGuid().ToString("N"));

    public FeaturesCommandTests()
    {
        Directory.CreateDirectory(_dir);
        var synth = CliProcess.Run(_dir, NoEnv, "data", "synth", "--out", "corpus", "--per-class", "2", "--seconds", "4");
        Assert.True(synth.ExitCode == 0, synth.StdErr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void One_file_with_json_prints_the_librosa_style_summary()
    {
        string file = Directory.EnumerateFiles(Path.Combine(_dir, "corpus", "happy"), "*.wav").First();
        var result = CliProcess.Run(_dir, NoEnv, "features", "extract", file, "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var json = JsonDocument.Parse(result.StdOut).RootElement;
        foreach (var key in new[] { "mfcc_mean", "mfcc_var", "mel_db_mean", "mel_db_var", "chroma_stft_mean", "chroma_stft_var",
                     "tonnetz_mean", "tonnetz_var", "rms_mean", "rms_var", "zcr_mean", "zcr_var", "spectral_centroid_mean",
                     "spectral_centroid_var", "spectral_rolloff_mean", "spectral_rolloff_var", "spectral_bandwidth_mean",
                     "spectral_bandwidth_var", "spectral_contrast_mean", "spectral_contrast_var", "onset_strength_mean", "onset_strength_var" })
            Assert.Equal(JsonValueKind.Array, json.GetProperty(key).ValueKind);
        Assert.Equal(20, json.GetProperty("mfcc_mean").GetArrayLength());
        Assert.Equal(128, json.GetProperty("mel_db_mean").GetArrayLength());
        Assert.Equal(7, json.GetProperty("spectral_contrast_mean").GetArrayLength());
        Assert.True(json.GetProperty("tempo").GetDouble() > 0);
        Assert.Matches("^[A-G]#? (major|minor)$", json.GetProperty("key").GetString());
    }

    [Fact]
    public void A_folder_becomes_a_table_with_a_row_per_clip_and_a_bad_file_is_reported_and_skipped()
    {
        File.WriteAllText(Path.Combine(_dir, "corpus", "sad", "broken.wav"), "RIFF but not really");
        string table = Path.Combine(_dir, "features.csv");
        var result = CliProcess.Run(_dir, NoEnv, "features", "extract", "corpus", "--set", "seed", "--excerpt", "3", "--out", table,
            "--cache-dir", Path.Combine(_dir, "cache"), "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var json = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.Equal(8, json.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, json.GetProperty("failed").GetInt32());
        Assert.Contains("broken.wav", json.GetProperty("failures")[0].GetProperty("path").GetString());
        var lines = File.ReadAllLines(table);
        Assert.Equal(9, lines.Length); // header + 8 clips
        Assert.Equal(6 + 57, lines[0].Split(',').Length); // id, path, label, group, song, augmentation + 57 seed features
    }

    [Fact]
    public void Shards_split_a_collection_between_jobs_that_fill_one_cache()
    {
        string cache = Path.Combine(_dir, "shared-cache");
        int done = 0, outside = 0;
        foreach (var shard in new[] { "1/2", "2/2" })
        {
            var r = CliProcess.Run(_dir, NoEnv, "features", "extract", "corpus", "--set", "seed", "--excerpt", "3", "--cache-dir", cache, "--shard", shard, "--json");
            Assert.True(r.ExitCode == 0, r.StdErr);
            var json = JsonDocument.Parse(r.StdOut).RootElement;
            done += json.GetProperty("computed").GetInt32();
            outside += json.GetProperty("files_outside_shard").GetInt32();
        }
        Assert.Equal(8, done);
        Assert.Equal(8, outside);
        var all = JsonDocument.Parse(CliProcess.Run(_dir, NoEnv, "features", "extract", "corpus", "--set", "seed", "--excerpt", "3", "--cache-dir", cache, "--json").StdOut).RootElement;
        Assert.Equal(8, all.GetProperty("cache_hits").GetInt32());
        Assert.Equal(0, all.GetProperty("computed").GetInt32());
    }
}
