using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Augment;
using Mmcs.Featurize.Batch;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;
using Mmcs.Pipelines.Definition;
using Mmcs.Registry;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Data;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Predict;
using Mmcs.Train.Tabular;
using Mmcs.Train.Tabular.Tracking;

namespace Mmcs.Pipelines.Run;

public sealed partial class PipelineRunner
{
    // ------------------------------------------------------------------ featurise

    internal sealed record Featurised(
        FeatureExtractionSummary Summary,
        IReadOnlyList<string> FeatureNames,
        IReadOnlyList<string> Labels,
        List<Clip> Originals,
        List<Clip> Augmented,
        ImageOptions? Images)
    {
        /// <summary>With test-time augmentation: each song's copies, whose windows are scored with the song's own.</summary>
        public IReadOnlyDictionary<string, List<Clip>>? TestTimeCopies { get; init; }

        /// <summary>What a clip is scored on: its windows, then (test-time augmentation) its copies' windows.</summary>
        public IEnumerable<ClipFeatures> ScoringWindows(Clip clip) =>
            ScoringClips(clip).SelectMany(c => c.WindowFeatures(FeatureNames));

        /// <summary>How many windows <see cref="ScoringWindows"/> gives, without building them (a clip's images are read
        /// from disk when built).</summary>
        public int ScoringWindowCount(Clip clip) => ScoringClips(clip).Sum(c => c.Windows.Count);

        private IEnumerable<Clip> ScoringClips(Clip clip) =>
            TestTimeCopies != null && TestTimeCopies.TryGetValue(clip.Song, out var copies) ? [clip, .. copies] : [clip];
    }

    /// <summary>A featurised clip: its 1D row in memory, its 2D images on disk (<paramref name="ArrayFile"/>, an .npz of
    /// the array directory) so that memory does not grow with the dataset. With texture windows (clip.window_seconds)
    /// <paramref name="Row"/> is the first window's row and <see cref="Windows"/> holds every window's row.</summary>
    internal sealed record Clip(FeatureRow Row, string? ArrayFile, int Label, string Group)
    {
        /// <summary>The song: its copies and windows share it.</summary>
        public string Song => Row.Song ?? Row.Id;

        /// <summary>The rows the 1D models train on and predict: the windows, or the clip's one row.</summary>
        public List<FeatureRow> Windows { get; init; } = [Row];

        public ClipFeatures Features(IReadOnlyList<string> names) => new(new FeatureVector(names, Row.Values), LoadImages());

        /// <summary>Every window's features (the clip's own, with its images, without windows).</summary>
        public IEnumerable<ClipFeatures> WindowFeatures(IReadOnlyList<string> names) => Windows.Count == 1
            ? [Features(names)]
            : Windows.Select(w => new ClipFeatures(new FeatureVector(names, w.Values), null));

        private FeatureImages? LoadImages() => ArrayFile == null
            ? null
            : new FeatureImages(Npz.ReadMatrix(ArrayFile, NpzImageSource.ArrayName(ImageKind.Spectrogram)),
                Npz.ReadMatrix(ArrayFile, NpzImageSource.ArrayName(ImageKind.Mfcc)),
                Npz.ReadMatrix(ArrayFile, NpzImageSource.ArrayName(ImageKind.Mel)));
    }

    /// <summary>Clips are predicted in batches of this many (their images are read from disk batch by batch).</summary>
    private const int PredictBatch = 32;

    /// <summary>Applies <paramref name="predict"/> to the clips of <paramref name="rows"/> batch by batch and joins the rows;
    /// a clip's probabilities are the mean over its texture windows, and with test-time augmentation over its copies'
    /// windows too (as <see cref="MoodPredictor"/> predicts songs with the registered model's augmentation).</summary>
    private static double[][] Batched(Featurised f, IReadOnlyList<int> rows, Func<IReadOnlyList<ClipFeatures>, double[][]> predict) =>
        rows.Count == 0 ? [] : BatchedMembers(f, rows, clips => [predict(clips)])[0];

    private static IReadOnlyList<double[][]> BatchedMembers(Featurised f, IReadOnlyList<int> rows, EnsembleClassifier ensemble) =>
        rows.Count == 0 ? ensemble.Members.Select(_ => Array.Empty<double[]>()).ToArray() : BatchedMembers(f, rows, clips => ensemble.PredictMembers(clips));

    private static IReadOnlyList<double[][]> BatchedMembers(Featurised f, IReadOnlyList<int> rows,
        Func<IReadOnlyList<ClipFeatures>, IReadOnlyList<double[][]>> predictMembers)
    {
        List<double[]>[]? all = null;
        for (int start = 0; start < rows.Count; start += PredictBatch)
        {
            var clips = rows.Skip(start).Take(PredictBatch).Select(i => f.ScoringWindows(f.Originals[i]).ToArray()).ToArray();
            var part = predictMembers(clips.SelectMany(c => c).ToArray());
            all ??= part.Select(_ => new List<double[]>(rows.Count)).ToArray();
            var runs = clips.Select(windows => windows.Length).ToArray();
            for (int m = 0; m < all.Length; m++) all[m].AddRange(ProbabilityRuns.Mean(part[m], runs));
        }
        return (all ?? []).Select(l => l.ToArray()).ToArray();
    }

