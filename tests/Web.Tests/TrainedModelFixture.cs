using System.Diagnostics;
using Mmcs.Featurize;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Synthesis;
using Mmcs.Pipelines.Definition;
using Mmcs.Pipelines.Run;

namespace Mmcs.Web.Tests;

/// <summary>
/// One model trained for all web tests (the real pipeline on a small synthetic corpus, registered as <c>mood</c> and
/// promoted to champion in a temporary file store), and the audio files the tests upload.
/// </summary>
public sealed class TrainedModelFixture : IAsyncLifetime
{
    public const string ModelName = "mood";

    private const string Yaml = """
        name: web-tests
        experiment: web-tests
        dataset:
          reader: folder
        clip:
          excerpt_seconds: 3
        features:
          set: seed
          images:
            spectrogram: [32, 32]
            mfcc: [20, 32]
            mel: [32, 32]
        augmentation:
          copies: 1
          noise: 0.01
        split:
          test_fraction: 0.25
          validation_fraction: 0.25
          group_by: song
        train:
          automl:
            time: 10
            max_trials: 2
            cv: 3
            trainers: [lbfgs_maxent]
          cnn:
            models: [mel]
            preset: original
            epochs: 2
            batch_size: 8
            learning_rate: 0.001
        evaluation:
          bootstrap: 50
        registry:
          model_name: mood
        """;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "mmcs-web-tests-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>The file store holding the registered model (version 1, alias champion).</summary>
    public string Store => Path.Combine(Root, "mlruns");

    public string Audio => Path.Combine(Root, "audio");

    /// <summary>A 3 s clip (one excerpt).</summary>
    public string ShortWav => Path.Combine(Audio, "short.wav");

    /// <summary>A 14 s song (several windows).</summary>
    public string LongWav => Path.Combine(Audio, "long.wav");

    public string LongMp3 => Path.Combine(Audio, "long.mp3");
    public string ShortMp3 => Path.Combine(Audio, "short.mp3");

    /// <summary>About 600 KB of WAV (for the upload limit).</summary>
    public string BigWav => Path.Combine(Audio, "big.wav");

    public string SilentWav => Path.Combine(Audio, "silent.wav");

    /// <summary>A WAV header followed by garbage.</summary>
    public string CorruptWav => Path.Combine(Audio, "corrupt.wav");

    /// <summary>An MP3 frame header followed by garbage.</summary>
    public string CorruptMp3 => Path.Combine(Audio, "corrupt.mp3");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Audio);
        string corpus = Path.Combine(Root, "corpus");
        SyntheticCorpus.Generate(corpus, new SyntheticCorpusOptions { PerClass = 8, Seconds = 4, Seed = 3 });
        var loaded = PipelineLoader.Parse(Yaml, "web-tests.yaml", Root, [$"features.cache_dir={Path.Combine(Root, "cache")}"]);
        var result = await new PipelineRunner(loaded, new PipelineRunOptions
        {
            DataOverride = corpus,
            TrackingUri = Store,
            StateDirectory = Path.Combine(Root, "state"),
        }).RunAsync();
        if (result.Version == null || result.Decision?.Promote != true)
            throw new InvalidOperationException("the test pipeline did not register and promote a model");

        WriteSong(ShortWav, "happy", 3.0, 1);
        WriteSong(LongWav, "sad", 14.0, 2);
        WriteSong(BigWav, "angry", 14.0, 3);
        WavWriter.Write(SilentWav, new float[22050 * 4], 1, 22050);
        Encode(ShortWav, ShortMp3);
        Encode(LongWav, LongMp3);
        var header = WavWriter.ToBytes(new float[2000], 1, 22050);
        var corrupt = header[..44].Concat(Garbage(20_000, 7)).ToArray();
        // a data chunk that claims far more than the file holds, and bytes that are no PCM at all
        BitConverter.GetBytes(int.MaxValue - 100).CopyTo(corrupt, 40);
        BitConverter.GetBytes(int.MaxValue - 100).CopyTo(corrupt, 4);
        corrupt[20] = 0x55; // format tag: MPEG layer 3 in a WAV, with garbage data
        await File.WriteAllBytesAsync(CorruptWav, corrupt);
        await File.WriteAllBytesAsync(CorruptMp3, new byte[] { 0xFF, 0xFB, 0x90, 0x64 }.Concat(Garbage(30_000, 9)).ToArray());
    }

    /// <summary>A copy of the store (for tests that promote, so the others keep version 1 as champion).</summary>
    public string CopyStore()
    {
        string copy = Path.Combine(Root, "store-" + Guid.NewGuid().ToString("N")[..8]);
        CopyDirectory(Store, copy);
        return copy;
    }

    public Task DisposeAsync()
    {
        try
        {
            if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    private static void WriteSong(string path, string mood, double seconds, int index)
    {
        var p = MoodSynthesizer.Draw(mood, 77, index);
        var samples = MoodSynthesizer.Render(p, seconds, 22050, 77, index);
        WavWriter.Write(path, samples, 1, 22050);
    }

    private static byte[] Garbage(int n, int seed)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Encodes MP3 with the ffmpeg program (as a user's file would be).</summary>
    public static void Encode(string wav, string mp3)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-y", "-loglevel", "error", "-i", wav, "-codec:a", "libmp3lame", "-b:a", "128k", mp3 }) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("ffmpeg is not installed (apt-get install ffmpeg); the web tests encode MP3 with it", e);
        }
        using (p)
        {
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not encode {mp3}: {err}");
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedModelCollection : ICollectionFixture<TrainedModelFixture>
{
    public const string Name = "trained model";
}
