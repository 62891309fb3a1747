using System.Diagnostics;
using System.Text.Json;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Augment;
using Mmcs.Featurize.Batch;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Synthesis;
using Mmcs.Pipelines.Definition;
using Mmcs.Pipelines.Promotion;
using Mmcs.Pipelines.Schedule;
using Mmcs.Registry;
using Mmcs.Registry.Models;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Cnn;
using Mmcs.Train.Data;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Plots;
using Mmcs.Train.Predict;
using Mmcs.Train.Tabular;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Tracking;

namespace Mmcs.Pipelines.Run;

/// <summary>How a pipeline run is carried out (not what it trains: that is the YAML).</summary>
public sealed record PipelineRunOptions
{
    /// <summary>Dataset folder overriding dataset.path (--data).</summary>
    public string? DataOverride { get; init; }

    /// <summary>Tracking URI (else MLFLOW_TRACKING_URI, else ./mlruns).</summary>
    public string? TrackingUri { get; init; }

    /// <summary>Folder for pipeline state (locks, resumable stage results); relative paths in the YAML's features.cache_dir
    /// are resolved against the working directory.</summary>
    public string StateDirectory { get; init; } = Path.Combine(".mmcs", "pipelines");

    /// <summary>Take the pipeline's lock (false when the caller, e.g. the scheduler, already holds it).</summary>
    public bool TakeLock { get; init; } = true;

    /// <summary>Called with each line of the run's log.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Called before each stage runs (tests use it to make a stage fail).</summary>
    public Action<string>? BeforeStage { get; init; }
}

/// <summary>What a pipeline run produced.</summary>
public sealed record PipelineRunResult(
    string RunId,
    string ExperimentId,
    string TrackingUri,
    string DataPath,
    int Clips,
    FeatureExtractionSummary Features,
    ClassificationReport Evaluation,
    Interval AccuracyCi,
    Interval MacroF1Ci,
    IReadOnlyDictionary<string, ClassificationReport> Members,
    string Protocol,
    ModelVersion? Version,
    string? ModelUri,
    PromotionDecision? Decision,
    IReadOnlyList<string> ResumedStages,
    TimeSpan Duration);

/// <summary>
/// Runs a pipeline: ingest → featurise → split → train 1D → train 2D → ensemble → evaluate → register → promote, as
/// one parent MLflow run with a nested run per stage. Features come from the feature cache when unchanged; trained
/// stages are kept until the run ends well, so a re-run after a failure resumes; a failed stage marks its run and
/// the parent FAILED with the reason.
/// </summary>
public sealed class PipelineRunner
{
    public static readonly IReadOnlyList<string> StageNames =
        ["ingest", "featurise", "split", "train_1d", "train_2d", "ensemble", "evaluate", "register", "promote"];

    private readonly LoadedPipeline _pipeline;
    private readonly PipelineRunOptions _options;
    private readonly PipelineDefinition _def;
    private readonly IProgress<ProgressUpdate> _progress;

    public PipelineRunner(LoadedPipeline pipeline, PipelineRunOptions? options = null, IProgress<ProgressUpdate>? progress = null)
    {
        _pipeline = pipeline;
        _def = pipeline.Definition;
        _options = options ?? new PipelineRunOptions();
        _progress = progress ?? Progress.None;
    }

    private void Log(string line) => _options.Log?.Invoke(line);

    public async Task<PipelineRunResult> RunAsync(CancellationToken cancellationToken = default)
    {
        using var gate = _options.TakeLock ? AcquireLock() : null;
        using var tracker = Tracker.Open(_options.TrackingUri);
        var clock = Stopwatch.StartNew();
        return await tracker.RunAsync(_def.Experiment, _def.Name, run =>
        {
            Log($"run {run.RunId} in experiment '{_def.Experiment}' at {tracker.TrackingUri}");
            return ExecuteAsync(tracker, run, clock, cancellationToken);
        }, new Dictionary<string, string>
        {
            ["mmcs.pipeline"] = _def.Name,
            ["mmcs.pipeline.file"] = Path.GetFullPath(_pipeline.File),
        }).ConfigureAwait(false);
    }

    private PipelineLock AcquireLock() =>
        PipelineLock.TryAcquire(Path.Combine(_options.StateDirectory, "locks"), _def.Name)
        ?? throw new MmcsException(ErrorCodes.InvalidState, $"pipeline '{_def.Name}' is already running (lock in {Path.Combine(_options.StateDirectory, "locks")})");

    /// <summary>Runs one stage as a nested run: FINISHED when it returns, FAILED with the reason when it throws.</summary>
    private async Task<T> Stage<T>(ActiveRun parent, string name, Func<ActiveRun, Task<T>> body)
    {
        var stageClock = Stopwatch.StartNew();
        Log($"stage {name}");
        _progress.Report(new ProgressUpdate("pipeline", StageIndex(name), StageNames.Count, name));
        using var child = parent.StartChild(name, new Dictionary<string, string> { ["mmcs.stage"] = name });
        try
        {
            _options.BeforeStage?.Invoke(name);
            var result = await body(child).ConfigureAwait(false);
            child.LogMetric("stage_seconds", stageClock.Elapsed.TotalSeconds);
            child.End();
            return result;
        }
        catch (OperationCanceledException)
        {
            child.End(RunStatus.Killed);
            throw;
        }
        catch (Exception e)
        {
            child.Fail(e);
            parent.SetTag("mmcs.failed_stage", name);
            throw new MmcsException(e is MmcsException m ? m.ErrorCode : ErrorCodes.InternalError, $"stage {name} failed: {e.Message}", e);
        }
    }

    private static int StageIndex(string name)
    {
        int i = StageNames.ToList().IndexOf(name);
        return i < 0 ? 0 : i;
    }

    private Task<T> Stage<T>(ActiveRun parent, string name, Func<ActiveRun, T> body) => Stage(parent, name, r => Task.FromResult(body(r)));

