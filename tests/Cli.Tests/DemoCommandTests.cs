using System.Text.Json;

namespace Mmcs.Cli.Tests;

/// <summary>Runs `mmcs demo` once in a fresh folder (as a user on a clean clone would) for the tests of this class.</summary>
public sealed class DemoFixture : IDisposable
{
    public DemoFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "mmcs-demo-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        First = CliProcess.Run(Directory, new Dictionary<string, string> { ["MMCS_HOME"] = "" }, "demo", "--json");
    }

    public string Directory { get; }
    internal CliProcess.Result First { get; }

    public JsonElement FirstJson => JsonDocument.Parse(First.StdOut).RootElement;

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}

public sealed class DemoCommandTests(DemoFixture demo) : IClassFixture<DemoFixture>
{
    [Fact]
    public void The_demo_trains_every_model_kind_registers_the_model_and_makes_it_champion()
    {
        Assert.True(demo.First.ExitCode == 0, demo.First.StdErr);
        var json = demo.FirstJson;
        var pipeline = json.GetProperty("pipeline");
        Assert.True(pipeline.GetProperty("features").GetProperty("computed").GetInt32() > 0);
        Assert.Equal(["tabular", "cnn2d-spectrogram", "cnn2d-mfcc", "cnn2d-mel"],
            pipeline.GetProperty("members").EnumerateObject().Select(p => p.Name).ToArray());
        double accuracy = pipeline.GetProperty("accuracy").GetDouble();
        Assert.InRange(accuracy, 0.4, 1.0); // clearly above chance (0.25) on the synthetic corpus
        Assert.True(pipeline.GetProperty("promotion").GetProperty("promoted").GetBoolean());
        string alias = Path.Combine(demo.Directory, "mlruns", "models", "mood", "aliases", "champion");
        Assert.True(File.Exists(alias), "no champion alias in ./mlruns");
        Assert.Equal("models:/mood/" + File.ReadAllText(alias).Trim(), json.GetProperty("champion").GetString());
        var predictions = json.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(8, predictions.Length);
        Assert.All(predictions, p => Assert.Equal(4, p.GetProperty("probabilities").EnumerateObject().Count()));
    }

    [Fact]
    public void A_second_demo_reuses_the_feature_cache()
    {
        Assert.True(demo.First.ExitCode == 0, demo.First.StdErr);
        var second = CliProcess.Run(demo.Directory, new Dictionary<string, string> { ["MMCS_HOME"] = "" }, "demo", "--json");
        Assert.True(second.ExitCode == 0, second.StdErr);
        var features = JsonDocument.Parse(second.StdOut).RootElement.GetProperty("pipeline").GetProperty("features");
        Assert.Equal(0, features.GetProperty("computed").GetInt32());
        Assert.True(features.GetProperty("cache_hits").GetInt32() >= 96);
    }