    private FeaturizerOptions FeaturizerOptions() => new()
    {
        SampleRate = _def.Features.SampleRate,
        NFft = _def.Features.NFft,
        HopLength = _def.Features.HopLength,
        NMels = _def.Features.NMels,
        NMfcc = _def.Features.NMfcc,
        ExcerptSeconds = _def.Clip.ExcerptSeconds,
        ExcerptOffsetSeconds = _def.Clip.OffsetSeconds,
        PadShortClips = _def.Clip.PadShort,
    };

    /// <summary>The texture windows of clip.window_seconds (hop: clip.window_hop_seconds, default half a window), or null.</summary>
    private TextureWindows? Windows => _def.Clip.WindowSeconds is { } w ? new TextureWindows(w, _def.Clip.WindowHopSeconds ?? w / 2) : null;

    private FeatureSetKind VectorSet => _def.Features.Set == "seed" ? FeatureSetKind.Seed : FeatureSetKind.Full;

    private ImageOptions? ImageOptionsFor()
    {
        if (!_def.Train.Cnn.Enabled || _def.Train.Cnn.Models.Length == 0) return null;
        var i = _def.Features.Images;
        return new ImageOptions
        {
            Spectrogram = new ImageSize(i.Spectrogram[0], i.Spectrogram[1]),
            Mfcc = new ImageSize(i.Mfcc[0], i.Mfcc[1]),
            Mel = new ImageSize(i.Mel[0], i.Mel[1]),
        };
    }

    private AugmentationPlan? AugmentationPlanFor()
    {
        var a = _def.Augmentation;
        if (a.Plan == "original") return AugmentationPlan.OriginalStudy(a.Seed);
        if (a.Copies == 0) return null;
        var copies = new List<AugmentationCopy>();
        for (int k = 0; k < a.Copies; k++)
        {
            double sign = k % 2 == 0 ? 1 : -1;
            var steps = new List<AudioAugmentation>();
            if (a.Noise > 0) steps.Add(new AddNoise(a.Noise));
            if (a.ShiftSeconds > 0) steps.Add(new TimeShift(a.ShiftSeconds, randomDirection: true));
            if (a.GainDb > 0) steps.Add(new Gain(-a.GainDb, a.GainDb));
            if (a.PitchSemitones > 0) steps.Add(new PitchShift(sign * a.PitchSemitones * (1 + k / 2) / Math.Max(1, (a.Copies + 1) / 2)));
            if (a.Stretch > 0) steps.Add(new TimeStretch(1 + sign * a.Stretch * (1 + k / 2) / Math.Max(1, (a.Copies + 1) / 2)));
            if (steps.Count == 0)
                throw new MmcsException(ErrorCodes.InvalidParameterValue,
                    $"{_pipeline.File}: augmentation.copies is {a.Copies} but no augmentation (noise, shift_seconds, gain_db, pitch_semitones, stretch) is set");
            copies.Add(new AugmentationCopy($"aug{k + 1}", steps));
        }
        return new AugmentationPlan(copies, a.Seed);
    }

    /// <summary>The featurisation this pipeline asks for (`mmcs features extract --pipeline` uses it to fill the same cache).</summary>
    public FeatureExtractionRequest FeatureRequest(Dataset dataset) => new()
    {
        Items = dataset.Items,
        Set = VectorSet,
        Options = FeaturizerOptions(),
        Images = ImageOptionsFor(),
        CacheDirectory = Path.GetFullPath(_def.Features.CacheDir),
        Augmentation = AugmentationPlanFor(),
        Windows = Windows,
    };

    /// <summary>Where the featuriser writes this pipeline's per-clip images: one folder per pipeline and image configuration.</summary>
    private string ArraysDirectory()
    {
        return Path.GetFullPath(Path.Combine(_options.StateDirectory, "arrays", _def.Name + "-" + ArraysKey(_def)));
    }

    /// <summary>
    /// The key of a pipeline's image arrays: what the images are made of (clip, features, the copies' recipe), not how
    /// the copies are used afterwards (<c>use</c>, <c>refit_trainers</c>), so changing those reuses the arrays.
    /// </summary>
    internal static string ArraysKey(PipelineDefinition def) =>
        StageCache.KeyOf(new { def.Clip, def.Features, Augmentation = def.Augmentation with { Use = "train", RefitTrainers = null }, FeatureCache.CodeVersion },
            "arrays");

