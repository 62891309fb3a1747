using System.Text.Json;
using Mmcs.Core;

namespace Mmcs.Featurize.Synthesis;

/// <summary>Options of <see cref="SyntheticCorpus.Generate"/>.</summary>
public sealed record SyntheticCorpusOptions
{
    /// <summary>Clips per mood.</summary>
    public int PerClass { get; init; } = 30;

    /// <summary>Length of each clip.</summary>
    public double Seconds { get; init; } = 8;

    /// <summary>Seed: the same seed gives the same bytes.</summary>
    public int Seed { get; init; } = 42;

    public int SampleRate { get; init; } = 22050;

    public void Validate()
    {
        if (PerClass < 1 || PerClass > 100_000)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--per-class must be between 1 and 100000, got {PerClass}");
        if (!(Seconds >= 0.5 && Seconds <= 600))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--seconds must be between 0.5 and 600, got {Seconds}");
        if (SampleRate < 8000 || SampleRate > 192000)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"sample rate must be between 8000 and 192000, got {SampleRate}");
    }
}

/// <summary>What <see cref="SyntheticCorpus.Generate"/> wrote.</summary>
public sealed record SyntheticCorpusSummary(string Directory, int Clips, IReadOnlyDictionary<string, int> PerMood, string Manifest);

/// <summary>
/// A deterministic synthetic mood corpus for demos and tests: folders happy/angry/sad/relaxed of 16-bit WAV
/// clips rendered by <see cref="MoodSynthesizer"/>, plus synth-manifest.json with every clip's parameters.
/// Readable by the folder-per-label dataset reader.
/// </summary>
public static partial class SyntheticCorpus
{
    public const string ManifestFileName = "synth-manifest.json";

    public static SyntheticCorpusSummary Generate(string directory, SyntheticCorpusOptions options,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        progress ??= Progress.None;
        Directory.CreateDirectory(directory);
        int total = options.PerClass * MoodSynthesizer.Moods.Count;
        var jobs = new List<(string Mood, int Index)>();
        foreach (var mood in MoodSynthesizer.Moods)
        {
            Directory.CreateDirectory(Path.Combine(directory, mood));
            for (int i = 0; i < options.PerClass; i++) jobs.Add((mood, i));
        }
        var parameters = new SynthClipParameters[jobs.Count];
        int done = 0;
        Parallel.For(0, jobs.Count,
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            j =>
            {
                var (mood, index) = jobs[j];
                var p = MoodSynthesizer.Draw(mood, options.Seed, index);
                var samples = MoodSynthesizer.Render(p, options.Seconds, options.SampleRate, options.Seed, index);
                Audio.WavWriter.Write(ClipPath(directory, mood, index), samples, 1, options.SampleRate);
                parameters[j] = p;
                int now = Interlocked.Increment(ref done);
                progress.Report(new ProgressUpdate("synthesise", now, total));
            });
        var manifest = new
        {
            generator = "mmcs data synth",
            seed = options.Seed,
            per_class = options.PerClass,
            seconds = options.Seconds,
            sample_rate = options.SampleRate,
            moods = MoodSynthesizer.Moods,
            clips = jobs.Select((job, j) => new
            {
                path = Path.GetRelativePath(directory, ClipPath(directory, job.Mood, job.Index)).Replace('\\', '/'),
                label = job.Mood,
                parameters = parameters[j],
            }),
        };
        string manifestPath = Path.Combine(directory, ManifestFileName);
        var json = JsonSerializer.Serialize(manifest, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        });
        string temp = manifestPath + ".tmp";
        File.WriteAllText(temp, json);
        File.Move(temp, manifestPath, overwrite: true);
        return new SyntheticCorpusSummary(directory, total,
            MoodSynthesizer.Moods.ToDictionary(m => m, _ => options.PerClass), manifestPath);
    }

    /// <summary>Whether <paramref name="directory"/> holds what an interrupted <see cref="Generate"/> left: mood folders of
    /// its clips and no manifest (written last). Such a corpus is incomplete (some moods short or missing) and is to be
    /// generated again; a folder holding anything else is someone's data, and an empty or missing one is not interrupted.</summary>
    public static bool IsInterrupted(string directory)
    {
        if (!Directory.Exists(directory) || File.Exists(Path.Combine(directory, ManifestFileName))) return false;
        bool any = false;
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory))
        {
            any = true;
            string name = Path.GetFileName(entry);
            if (name == ManifestFileName + ".tmp") continue;
            if (!MoodSynthesizer.Moods.Contains(name) || !Directory.Exists(entry)) return false;
            if (Directory.EnumerateFileSystemEntries(entry).Any(f => !ClipName().IsMatch(Path.GetFileName(f)) || !Path.GetFileName(f).StartsWith(name + "_", StringComparison.Ordinal)))
                return false;
        }
        return any;
    }

    // a clip, or what WavWriter was writing when the process was killed
    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-z]+_[0-9]{4,}\.wav(\.[0-9a-f]{8}\.tmp)?$")]
    private static partial System.Text.RegularExpressions.Regex ClipName();

    public static string ClipPath(string directory, string mood, int index) =>
        Path.Combine(directory, mood, $"{mood}_{index:D4}.wav");
}