    [Fact]
    public void Predict_prints_a_mood_and_four_probabilities_per_file_and_names_the_model_version()
    {
        Assert.True(demo.First.ExitCode == 0, demo.First.StdErr);
        string examples = Path.Combine(demo.Directory, ".mmcs", "demo", "examples");
        var result = CliProcess.Run(demo.Directory, (IDictionary<string, string>?)null, "predict", examples, "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var json = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.StartsWith("models:/mood/", json.GetProperty("model").GetString());
        var predictions = json.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(8, predictions.Length);
        foreach (var p in predictions)
        {
            var probabilities = p.GetProperty("probabilities").EnumerateObject().ToDictionary(x => x.Name, x => x.Value.GetDouble());
            Assert.Equal(["happy", "angry", "sad", "relaxed"], probabilities.Keys.ToArray());
            Assert.Equal(1.0, probabilities.Values.Sum(), 6);
            Assert.Equal(probabilities.MaxBy(kv => kv.Value).Key, p.GetProperty("mood").GetString());
            Assert.True(p.GetProperty("windows").GetArrayLength() >= 2); // 12 s clips, 6 s excerpts
        }
        // the demo model has no test-time augmentation: --no-tta changes nothing
        var plain = CliProcess.Run(demo.Directory, (IDictionary<string, string>?)null, "predict", examples, "--json", "--no-tta");
        Assert.True(plain.ExitCode == 0, plain.StdErr);
        var again = JsonDocument.Parse(plain.StdOut).RootElement.GetProperty("predictions").EnumerateArray().ToArray();
        for (int i = 0; i < predictions.Length; i++)
            Assert.Equal(predictions[i].GetProperty("probabilities").GetRawText(), again[i].GetProperty("probabilities").GetRawText());
    }

    [Fact]
    public void Predict_on_a_file_that_is_not_audio_fails_with_one_line_naming_the_file()
    {
        Assert.True(demo.First.ExitCode == 0, demo.First.StdErr);
        string bad = Path.Combine(demo.Directory, "notes.wav");
        File.WriteAllText(bad, "this is not audio");
        var result = CliProcess.Run(demo.Directory, (IDictionary<string, string>?)null, "predict", bad);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("notes.wav", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public void Evaluate_reports_accuracy_macro_f1_per_class_metrics_and_the_confusion_matrix_as_json()
    {
        Assert.True(demo.First.ExitCode == 0, demo.First.StdErr);
        string examples = Path.Combine(demo.Directory, ".mmcs", "demo", "examples");
        var result = CliProcess.Run(demo.Directory, (IDictionary<string, string>?)null, "evaluate", "--data", examples, "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var json = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.InRange(json.GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.InRange(json.GetProperty("macro_f1").GetDouble(), 0, 1);
        Assert.Equal(4, json.GetProperty("per_class").EnumerateObject().Count());
        var confusion = json.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Sum(v => v.GetInt32())).ToArray();
        Assert.Equal(8, confusion.Sum());
    }

    [Fact]
    public void Evaluate_on_a_folder_with_a_file_it_cannot_analyse_says_how_many_were_scored_and_exits_2()
    {
        Assert.True(demo.First.ExitCode == 0, demo.First.StdErr);
        string examples = Path.Combine(demo.Directory, ".mmcs", "demo", "examples");
        string data = Path.Combine(demo.Directory, "with-a-bad-file");
        foreach (var file in Directory.EnumerateFiles(examples, "*.wav", SearchOption.AllDirectories))
        {
            string target = Path.Combine(data, Path.GetRelativePath(examples, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        string bad = Path.Combine(data, "sad", "notes.wav");
        File.WriteAllText(bad, "this is not audio");

        var json = CliProcess.Run(demo.Directory, (IDictionary<string, string>?)null, "evaluate", "--data", data, "--json");
        Assert.True(json.ExitCode == 2, json.StdErr);
        var root = JsonDocument.Parse(json.StdOut).RootElement;
        Assert.Equal(8, root.GetProperty("clips").GetInt32());
        Assert.Equal(9, root.GetProperty("clips_found").GetInt32());
        Assert.Equal(1, root.GetProperty("clips_failed").GetInt32());
        Assert.Equal(bad, root.GetProperty("failures")[0].GetProperty("file").GetString());
        Assert.Single(json.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("notes.wav", StringComparison.Ordinal));
        Assert.DoesNotContain($"{bad}: {bad}", json.StdErr); // the path once, not "path: path: …"

        var text = CliProcess.Run(demo.Directory, (IDictionary<string, string>?)null, "evaluate", "--data", data);
        Assert.Equal(2, text.ExitCode);
        Assert.Contains("(8 clips of 9: 1 could not be analysed and is not scored, see below)", text.StdOut);

        // without ffmpeg every compressed file would fail: the evaluation stops (exit 3) instead of scoring the rest
        File.Move(bad, Path.Combine(data, "sad", "song.mp3"));
        var noFfmpeg = CliProcess.Run(demo.Directory, new Dictionary<string, string> { ["MMCS_FFMPEG"] = "/nonexistent/ffmpeg" }, "evaluate", "--data", data);
        Assert.True(noFfmpeg.ExitCode == 3, noFfmpeg.StdErr + noFfmpeg.StdOut);
        Assert.Contains("ffmpeg", noFfmpeg.StdErr);
        Assert.DoesNotContain("accuracy", noFfmpeg.StdOut);
    }

    [Fact]
    public void Predict_takes_a_model_s_manifest_file_for_its_folder_and_without_a_store_says_where_it_looked()
    {
        Assert.True(demo.First.ExitCode == 0, demo.First.StdErr);
        string song = Directory.EnumerateFiles(Path.Combine(demo.Directory, ".mmcs", "demo", "examples"), "*.wav", SearchOption.AllDirectories).First();
        string manifest = Directory.EnumerateFiles(Path.Combine(demo.Directory, "mlruns"), "mmcs-model.json", SearchOption.AllDirectories).First();
        var byFile = CliProcess.Run(demo.Directory, (IDictionary<string, string>?)null, "predict", song, "--model", manifest, "--no-tta");
        Assert.True(byFile.ExitCode == 0, byFile.StdErr);
        // a file named and inside a named folder is predicted once
        string folder = Path.GetDirectoryName(song)!;
        var twice = CliProcess.Run(demo.Directory, (IDictionary<string, string>?)null, "predict", song, folder, "--model", manifest, "--no-tta", "--json");
        Assert.True(twice.ExitCode == 0, twice.StdErr);
        Assert.Equal(Directory.GetFiles(folder, "*.wav").Length, JsonDocument.Parse(twice.StdOut).RootElement.GetProperty("predictions").GetArrayLength());

        string elsewhere = Directory.CreateTempSubdirectory("mmcs-no-store-").FullName;
        try
        {
            var none = CliProcess.Run(elsewhere, (IDictionary<string, string>?)null, "predict", song);
            Assert.Equal(2, none.ExitCode);
            Assert.Contains($"There is no tracking store at {Path.Combine(elsewhere, "mlruns")}", none.StdErr);
            Assert.False(Directory.Exists(Path.Combine(elsewhere, "mlruns")));
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public void Predict_with_a_model_alias_that_does_not_exist_says_so()
    {
        Assert.True(demo.First.ExitCode == 0, demo.First.StdErr);
        string examples = Path.Combine(demo.Directory, ".mmcs", "demo", "examples");
        var result = CliProcess.Run(demo.Directory, (IDictionary<string, string>?)null, "predict", examples, "--model", "models:/mood@nonexistent");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nonexistent", result.StdErr);
    }
}