    /// <summary>The pipeline's dataset, read with its reader.</summary>
    public Dataset ReadDataset(string path) => _def.Dataset.Reader switch
    {
        "folder" => DatasetReader.ReadFolderPerLabel(path),
        "4q" => DatasetReader.ReadFourQ(path),
        "turkish" => DatasetReader.ReadTurkish(path),
        "manifest" => DatasetReader.ReadManifest(path), // declared a manifest: whatever its extension
        _ => DatasetReader.Open(path),
    };

    private async Task<Featurised> FeaturiseAsync(ActiveRun stage, Dataset dataset, CancellationToken ct)
    {
        var request = FeatureRequest(dataset);
        string? arrays = request.Images == null ? null : ArraysDirectory();
        request = request with { ArraysDirectory = arrays };
        var options = request.Options;
        var images = request.Images;
        var labels = dataset.Labels.Count == 4 && dataset.Labels.All(l => Moods.Canonical.Contains(l)) ? Moods.Canonical : dataset.Labels;
        var originals = new List<Clip>();
        var augmented = new List<Clip>();
        var featurizer = new ClipFeaturizer(options);
        var summary = await FeatureExtraction.RunAsync(request, featurizer, (clip, _) =>
        {
            var row = clip.Row;
            int label = labels.ToList().IndexOf(row.Label ?? "");
            if (label < 0) return ValueTask.CompletedTask;
            string group = _def.Split.GroupBy switch
            {
                "artist" => row.Group ?? row.Song ?? row.Id,
                "song" => row.Song ?? row.Id,
                _ => row.Song ?? row.Id, // "none": every song its own group (copies stay with their song)
            };
            var list = string.IsNullOrEmpty(row.Augmentation) ? originals : augmented;
            if (clip.Window is > 0)
            {
                // a later window of the clip (or copy) just added: the featuriser emits a file's windows in order
                var owner = list.Count > 0 ? list[^1] : null;
                if (owner == null || owner.Row.Path != row.Path || owner.Row.Augmentation != row.Augmentation || owner.Windows.Count != clip.Window)
                    throw new MmcsException(ErrorCodes.InternalError, $"window {clip.Window} of {row.Path} arrived without the windows before it");
                owner.Windows.Add(row);
            }
            else
            {
                list.Add(new Clip(row, null, label, group));
            }
            return ValueTask.CompletedTask;
        }, new Progress<ProgressUpdate>(p => _progress.Report(p with { Task = "featurise" })), ct).ConfigureAwait(false);

        stage.LogParams(new Dictionary<string, string>
        {
            ["feature_set"] = VectorSet.ToString().ToLowerInvariant(),
            ["features"] = summary.FeatureNames.Count.ToString(Invariant.Culture),
            ["cache_dir"] = request.CacheDirectory!,
        });
        stage.LogMetrics(new Dictionary<string, double>
        {
            ["files"] = summary.Files,
            ["succeeded"] = summary.Succeeded,
            ["skipped"] = summary.Skipped,
            ["failed"] = summary.Failed,
            ["cache_hits"] = summary.CacheHits,
            ["computed"] = summary.Computed,
            ["seconds"] = summary.Timings.Wall.TotalSeconds,
        });
        foreach (var f in summary.Failures.Take(20)) Log($"failed: {f.Path}: {f.Message}");
        foreach (var s in summary.Skips.Take(20)) Log($"skipped: {s.Path}: {s.Reason}");
        if (summary.Failures.Count + summary.Skips.Count > 0)
        {
            stage.LogText(string.Join('\n', summary.Failures.Select(f => $"failed\t{f.Path}\t{f.Message}")
                .Concat(summary.Skips.Select(s => $"skipped\t{s.Path}\t{s.Reason}"))) + "\n", "featurise/problems.tsv");
        }
        if (originals.Count < 8)
            throw new MmcsException(ErrorCodes.DataInvalid, $"only {originals.Count} clips could be featurised; at least 8 are needed");
        if (arrays != null)
        {
            // the images stay on disk (one .npz per clip, written by the featuriser); clips know their file
            var files = NpzImageSource.Open(arrays, ImageKind.Mel, labels, includeAugmented: true).Entries
                .ToDictionary(e => e.Id, e => e.File, StringComparer.Ordinal);
            string FileOf(FeatureRow r) => files.TryGetValue(r.Id, out var file) ? file
                : throw new MmcsException(ErrorCodes.InternalError, $"the array directory {arrays} has no images of '{r.Id}'");
            for (int i = 0; i < originals.Count; i++) originals[i] = originals[i] with { ArrayFile = FileOf(originals[i].Row) };
            for (int i = 0; i < augmented.Count; i++) augmented[i] = augmented[i] with { ArrayFile = FileOf(augmented[i].Row) };
            stage.LogParam("arrays_dir", arrays);
        }
        var testTimeCopies = UsesCopiesAtTestTime
            ? augmented.GroupBy(c => c.Song, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal)
            : null;
        return new Featurised(summary, summary.FeatureNames, labels, originals, augmented, images) { TestTimeCopies = testTimeCopies };
    }
}
