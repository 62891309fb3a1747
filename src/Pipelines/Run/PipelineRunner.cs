using System.Diagnostics;
using System.Text.Json;
using Mmcs.Core;
using Mmcs.Featurize.Batch;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Synthesis;
using Mmcs.Pipelines.Definition;
using Mmcs.Pipelines.Promotion;
using Mmcs.Pipelines.Schedule;
using Mmcs.Registry;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Data;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Tabular;
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
/// the parent FAILED with the reason. This file holds the run, its stages' bookkeeping, ingest and the logged
/// parameters; the stages live beside it: PipelineRunner.Featurise.cs, .Training.cs (split, 1D, 2D, ensemble),
/// .Evaluation.cs and .Registration.cs (register, promote).
/// </summary>
public sealed partial class PipelineRunner
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
        if (_def.Dataset.Synthetic is { } synth && (!Directory.Exists(path) || !Directory.EnumerateFileSystemEntries(path).Any() || SyntheticCorpus.IsInterrupted(path)))
        {
            if (SyntheticCorpus.IsInterrupted(path))
            {
                // an interrupted generation left some moods short: trained on, it would give figures of another corpus
                Log($"{path} holds an interrupted synthetic corpus (no {SyntheticCorpus.ManifestFileName}); generating it again");
                Directory.Delete(path, recursive: true);
            }
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