    private async Task<PipelineRunResult> ExecuteAsync(Tracker tracker, ActiveRun run, Stopwatch clock, CancellationToken ct)
    {
        run.LogParams(FlattenDefinition());

        // ---- ingest ----
        var (dataPath, dataset, fingerprint) = await Stage(run, "ingest", stage => Ingest(stage, ct));
        run.LogParam("data_path", dataPath);
        run.SetTag("mmcs.data.fingerprint", fingerprint);
        run.LogInput(new DatasetInput(Path.GetFileName(dataPath.TrimEnd('/')), fingerprint[..Math.Min(16, fingerprint.Length)], "local", dataPath));

        // ---- featurise ----
        var features = await Stage(run, "featurise", stage => FeaturiseAsync(stage, dataset, ct));
        Log($"featurised {features.Summary.Succeeded} clips; feature rows of clips and augmented copies: {features.Summary.CacheHits} from the cache, {features.Summary.Computed} computed");

        // ---- split ----
        var split = await Stage(run, "split", stage => Split(stage, features));

        var cache = new StageCache(_options.StateDirectory, StageCache.KeyOf(new { _def.Clip, _def.Features, _def.Augmentation, _def.Split, _def.Train, _def.Ensemble, FeatureCache.CodeVersion }, fingerprint));
        cache.Touch(); // a run resuming from an old entry keeps it from being pruned by another pipeline's run
        var pruned = StageCache.PruneStale(_options.StateDirectory, cache.Key, StageCache.DefaultMaxAge);
        if (pruned.Count > 0)
            Log($"removed {pruned.Count} stage-cache entr{(pruned.Count == 1 ? "y" : "ies")} of other configurations left for more than {StageCache.DefaultMaxAge.TotalDays:F0} days");
        var resumed = new List<string>();
        var members = new List<(string Name, IMoodClassifier Model)>();
        try
        {
            // ---- train 1D ----
            if (_def.Train.Automl.Enabled)
            {
                var tab = await Stage(run, "train_1d", stage => Train1d(stage, features, split, cache, resumed, ct));
                members.Add(("tabular", tab));
            }

            // ---- train 2D ----
            if (_def.Train.Cnn.Enabled && _def.Train.Cnn.Models.Length > 0)
            {
                var cnns = await Stage(run, "train_2d", stage => Train2d(stage, features, split, cache, resumed, ct));
                members.AddRange(cnns);
            }
            if (members.Count == 0)
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{_pipeline.File}: no model to train (train.automl and train.cnn are both disabled)");

            // ---- ensemble ----
            IMoodClassifier final = await Stage(run, "ensemble", stage => Ensemble(stage, features, split, members));
            var finalOwner = final;

            // ---- evaluate ----
            var evaluation = await Stage(run, "evaluate", stage => IsCv
                ? CrossValidate(stage, features, split, cache, resumed, ct)
                : Evaluate(stage, features, split, final, members));
            foreach (var (k, v) in evaluation.Metrics) run.LogMetric(k, v);

            // ---- register ----
            var (modelUri, version) = await Stage(run, "register", stage => Register(tracker, run, stage, final, evaluation, fingerprint));

            // ---- promote ----
            PromotionDecision? decision = null;
            if (version != null && _def.Promotion.Enabled)
                decision = await Stage(run, "promote", stage => Promote(tracker, run, stage, version, evaluation, features, split, fingerprint, ct));

            cache.Clear();
            DisposeModels(finalOwner, members);
            members.Clear();
            return new PipelineRunResult(run.RunId, run.ExperimentId, tracker.TrackingUri, dataPath, features.Originals.Count,
                features.Summary, evaluation.Report, evaluation.AccuracyCi, evaluation.MacroF1Ci, evaluation.MemberReports,
                _def.Split.Protocol, version, modelUri, decision, resumed, clock.Elapsed);
        }
        finally
        {
            foreach (var (_, m) in members)
            {
                try
                {
                    m.Dispose();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }
    }

    // ------------------------------------------------------------------ ingest

    private (string Path, Dataset Dataset, string Fingerprint) Ingest(ActiveRun stage, CancellationToken ct)
    {
        string path = _pipeline.ResolveDataPath(_options.DataOverride);
        if (_def.Dataset.Synthetic is { } synth && (!Directory.Exists(path) || !Directory.EnumerateFileSystemEntries(path).Any()))
        {
            Log($"generating the synthetic corpus into {path}");
            SyntheticCorpus.Generate(path, new SyntheticCorpusOptions { PerClass = synth.PerClass, Seconds = synth.Seconds, Seed = synth.Seed },
                null, ct);
            stage.SetTag("mmcs.synthetic", "true");
        }
        if (!Directory.Exists(path) && !File.Exists(path))
            throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"dataset '{path}' does not exist (set dataset.path or give --data DIR)");
        var dataset = ReadDataset(path);
        if (dataset.Items.Count == 0) throw new DatasetException($"dataset '{path}' holds no labelled audio");
        if (_def.Train.Automl is { Enabled: true, PairSpecialists: { } pair } && pair.FirstOrDefault(l => !dataset.Labels.Contains(l, StringComparer.Ordinal)) is { } unknown)
            throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"{_pipeline.File}: train.automl.pair_specialists names '{unknown}', which is not a label of dataset '{path}' ({string.Join(", ", dataset.Labels)})");
        string fingerprint = DataFingerprint.Compute(path, cancellationToken: ct);
        stage.LogParam("layout", dataset.Layout.ToString());
        stage.LogParam("clips", dataset.Items.Count);
        foreach (var (label, n) in dataset.CountByLabel()) stage.LogMetric("clips." + label, n);
        foreach (var w in dataset.Warnings.Take(20)) Log("warning: " + w);
        return (path, dataset, fingerprint);
    }

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
            TestTimeCopies != null && TestTimeCopies.TryGetValue(clip.Row.Song ?? clip.Row.Id, out var copies) ? [clip, .. copies] : [clip];
    }

    /// <summary>A featurised clip: its 1D row in memory, its 2D images on disk (<paramref name="ArrayFile"/>, an .npz of
    /// the array directory) so that memory does not grow with the dataset. With texture windows (clip.window_seconds)
    /// <paramref name="Row"/> is the first window's row and <see cref="Windows"/> holds every window's row.</summary>
    internal sealed record Clip(FeatureRow Row, string? ArrayFile, int Label, string Group)
    {
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
            ? augmented.GroupBy(c => c.Row.Song ?? c.Row.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal)
            : null;
        return new Featurised(summary, summary.FeatureNames, labels, originals, augmented, images) { TestTimeCopies = testTimeCopies };
    }

    // ------------------------------------------------------------------ split

    /// <summary>Indices into <see cref="Featurised.Originals"/>: the fit part of training, the validation part, the test part.</summary>
    internal sealed record SplitPlan(int[] Fit, int[] Validation, int[] Test)
    {
        /// <summary>The cv protocol's folds (repeat, fold, plan), each with its own fit/validation/test parts.</summary>
        public IReadOnlyList<(int Repeat, int Fold, SplitPlan Plan)> Folds { get; init; } = [];
    }

    private bool IsCv => _def.Split.Protocol == "cv";

    /// <summary>What makes two evaluations comparable: protocol, folds, repeats, fractions, grouping and seed.</summary>
    private string EvaluationSignature => IsCv
        ? FormattableString.Invariant($"cv:{_def.Split.Repeats}x{_def.Split.Folds}:{_def.Split.GroupBy}:seed{_def.Split.Seed}")
        : FormattableString.Invariant($"holdout:{_def.Split.TestFraction}:{_def.Split.GroupBy}:seed{_def.Split.Seed}");

    /// <summary>Fit and validation parts (whole groups) of the rows <paramref name="train"/>.</summary>
    private static SplitPlan FitValidation(int[] labels, string[] groups, int[] train, int[] test, double validationFraction, int seed)
    {
        var (fitLocal, valLocal) = GroupedHoldOut.Split(train.Select(i => labels[i]).ToArray(), train.Select(i => groups[i]).ToArray(),
            validationFraction, seed);
        return new SplitPlan(fitLocal.Select(i => train[i]).ToArray(), valLocal.Select(i => train[i]).ToArray(), test);
    }

    private SplitPlan Split(ActiveRun stage, Featurised f)
    {
        var labels = f.Originals.Select(c => c.Label).ToArray();
        var groups = f.Originals.Select(c => c.Group).ToArray();
        var s = _def.Split;
        SplitPlan plan;
        if (IsCv)
        {
            // the final model trains on every clip; the evaluation is repeated grouped k-fold over the whole procedure
            var all = Enumerable.Range(0, labels.Length).ToArray();
            var folds = new List<(int, int, SplitPlan)>();
            for (int r = 0; r < s.Repeats; r++)
            {
                var split = new StratifiedGroupKFold(s.Folds, s.Seed + r).Split(labels, groups);
                for (int k = 0; k < split.Count; k++)
                {
                    var foldPlan = FitValidation(labels, groups, split[k].Train, split[k].Test, s.ValidationFraction, s.Seed + 1000 * (r + 1) + k);
                    CheckDisjoint(f, foldPlan);
                    folds.Add((r + 1, k + 1, foldPlan));
                }
            }
            plan = FitValidation(labels, groups, all, [], s.ValidationFraction, s.Seed + 1) with { Folds = folds };
            stage.LogMetric("folds", folds.Count);
        }
        else
        {
            var (train, test) = GroupedHoldOut.Split(labels, groups, s.TestFraction, s.Seed);
            plan = FitValidation(labels, groups, train, test, s.ValidationFraction, s.Seed + 1);
        }
        CheckDisjoint(f, plan);
        stage.LogParams(new Dictionary<string, string>
        {
            ["protocol"] = s.Protocol,
            ["group_by"] = s.GroupBy,
            ["test_fraction"] = Invariant.Format(s.TestFraction),
            ["validation_fraction"] = Invariant.Format(s.ValidationFraction),
            ["seed"] = s.Seed.ToString(Invariant.Culture),
            ["folds"] = s.Folds.ToString(Invariant.Culture),
            ["repeats"] = s.Repeats.ToString(Invariant.Culture),
        });
        stage.LogMetrics(new Dictionary<string, double>
        {
            ["fit_clips"] = plan.Fit.Length,
            ["validation_clips"] = plan.Validation.Length,
            ["test_clips"] = plan.Test.Length,
            ["augmented_training_clips"] = TrainingCopies(f, plan.Fit).Count,
            ["groups"] = groups.Distinct().Count(),
        });
        return plan;
    }

    /// <summary>No group (artist or song) may be in two parts: the check a leak would fail.</summary>
    private static void CheckDisjoint(Featurised f, SplitPlan plan)
    {
        var fit = plan.Fit.Select(i => f.Originals[i].Group).ToHashSet();
        var val = plan.Validation.Select(i => f.Originals[i].Group).ToHashSet();
        var test = plan.Test.Select(i => f.Originals[i].Group).ToHashSet();
        if (fit.Overlaps(test) || val.Overlaps(test) || fit.Overlaps(val))
            throw new MmcsException(ErrorCodes.InternalError, "the split put one group in two parts");
    }

    /// <summary>Augmented copies of exactly the songs in <paramref name="originals"/> (never of validation or test songs).</summary>
    internal static List<Clip> AugmentedFor(Featurised f, IReadOnlyList<int> originals)
    {
        var songs = originals.Select(i => f.Originals[i].Row.Song ?? f.Originals[i].Row.Id).ToHashSet(StringComparer.Ordinal);
        return f.Augmented.Where(c => songs.Contains(c.Row.Song ?? c.Row.Id)).ToList();
    }

    /// <summary>The augmented copies trained on: those of the training songs, unless the copies are for test time only.</summary>
    private List<Clip> TrainingCopies(Featurised f, IReadOnlyList<int> originals) =>
        _def.Augmentation.Use == "test" ? [] : AugmentedFor(f, originals);

    private List<Clip> TrainingClips(Featurised f, SplitPlan plan) =>
        plan.Fit.Select(i => f.Originals[i]).Concat(TrainingCopies(f, plan.Fit)).ToList();

    /// <summary>augmentation.use test or both: songs are scored over their windows and their copies' windows.</summary>
    private bool UsesCopiesAtTestTime => _def.Augmentation.Use != "train" && AugmentationPlanFor() != null;

    // ------------------------------------------------------------------ train 1D

    private IMoodClassifier Train1d(ActiveRun stage, Featurised f, SplitPlan plan, StageCache cache, List<string> resumed, CancellationToken ct,
        string keyPrefix = "", bool trialRuns = true)
    {
        string key = keyPrefix + "train_1d";
        if (cache.TryLoad(key) is { } saved)
        {
            Log($"{key}: resumed from the saved result of an unfinished run");
            stage.SetTag("mmcs.resumed", "true");
            resumed.Add(key);
            return saved;
        }
        var a = _def.Train.Automl;
        // the validation part exists for the CNNs' early stopping and the ensemble weights; a lone tabular model
        // (selected by its own inner cross-validation) trains on both parts
        bool alone = !(_def.Train.Cnn.Enabled && _def.Train.Cnn.Models.Length > 0);
        int[] fit = alone ? [.. plan.Fit, .. plan.Validation] : plan.Fit;
        var clips = TrainingClips(f, plan with { Fit = fit });
        TabularDataset Table(IEnumerable<Clip> tableClips, string source) => WindowTable(f, tableClips, f.Labels, source);
        var data = Table(clips, "pipeline:" + _def.Name);
        // augmentation.refit_trainers (with use: test): those trainers' final fits also take the training songs' copies
        var refitTrainers = _def.Augmentation.RefitTrainers ?? [];
        var refitCopies = refitTrainers.Length > 0 ? Table(AugmentedFor(f, fit), "pipeline:" + _def.Name + " copies") : null;
        string artifacts = Path.Combine(Path.GetTempPath(), "mmcs-automl-" + Guid.NewGuid().ToString("N"));
        var options = new AutoMlOptions
        {
            TimeBudget = TimeSpan.FromSeconds(a.Time),
            Folds = a.Cv,
            Metric = a.Metric == "accuracy" ? AutoMlMetric.Accuracy : AutoMlMetric.MacroF1,
            Trainers = a.Trainers,
            MaxTrials = a.MaxTrials,
            TopTrainers = a.TopTrainers,
            StartingPoints = (a.Start ?? []).Select(StartingPoint.Parse).ToArray(),
            DropColumns = AutoMlOptions.ParseDropColumns(a.DropColumns ?? []),
            RefitExtra = refitCopies,
            RefitExtraFor = refitTrainers,
            Seed = a.Seed,
            VectorSet = VectorSet,
            ArtifactDirectory = artifacts,
            BootstrapResamples = trialRuns ? Math.Min(_def.Evaluation.Bootstrap, 1000) : 0,
            ImportanceRepeats = trialRuns ? 3 : 0,
            ImportanceTimeBudget = TimeSpan.FromSeconds(a.ImportanceSeconds),
        };
        try
        {
            IAutoMlRun tracking = trialRuns ? new ActiveRunAutoMlAdapter(stage) : NullAutoMlRun.Instance;
            var result = TabularAutoMl.Run(data, options, tracking, null,
                new Progress<ProgressUpdate>(p => _progress.Report(p with { Task = "train_1d" })), ct);
            IMoodClassifier model = result.Model ?? throw new MmcsException(ErrorCodes.InternalError, "the AutoML search returned no model");
            string voteTrainers = string.Join(",", result.TopModels.Select(m => m.Trainer));
            if (a.PairSpecialists is { } pair)
            {
                // the vote's trainers fitted again on the pair's songs alone; their mean splits the vote's P(a) + P(b)
                List<IMoodClassifier> specialists = [];
                try
                {
                    specialists = PairSpecialists(f, fit, pair, result.TopModels, refitTrainers, options.DropColumnsOf, a.Seed, ct);
                    model = new EnsembleClassifier([.. result.TopModels, .. specialists],
                        [.. result.TopModels.Select(m => "tabular-" + m.Trainer), .. result.TopModels.Select(m => $"pair-{m.Trainer}")],
                        roles: [.. result.TopModels.Select(_ => EnsembleRole.Vote), .. specialists.Select(_ => EnsembleRole.Pair)]);
                }
                catch
                {
                    result.Dispose();
                    foreach (var m in specialists) m.Dispose();
                    throw;
                }
                stage.LogParam(keyPrefix.Replace('/', '.') + "pair_specialists", $"{string.Join(",", pair)}: {voteTrainers}");
            }
            else if (result.TopModels.Count > 1)
            {
                // soft vote of the best configuration of each of the top trainers (equal weights)
                model = new EnsembleClassifier(result.TopModels.ToArray(), result.TopModels.Select(m => "tabular-" + m.Trainer).ToArray());
            }
            if (model is EnsembleClassifier) stage.LogParam(keyPrefix.Replace('/', '.') + "vote_trainers", voteTrainers);
            stage.LogParam(keyPrefix.Replace('/', '.') + "best_trainer", result.Best.Trainer);
            stage.LogMetric(keyPrefix.Replace('/', '.') + "inner_cv_macro_f1", result.Best.CvMacroF1);
            foreach (var notice in result.Notices) Log($"{key}: note: {notice}");
            Log($"{key}: best {result.Best.Trainer}, CV accuracy {result.Best.CvAccuracy:0.000}, macro-F1 {result.Best.CvMacroF1:0.000} over {result.Trials.Count} trials");
            cache.Save(key, model);
            return model;
        }
        finally
        {
            if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);
        }
    }

    /// <summary>Each of <paramref name="voters"/>' configurations fitted on the windows of the training songs of the two
    /// <paramref name="pair"/> classes alone (labelled by them, in the dataset's label order; with the copies for the
    /// trainers of augmentation.refit_trainers, as their votes were).</summary>
    private List<IMoodClassifier> PairSpecialists(Featurised f, int[] fit, string[] pair, IReadOnlyList<TabularClassifier> voters,
        string[] refitTrainers, Func<string, IReadOnlyList<string>> dropColumnsOf, int seed, CancellationToken ct)
    {
        var classes = f.Labels.Where(l => pair.Contains(l, StringComparer.Ordinal)).ToArray();
        if (classes.Length != 2)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"train.automl.pair_specialists [{string.Join(", ", pair)}] are not two of the labels ({string.Join(", ", f.Labels)})");
        var inPair = fit.Where(i => classes.Contains(f.Labels[f.Originals[i].Label], StringComparer.Ordinal)).ToArray();
        if (classes.FirstOrDefault(c => !inPair.Any(i => f.Labels[f.Originals[i].Label] == c)) is { } absent)
            throw new MmcsException(ErrorCodes.DataInvalid, $"train.automl.pair_specialists: no '{absent}' song to train the {classes[0]}/{classes[1]} specialists on");
        TabularDataset Table(IEnumerable<Clip> clips) => WindowTable(f, clips, classes, $"pipeline:{_def.Name} {classes[0]}/{classes[1]}");
        var originals = inPair.Select(i => f.Originals[i]).ToList();
        var data = Table(originals.Concat(TrainingCopies(f, inPair)));
        TabularDataset? withCopies = null;
        var specialists = new List<IMoodClassifier>();
        try
        {
            foreach (var voter in voters)
            {
                ct.ThrowIfCancellationRequested();
                bool copies = refitTrainers.Contains(voter.Trainer, StringComparer.OrdinalIgnoreCase);
                if (copies) withCopies ??= Table(originals.Concat(AugmentedFor(f, inPair)));
                var fitted = FittedPipeline.Fit(copies ? withCopies! : data, null, voter.Pipeline.Trainer, voter.Configuration, seed, ct,
                    dropColumnsOf(voter.Trainer));
                specialists.Add(new TabularClassifier(fitted, classes, voter.VectorSet));
            }
            return specialists;
        }
        catch
        {
            foreach (var m in specialists) m.Dispose();
            throw;
        }
    }

    /// <summary>The 1D models' training table: every window of the clips is a row, labelled by its clip's label among
    /// <paramref name="classNames"/> and grouped by its clip's group.</summary>
    private static TabularDataset WindowTable(Featurised f, IEnumerable<Clip> clips, IReadOnlyList<string> classNames, string source)
    {
        var rows = clips.SelectMany(c => c.Windows.Select(w => (w.Values, Clip: c))).ToArray();
        return TabularDataset.FromVectors(f.FeatureNames, rows.Select(r => r.Values).ToArray(),
            rows.Select(r => f.Labels[r.Clip.Label]).ToArray(), rows.Select(r => r.Clip.Group).ToArray(), classNames, source);
    }

    // ------------------------------------------------------------------ train 2D

    private static ImageKind KindOf(string name) => name switch
    {
        "spectrogram" => ImageKind.Spectrogram,
        "mfcc" => ImageKind.Mfcc,
        _ => ImageKind.Mel,
    };

    private static ImageSize SizeOf(ImageOptions images, ImageKind kind) => kind switch
    {
        ImageKind.Spectrogram => images.Spectrogram!,
        ImageKind.Mfcc => images.Mfcc!,
        _ => images.Mel!,
    };

    /// <summary>Training and validation images streamed from the clips' .npz files, batch by batch.</summary>
    private static NpzImageSource Source(Featurised f, IEnumerable<Clip> clips, ImageKind kind) =>
        new(kind, SizeOf(f.Images!, kind), f.Labels, clips.Select(c => new NpzImageEntry(c.Row.Id,
            c.ArrayFile ?? throw new MmcsException(ErrorCodes.InternalError, $"clip {c.Row.Path} was featurised without images"),
            c.Label, c.Group, c.Row.Song ?? c.Row.Id, c.Row.Augmentation)));

    private List<(string, IMoodClassifier)> Train2d(ActiveRun stage, Featurised f, SplitPlan plan, StageCache cache, List<string> resumed, CancellationToken ct,
        string keyPrefix = "")
    {
        var c = _def.Train.Cnn;
        var models = new List<(string, IMoodClassifier)>();
        try
        {
            foreach (var name in c.Models)
            {
                string key = keyPrefix + "train_2d-" + name;
                if (cache.TryLoad(key) is { } saved)
                {
                    Log($"{key}: resumed from the saved result of an unfinished run");
                    resumed.Add(key);
                    models.Add(("cnn2d-" + name, saved));
                    continue;
                }
                var kind = KindOf(name);
                using var child = stage.StartChild("cnn2d-" + name, new Dictionary<string, string> { ["mmcs.stage"] = "train_2d", ["mmcs.input"] = name });
                var split = new CnnSplit(Source(f, TrainingClips(f, plan), kind), Source(f, plan.Validation.Select(i => f.Originals[i]), kind), null);
                var training = new Cnn2dTrainingOptions
                {
                    LearningRate = c.LearningRate,
                    BatchSize = c.BatchSize,
                    MaxEpochs = c.Epochs,
                    Patience = c.Patience,
                    Seed = c.Seed,
                };
                Cnn2dVariant[] variants = c.Preset == "original"
                    ? [new Cnn2dVariant("original", Cnn2dArchitecture.Original(kind), training)]
                    : Cnn2dOptionSearch.StandardVariants(kind, training)
                        .Where(v => c.Candidates == null || c.Candidates.Contains(v.Name, StringComparer.OrdinalIgnoreCase)).ToArray();
                if (variants.Length == 0)
                    throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{_pipeline.File}: train.cnn.candidates names no known candidate");
                child.LogParams(new Dictionary<string, string>
                {
                    ["input"] = name,
                    ["image_size"] = $"{split.Train.Size.Rows}x{split.Train.Size.Cols}",
                    ["preset"] = c.Preset,
                    ["candidates"] = string.Join(",", variants.Select(v => v.Name)),
                    ["epochs"] = c.Epochs.ToString(Invariant.Culture),
                    ["batch_size"] = c.BatchSize.ToString(Invariant.Culture),
                    ["learning_rate"] = Invariant.Format(c.LearningRate),
                    ["patience"] = c.Patience.ToString(Invariant.Culture),
                    ["training_clips"] = split.Train.Count.ToString(Invariant.Culture),
                    ["validation_clips"] = split.Validation.Count.ToString(Invariant.Culture),
                });
                var search = Cnn2dOptionSearch.Run(split, variants, SelectionMetric.ValidationLogLoss,
                    v => TrainingObservers.MetricSteps((k, value, step) => child.LogMetric(k, value, step), variants.Length > 1 ? v.Name + "." : ""),
                    new Progress<ProgressUpdate>(p => _progress.Report(p with { Task = "train_2d " + name })), ct);
                foreach (var cand in search.Candidates)
                {
                    child.LogMetric($"candidate.{cand.Name}.val_accuracy", cand.ValidationAccuracy);
                    child.LogMetric($"candidate.{cand.Name}.val_log_loss", cand.ValidationLogLoss);
                }
                var best = search.WinnerTraining;
                child.LogParam("winner", search.Winner.Name);
                child.LogMetrics(new Dictionary<string, double>
                {
                    ["best_epoch"] = best.BestEpoch,
                    ["epochs_run"] = best.History.Count,
                    ["seconds_per_epoch"] = best.SecondsPerEpoch,
                    ["best_val_accuracy"] = best.Best.ValidationAccuracy,
                    ["best_val_loss"] = best.Best.ValidationLoss,
                });
                string plots = Path.Combine(Path.GetTempPath(), "mmcs-cnn-" + Guid.NewGuid().ToString("N"));
                try
                {
                    foreach (var png in Cnn2dArtifacts.WriteTrainingCurves(plots, best, $"{name} CNN ({search.Winner.Name})"))
                        child.LogArtifact(png, "plots");
                }
                finally
                {
                    if (Directory.Exists(plots)) Directory.Delete(plots, recursive: true);
                }
                Log($"train_2d {name}: {search.Winner.Name}, best epoch {best.BestEpoch}/{best.History.Count}, val accuracy {best.Best.ValidationAccuracy:0.000}, {best.SecondsPerEpoch:0.0} s/epoch");
                cache.Save(key, best.Model);
                models.Add(("cnn2d-" + name, best.Model));
            }
            return models;
        }
        catch
        {
            foreach (var (_, m) in models) m.Dispose();
            throw;
        }
    }

    // ------------------------------------------------------------------ ensemble

    private IMoodClassifier Ensemble(ActiveRun stage, Featurised f, SplitPlan plan, List<(string Name, IMoodClassifier Model)> members)
    {
        if (!_def.Ensemble.Enabled || members.Count == 1)
        {
            stage.LogParam("ensemble", "none");
            // the single member, or the best on validation when the ensemble is disabled
            var truth = plan.Validation.Select(i => f.Originals[i].Label).ToArray();
            var best = members.OrderByDescending(m => ClassificationReport.Compute(truth,
                ClassificationReport.ArgMax(Batched(f, plan.Validation, m.Model.PredictProbabilities)), f.Labels).MacroF1).First();
            stage.LogParam("chosen", best.Name);
            return best.Model;
        }
        var valTruth = plan.Validation.Select(i => f.Originals[i].Label).ToArray();
        var probabilities = members.Select(m => Batched(f, plan.Validation, m.Model.PredictProbabilities)).ToArray();
        var weighting = _def.Ensemble.Weighting == "equal" ? EnsembleWeighting.Equal : EnsembleWeighting.LogLoss;
        var weights = EnsembleWeights.Fit(probabilities, valTruth, weighting, f.Labels);
        for (int m = 0; m < members.Count; m++)
        {
            var report = ClassificationReport.Compute(valTruth, ClassificationReport.ArgMax(probabilities[m]), f.Labels);
            stage.LogMetric($"weight.{members[m].Name}", weights[m]);
            stage.LogMetric($"val_macro_f1.{members[m].Name}", report.MacroF1);
        }
        stage.LogParam("weighting", weighting.ToString().ToLowerInvariant());
        var ensemble = new EnsembleClassifier(members.Select(m => m.Model).ToArray(), members.Select(m => m.Name).ToArray(), weights, weighting);
        var ensembleReport = ClassificationReport.Compute(valTruth, ClassificationReport.ArgMax(ensemble.Combine(probabilities)), f.Labels);
        stage.LogMetric("val_macro_f1.ensemble", ensembleReport.MacroF1);
        Log($"ensemble: weights {string.Join(", ", members.Select((m, i) => $"{m.Name} {weights[i]:0.00}"))}");
        return ensemble;
    }

    /// <summary>Disposes what a training produced: the final ensemble, which owns the members it was built from, or else
    /// every member (the final model, when there is one, being one of them: the one chosen with the ensemble disabled,
    /// perhaps the tabular vote, itself an ensemble).</summary>
    internal static void DisposeModels(IMoodClassifier? final, IReadOnlyList<(string Name, IMoodClassifier Model)> members)
    {
        if (final is EnsembleClassifier && !members.Any(m => ReferenceEquals(m.Model, final))) final.Dispose();
        else foreach (var (_, m) in members) m.Dispose();
    }

    // ------------------------------------------------------------------ evaluate

    internal sealed record EvaluationResult(
        ClassificationReport Report,
        Interval AccuracyCi,
        Interval MacroF1Ci,
        IReadOnlyDictionary<string, ClassificationReport> MemberReports,
        IReadOnlyDictionary<string, double> Metrics);

    private EvaluationResult Evaluate(ActiveRun stage, Featurised f, SplitPlan plan, IMoodClassifier final, List<(string Name, IMoodClassifier Model)> members)
    {
        var truth = plan.Test.Select(i => f.Originals[i].Label).ToArray();
        var (predicted, memberPredicted) = PredictParts(f, plan.Test, final);
        return Summarise(stage, f, "test", truth, predicted, memberPredicted, truth.Length, [],
            plan.Test.Select(i => f.Originals[i].Row.Path).ToArray());
    }

    /// <summary>Class predictions of the final model and (for an ensemble) of each member for some clips.</summary>
    private static (int[] Final, Dictionary<string, int[]> Members) PredictParts(Featurised f, IReadOnlyList<int> rows, IMoodClassifier final)
    {
        var members = new Dictionary<string, int[]>();
        if (final is EnsembleClassifier ensemble)
        {
            var perMember = BatchedMembers(f, rows, ensemble);
            // a pair specialist alone would name one of its two classes for every song: no member report of its own
            for (int m = 0; m < perMember.Count; m++)
                if (ensemble.Roles[m] == EnsembleRole.Vote) members[ensemble.Names[m]] = ClassificationReport.ArgMax(perMember[m]);
            return (ClassificationReport.ArgMax(ensemble.Combine(perMember)), members);
        }
        return (ClassificationReport.ArgMax(Batched(f, rows, final.PredictProbabilities)), members);
    }

    /// <summary>
    /// The cv protocol: for each repetition and fold, the whole training procedure (augmentation of training songs,
    /// scaling, feature selection and AutoML model selection, the CNNs with their early stopping, the ensemble weights)
    /// runs on the training folds alone and predicts the held-out fold. Reports pool the out-of-fold predictions of every
    /// repetition; the interval is the percentile bootstrap over clips of the first repetition.
    /// </summary>
    private EvaluationResult CrossValidate(ActiveRun stage, Featurised f, SplitPlan plan, StageCache cache, List<string> resumed, CancellationToken ct)
    {
        var truthAll = new List<int>();
        var predictedAll = new List<int>();
        var memberAll = new Dictionary<string, List<int>>();
        var firstTruth = new List<int>();
        var firstPredicted = new List<int>();
        var foldScores = new List<double>();
        int done = 0;
        foreach (var (repeat, fold, foldPlan) in plan.Folds)
        {
            ct.ThrowIfCancellationRequested();
            _progress.Report(new ProgressUpdate("cross-validation", done++, plan.Folds.Count, $"repeat {repeat} fold {fold}"));
            string prefix = $"fold-{repeat}-{fold}/";
            using var child = stage.StartChild($"fold {repeat}.{fold}", new Dictionary<string, string> { ["mmcs.stage"] = "evaluate", ["mmcs.fold"] = $"{repeat}.{fold}" });
            var members = new List<(string Name, IMoodClassifier Model)>();
            IMoodClassifier? final = null;
            try
            {
                if (_def.Train.Automl.Enabled)
                    members.Add(("tabular", Train1d(child, f, foldPlan, cache, resumed, ct, prefix, trialRuns: false)));
                if (_def.Train.Cnn.Enabled && _def.Train.Cnn.Models.Length > 0)
                    members.AddRange(Train2d(child, f, foldPlan, cache, resumed, ct, prefix));
                final = Ensemble(child, f, foldPlan, members);
                var truth = foldPlan.Test.Select(i => f.Originals[i].Label).ToArray();
                var (predicted, memberPredicted) = PredictParts(f, foldPlan.Test, final);
                var report = ClassificationReport.Compute(truth, predicted, f.Labels);
                child.LogMetrics(new Dictionary<string, double>
                {
                    ["accuracy"] = report.Accuracy, ["macro_f1"] = report.MacroF1, ["test_clips"] = truth.Length,
                    ["train_clips"] = foldPlan.Fit.Length + foldPlan.Validation.Length,
                    // windows the test songs were scored on: their own, and with test-time augmentation their copies'
                    ["scored_windows"] = foldPlan.Test.Sum(i => f.ScoringWindowCount(f.Originals[i])),
                });
                child.End();
                foldScores.Add(report.MacroF1);
                truthAll.AddRange(truth);
                predictedAll.AddRange(predicted);
                if (repeat == 1)
                {
                    firstTruth.AddRange(truth);
                    firstPredicted.AddRange(predicted);
                }
                foreach (var (name, p) in memberPredicted)
                {
                    if (!memberAll.TryGetValue(name, out var list)) memberAll[name] = list = [];
                    list.AddRange(p);
                }
                Log($"fold {repeat}.{fold}: accuracy {report.Accuracy:0.000}, macro-F1 {report.MacroF1:0.000} on {truth.Length} clips");
            }
            finally
            {
                DisposeModels(final, members);
            }
        }
        _progress.Report(new ProgressUpdate("cross-validation", plan.Folds.Count, plan.Folds.Count));
        var memberPredictedAll = memberAll.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        var foldCi = ConfidenceIntervals.FromFoldScores(foldScores);
        return Summarise(stage, f, "cv", truthAll.ToArray(), predictedAll.ToArray(), memberPredictedAll, f.Originals.Count,
            [("fold_macro_f1_ci_low", foldCi.Low), ("fold_macro_f1_ci_high", foldCi.High), ("folds", foldScores.Count)],
            [], firstTruth.ToArray(), firstPredicted.ToArray());
    }

    /// <summary>Metrics (prefixed "test" or "cv"), the confusion-matrix and per-model PNGs and report.json of an evaluation.</summary>
    private EvaluationResult Summarise(ActiveRun stage, Featurised f, string prefix, int[] truth, int[] predicted,
        Dictionary<string, int[]> memberPredicted, int clips, IReadOnlyList<(string Key, double Value)> extra, string[] items,
        int[]? ciTruth = null, int[]? ciPredicted = null)
    {
        var report = ClassificationReport.Compute(truth, predicted, f.Labels);
        var memberReports = memberPredicted.ToDictionary(kv => kv.Key, kv => ClassificationReport.Compute(truth, kv.Value, f.Labels));
        int resamples = Math.Max(1, _def.Evaluation.Bootstrap);
        ciTruth ??= truth;
        ciPredicted ??= predicted;
        var accCi = ConfidenceIntervals.Bootstrap(ciTruth, ciPredicted, f.Labels, r => r.Accuracy, resamples, seed: _def.Split.Seed);
        var f1Ci = ConfidenceIntervals.Bootstrap(ciTruth, ciPredicted, f.Labels, r => r.MacroF1, resamples, seed: _def.Split.Seed);
        var metrics = new Dictionary<string, double>
        {
            [$"{prefix}_accuracy"] = report.Accuracy,
            [$"{prefix}_macro_f1"] = report.MacroF1,
            [$"{prefix}_accuracy_ci_low"] = accCi.Low,
            [$"{prefix}_accuracy_ci_high"] = accCi.High,
            [$"{prefix}_macro_f1_ci_low"] = f1Ci.Low,
            [$"{prefix}_macro_f1_ci_high"] = f1Ci.High,
            [$"{prefix}_clips"] = clips,
        };
        foreach (var (k, v) in extra) metrics[$"{prefix}_{k}"] = v;
        foreach (var c in report.PerClass) metrics[$"{prefix}_f1.{c.Label}"] = c.F1;
        foreach (var (name, r) in memberReports)
        {
            metrics[$"{prefix}_accuracy.{name}"] = r.Accuracy;
            metrics[$"{prefix}_macro_f1.{name}"] = r.MacroF1;
        }
        stage.LogMetrics(metrics);
        string what = prefix == "cv" ? $"{_def.Split.Repeats}x{_def.Split.Folds}-fold grouped CV, {clips} clips" : $"test set, {clips} clips";
        string dir = Path.Combine(Path.GetTempPath(), "mmcs-eval-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string png = Path.Combine(dir, "confusion_matrix.png");
            Charts.ConfusionMatrix(png, report.Confusion, f.Labels, $"{_def.Name}: {what}");
            stage.LogArtifact(png, "evaluation");
            if (memberReports.Count > 0)
            {
                string bars = Path.Combine(dir, "macro_f1_by_model.png");
                Charts.Bars(bars, $"Macro-F1 by model ({what})", "macro-F1",
                    memberReports.Select(kv => (kv.Key, kv.Value.MacroF1)).Append(("ensemble", report.MacroF1)).ToArray());
                stage.LogArtifact(bars, "evaluation");
            }
            string json = Path.Combine(dir, "report.json");
            File.WriteAllText(json, JsonSerializer.Serialize(new
            {
                protocol = _def.Split.Protocol,
                accuracy = report.Accuracy,
                macro_f1 = report.MacroF1,
                accuracy_ci = new[] { accCi.Low, accCi.High },
                macro_f1_ci = new[] { f1Ci.Low, f1Ci.High },
                extra = extra.ToDictionary(e => e.Key, e => e.Value),
                labels = f.Labels,
                per_class = report.PerClass.ToDictionary(c => c.Label, c => new { precision = c.Precision, recall = c.Recall, f1 = c.F1, support = c.Support }),
                confusion = report.Confusion,
                members = memberReports.ToDictionary(kv => kv.Key, kv => new { accuracy = kv.Value.Accuracy, macro_f1 = kv.Value.MacroF1 }),
                test_items = items,
            }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            stage.LogArtifact(json, "evaluation");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        Log($"evaluate ({what}): accuracy {report.Accuracy:0.000} [{accCi.Low:0.000}, {accCi.High:0.000}], macro-F1 {report.MacroF1:0.000} [{f1Ci.Low:0.000}, {f1Ci.High:0.000}]");
        return new EvaluationResult(report, accCi, f1Ci, memberReports, metrics);
    }

    // ------------------------------------------------------------------ register

    private (string? Uri, ModelVersion? Version) Register(Tracker tracker, ActiveRun run, ActiveRun stage, IMoodClassifier final,
        EvaluationResult evaluation, string fingerprint)
    {
        string dir = Path.Combine(Path.GetTempPath(), "mmcs-model-" + Guid.NewGuid().ToString("N"));
        try
        {
            var manifest = new MoodModelManifest
            {
                Kind = final.Kind,
                Labels = final.Labels.ToArray(),
                // with texture windows the model analyses songs in windows of that length (mean of the windows), as trained
                Featurizer = Windows is { } w ? FeaturizerOptions() with { ExcerptSeconds = w.Seconds } : FeaturizerOptions(),
                WindowHopSeconds = Windows?.HopSeconds,
                TestTimeAugmentation = UsesCopiesAtTestTime ? AugmentationPlanFor() : null,
                FeatureSet = VectorSet,
                Members = final is EnsembleClassifier e ? e.Names.ToArray() : [],
                Metrics = evaluation.Metrics,
                Properties = new Dictionary<string, string>
                {
                    ["pipeline"] = _def.Name,
                    ["run_id"] = run.RunId,
                    ["data_fingerprint"] = fingerprint,
                },
            };
            MoodModel.Save(final, manifest, dir);
            MlModelWriter.Write(dir, run.RunId, final, manifest);
            string uri = ModelLogging.LogModel(run, dir);
            stage.LogParam("model_uri", uri);
            if (!_def.Registry.Register) return (uri, null);
            var version = ModelLogging.Register(tracker.Store, uri, _def.Registry.ModelName, run.RunId, new Dictionary<string, string>
            {
                ["mmcs.pipeline"] = _def.Name,
                ["test_accuracy"] = Invariant.Format(evaluation.Report.Accuracy),
                ["test_macro_f1"] = Invariant.Format(evaluation.Report.MacroF1),
                ["mmcs.data.fingerprint"] = fingerprint,
                ["mmcs.eval.protocol"] = _def.Split.Protocol,
                ["mmcs.eval.split"] = EvaluationSignature,
            });
            tracker.Store.UpdateModelVersion(version.Name, version.Version,
                $"{_def.Name}: test accuracy {evaluation.Report.Accuracy:0.000}, macro-F1 {evaluation.Report.MacroF1:0.000} on {evaluation.Report.Count} held-out clips");
            stage.LogParam("registered_version", version.Version);
            Log($"register: {_def.Registry.ModelName} version {version.Version} from {uri}");
            return (uri, version);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    // ------------------------------------------------------------------ promote

    private PromotionDecision Promote(Tracker tracker, ActiveRun run, ActiveRun stage, ModelVersion version, EvaluationResult evaluation,
        Featurised f, SplitPlan plan, string fingerprint, CancellationToken ct)
    {
        var p = _def.Promotion;
        var store = tracker.Store;
        string name = version.Name;
        store.SetRegisteredModelAlias(name, p.ChallengerAlias, version.Version);
        double challenger = p.Metric == "accuracy" ? evaluation.Report.Accuracy : evaluation.Report.MacroF1;
        double? champion = null;
        string? championVersion = null;
        ModelVersion? current = null;
        try
        {
            current = store.GetModelVersionByAlias(name, p.ChampionAlias);
        }
        catch (MlflowException e) when (e.ErrorCode == ErrorCodes.ResourceDoesNotExist)
        {
        }
        if (current != null && current.Version != version.Version)
        {
            championVersion = current.Version;
            string metricTag = p.Metric == "accuracy" ? "test_accuracy" : "test_macro_f1";
            if (IsCv && current.Tags.GetValueOrDefault("mmcs.eval.split") == EvaluationSignature
                     && current.Tags.GetValueOrDefault("mmcs.data.fingerprint") == fingerprint
                     && double.TryParse(current.Tags.GetValueOrDefault(metricTag), System.Globalization.NumberStyles.Float, Invariant.Culture, out double recorded))
            {
                champion = recorded;
                Log($"promote: champion version {current.Version} scored {recorded:0.000} in the same cross-validation of the same data");
            }
            else
            {
                // hold-out: the same test clips; cv without a comparable record: every clip, which the champion may have
                // trained on, so its score is if anything flattering and the comparison conservative
                var rows = IsCv ? Enumerable.Range(0, f.Originals.Count).ToArray() : plan.Test;
                champion = ScoreChampion(store, current, f, rows, p.Metric, ct);
                Log($"promote: champion version {current.Version} scores {champion:0.000} on " + (IsCv ? "every clip (no comparable cross-validation on record)" : "the same test clips"));
                if (!IsCv)
                {
                    // scored the same way as the champion: the evaluation above may score a clip otherwise (a model of
                    // whole excerpts is evaluated on the clip's excerpt, a registered model predicts songs over
                    // windows), and the same model must not lose to itself (0.872 against 0.914 in the demo)
                    challenger = ScoreChampion(store, version, f, rows, p.Metric, ct);
                    Log($"promote: challenger version {version.Version} scores {challenger:0.000} on the same test clips, predicted the same way");
                }
            }
        }
        var decision = PromotionPolicy.Decide(p.Metric, challenger, champion, p.Margin);
        stage.LogParams(new Dictionary<string, string>
        {
            ["metric"] = p.Metric,
            ["margin"] = Invariant.Format(p.Margin),
            ["challenger_version"] = version.Version,
            ["champion_version"] = championVersion ?? "none",
            ["decision"] = decision.Promote ? "promote" : "keep",
        });
        stage.SetTag("mmcs.promotion.reason", decision.Reason);
        stage.LogMetric("challenger_score", challenger);
        if (champion is { } c) stage.LogMetric("champion_score", c);
        run.SetTag("mmcs.promotion", decision.Promote ? "promoted" : "kept champion");
        if (decision.Promote)
        {
            new ModelRegistry(store).Promote(name, version.Version, p.ChampionAlias, p.Stage, p.ArchivePrevious);
            store.SetModelVersionTag(name, version.Version, "mmcs.promotion", decision.Reason);
        }
        else
        {
            store.SetModelVersionTag(name, version.Version, "mmcs.promotion", "not promoted: " + decision.Reason);
        }
        Log($"promote: {decision.Reason}");
        return decision;
    }

    /// <summary>A registered version's score on some of this run's clips, predicted the way it predicts songs (with its
    /// own featuriser configuration): the same evaluation `mmcs evaluate` makes.</summary>
    private static double ScoreChampion(ITrackingStore store, ModelVersion champion, Featurised f, IReadOnlyList<int> rows, string metric, CancellationToken ct)
    {
        var resolved = new ModelUriResolver(store).Resolve($"models:/{champion.Name}/{champion.Version}");
        using var model = MoodModel.Load(resolved.LocalPath, resolved.Uri);
        var items = rows.Select(i => f.Originals[i])
            .Select(c => new DatasetItem(c.Row.Path, f.Labels[c.Label], c.Row.Group, c.Row.Song ?? c.Row.Id)).ToArray();
        var clips = new Dataset($"the clips of this run scored by {resolved.Identity}", DatasetLayout.Manifest, items, f.Labels, []);
        var evaluation = ModelEvaluation.Evaluate(new MoodPredictor(model), clips, bootstrap: 1, cancellationToken: ct);
        return metric == "accuracy" ? evaluation.Report.Accuracy : evaluation.Report.MacroF1;
    }

    // ------------------------------------------------------------------ params

    private Dictionary<string, string> FlattenDefinition()
    {
        var json = JsonSerializer.SerializeToElement(_def, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        var result = new Dictionary<string, string>();
        Flatten(json, "", result);
        return result;
    }

    private static void Flatten(JsonElement e, string prefix, Dictionary<string, string> into)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject()) Flatten(p.Value, prefix.Length == 0 ? p.Name : prefix + "." + p.Name, into);
                break;
            case JsonValueKind.Array:
                into[prefix] = string.Join(",", e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText()));
                break;
            case JsonValueKind.Null:
                break;
            case JsonValueKind.String:
                string s = e.GetString() ?? "";
                if (s.Length > 0) into[prefix] = s.Length > 500 ? s[..500] : s;
                break;
            default:
                into[prefix] = e.GetRawText();
                break;
        }
    }
}
