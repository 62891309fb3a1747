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
        // neither a folder without audio nor a macOS zip's resource forks makes the mood folders unlabelled
        Directory.CreateDirectory(Path.Combine(_dir, "corpus", "artwork"));
        File.WriteAllText(Path.Combine(_dir, "corpus", "artwork", "cover.jpg"), "jpeg");
        Directory.CreateDirectory(Path.Combine(_dir, "corpus", "__MACOSX", "sad"));
        File.WriteAllText(Path.Combine(_dir, "corpus", "__MACOSX", "sad", "._x.wav"), "resource fork");
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
        // the corpus is one folder per mood: every row carries its folder's mood, so the table can train a model
        Assert.Equal("label", lines[0].Split(',')[2]);
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            Assert.Equal(fields[0].Split('/')[0], fields[2]);
        }
        Assert.Equal(["angry", "happy", "relaxed", "sad"], lines.Skip(1).Select(l => l.Split(',')[2]).Distinct().Order().ToArray());
    }

    [Fact]
    public void A_folder_of_loose_files_gives_unlabelled_rows()
    {
        string loose = Path.Combine(_dir, "loose");
        Directory.CreateDirectory(loose);
        foreach (var f in Directory.EnumerateFiles(Path.Combine(_dir, "corpus", "sad"), "*.wav")) File.Copy(f, Path.Combine(loose, Path.GetFileName(f)));
        string table = Path.Combine(_dir, "loose.csv");
        var result = CliProcess.Run(_dir, NoEnv, "features", "extract", "loose", "--set", "seed", "--excerpt", "3", "--out", table, "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.True(result.ExitCode == 0, result.StdErr);
        var rows = File.ReadAllLines(table).Skip(1).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("", r.Split(',')[2]));
    }

    [Fact]
    public void Mood_folders_with_audio_loose_in_their_root_give_unlabelled_rows_for_every_file_and_say_why()
    {
        File.Copy(Directory.EnumerateFiles(Path.Combine(_dir, "corpus", "sad"), "*.wav").First(), Path.Combine(_dir, "corpus", "stray.wav"));
        string table = Path.Combine(_dir, "mixed.csv");
        var result = CliProcess.Run(_dir, NoEnv, "features", "extract", "corpus", "--set", "seed", "--excerpt", "3", "--out", table, "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("looks like mood folders but also holds audio files in its root", result.StdErr);
        var rows = File.ReadAllLines(table).Skip(1).ToList();
        Assert.Equal(9, rows.Count); // the stray file is not dropped, as the labelled reading would have done
        Assert.All(rows, r => Assert.Equal("", r.Split(',')[2]));
    }

    [Fact]
    public void A_4q_layout_with_a_foreign_folder_is_featurised_without_labels_and_says_why()
    {
        string root = Path.Combine(_dir, "fourq");
        var moods = new[] { ("happy", "q1"), ("angry", "Q2"), ("sad", "q3"), ("relaxed", "Q4"), ("sad", "extra") }; // the reader ignores case
        foreach (var (mood, q) in moods)
        {
            Directory.CreateDirectory(Path.Combine(root, q));
            var f = Directory.EnumerateFiles(Path.Combine(_dir, "corpus", mood), "*.wav").First();
            File.Copy(f, Path.Combine(root, q, q + ".wav"));
        }
        string table = Path.Combine(_dir, "fourq.csv");
        var result = CliProcess.Run(_dir, NoEnv, "features", "extract", "fourq", "--set", "seed", "--excerpt", "3", "--out", table, "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("looks like a 4Q dataset (Q1..Q4) but also holds the folders extra, so", result.StdErr);
        Assert.Equal(5, File.ReadAllLines(table).Length - 1);

        Directory.Delete(Path.Combine(root, "extra"), true);
        var labelled = CliProcess.Run(_dir, NoEnv, "features", "extract", "fourq", "--set", "seed", "--excerpt", "3", "--out", table, "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.True(labelled.ExitCode == 0, labelled.StdErr);
        Assert.DoesNotContain("without labels", labelled.StdErr); // (a note says the annotations CSV is absent)
        var labels = File.ReadAllLines(table).Skip(1).Select(r => r.Split(',')[2]).Order().ToList();
        Assert.Equal(["angry", "happy", "relaxed", "sad"], labels);
    }

    [Fact]
    public void A_folder_without_audio_is_refused_and_writes_nothing()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "empty", "happy"));
        File.WriteAllText(Path.Combine(_dir, "empty", "notes.txt"), "no audio here");
        string table = Path.Combine(_dir, "empty.csv");
        var result = CliProcess.Run(_dir, NoEnv, "features", "extract", "empty", "--out", table, "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.True(result.ExitCode == 2, result.StdErr);
        Assert.Contains("no audio file found in empty (audio: ", result.StdErr);
        Assert.DoesNotContain("note:", result.StdErr); // said once, not also as "cannot be read as a dataset"
        Assert.False(File.Exists(table));
        var shard = CliProcess.Run(_dir, NoEnv, "features", "extract", "empty", "--out", table, "--shard", "1/2", "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.True(shard.ExitCode == 2, shard.StdErr);
        Assert.Contains("nothing was written", shard.StdErr);
        Assert.False(File.Exists(table)); // an empty collection is not a shard that was given no file

    }

    [Fact]
    public void Mood_folders_beside_a_folder_that_is_no_mood_are_featurised_without_labels_and_say_why_but_artist_folders_say_nothing()
    {
        string misc = Path.Combine(_dir, "corpus", "misc");
        Directory.CreateDirectory(misc);
        File.Copy(Directory.EnumerateFiles(Path.Combine(_dir, "corpus", "sad"), "*.wav").First(), Path.Combine(misc, "x.wav"));
        string table = Path.Combine(_dir, "misc.csv");
        var result = CliProcess.Run(_dir, NoEnv, "features", "extract", "corpus", "--set", "seed", "--excerpt", "3", "--out", table, "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("looks like mood folders but also holds the folders misc, so its files are featurised without labels", result.StdErr);
        Assert.Equal(9, File.ReadAllLines(table).Length - 1);

        string artists = Path.Combine(_dir, "artists");
        foreach (var (mood, artist) in new[] { ("sad", "Nick Drake"), ("happy", "ABBA") })
        {
            Directory.CreateDirectory(Path.Combine(artists, artist));
            File.Copy(Directory.EnumerateFiles(Path.Combine(_dir, "corpus", mood), "*.wav").First(), Path.Combine(artists, artist, "a.wav"));
        }
        var plain = CliProcess.Run(_dir, NoEnv, "features", "extract", "artists", "--set", "seed", "--excerpt", "3", "--out", table, "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.True(plain.ExitCode == 0, plain.StdErr);
        Assert.DoesNotContain("note:", plain.StdErr);
        Assert.All(File.ReadAllLines(table).Skip(1), r => Assert.Equal("", r.Split(',')[2]));
    }

    [Fact]
    public void When_every_clip_is_shorter_than_the_excerpt_no_table_is_written_and_the_way_to_use_them_is_named()
    {
        string table = Path.Combine(_dir, "short.csv");
        var result = CliProcess.Run(_dir, NoEnv, "features", "extract", "corpus", "--set", "seed", "--out", table, "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.Equal(2, result.ExitCode);
        Assert.False(File.Exists(table));
        Assert.Contains("8 skipped", result.StdOut);
        Assert.Contains("no table written", result.StdOut);
        Assert.Contains("--pad-short", result.StdOut);
        Assert.DoesNotContain("PadShortClips", result.StdOut);
        var padded = CliProcess.Run(_dir, NoEnv, "features", "extract", "corpus", "--set", "seed", "--pad-short", "--out", table, "--cache-dir", Path.Combine(_dir, "cache"));
        Assert.True(padded.ExitCode == 0, padded.StdErr);
        Assert.Equal(9, File.ReadAllLines(table).Length);
    }

    [Fact]
    public void One_file_with_json_refuses_the_options_of_a_featurising_run_instead_of_ignoring_them()
    {
        string file = Directory.EnumerateFiles(Path.Combine(_dir, "corpus", "happy"), "*.wav").First();
        var result = CliProcess.Run(_dir, NoEnv, "features", "extract", file, "--json", "--set", "seed", "--excerpt", "2");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--set, --excerpt", result.StdErr);
        Assert.Contains("--out", result.StdErr);
        Assert.Equal("", result.StdOut.Trim());
    }

    [Theory]
    [InlineData("--pipeline p.yaml --set seed", "--set: with --pipeline the pipeline's")]
    [InlineData("--pipeline p.yaml --excerpt 3 --pad-short", "--excerpt, --pad-short: with --pipeline")]
    [InlineData("--pipeline p.yaml corpus --data corpus", "give one dataset folder")]
    [InlineData("corpus --data corpus", "--data goes with --pipeline")]
    public void Options_that_would_be_ignored_are_refused(string args, string message)
    {
        var result = CliProcess.Run(_dir, NoEnv, ["features", "extract", .. args.Split(' ')]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StdErr);
        Assert.Equal("", result.StdOut.Trim());
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
