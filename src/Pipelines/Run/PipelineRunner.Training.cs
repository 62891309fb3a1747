using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Batch;
using Mmcs.Featurize.Synthesis;
using Mmcs.Registry;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Cnn;
using Mmcs.Train.Data;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Tabular;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Tracking;

namespace Mmcs.Pipelines.Run;

public sealed partial class PipelineRunner
{
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
        var songs = originals.Select(i => f.Originals[i].Song).ToHashSet(StringComparer.Ordinal);
        return f.Augmented.Where(c => songs.Contains(c.Song)).ToList();
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
        string param = keyPrefix.Replace('/', '.'); // the prefix of this training's params and metrics on the stage run
        // the validation part exists for the CNNs' early stopping and the ensemble weights; a lone tabular model
        // (selected by its own inner cross-validation) trains on both parts
        bool alone = !(_def.Train.Cnn.Enabled && _def.Train.Cnn.Models.Length > 0);
        int[] fit = alone ? [.. plan.Fit, .. plan.Validation] : plan.Fit;
        var clips = TrainingClips(f, plan with { Fit = fit });
        TabularDataset Table(IEnumerable<Clip> tableClips, string source) => WindowTable(f, tableClips, f.Labels, source);
        var data = Table(clips, "pipeline:" + _def.Name);
        // augmentation.refit_trainers (with use: test): those trainers' final fits also take the training songs' copies
        var refitTrainers = _def.Augmentation.RefitTrainers ?? [];
        var copies = refitTrainers.Length > 0 ? AugmentedFor(f, fit) : null;
        var refitCopies = copies != null ? Table(copies, "pipeline:" + _def.Name + " copies") : null;
        if (a.LeastTypicalTwice is { } share)
        {
            // the training songs' least typical windows count twice, in every table trained on (copies too)
            var originals = fit.Select(i => f.Originals[i]).ToList();
            var table = Table(originals, "pipeline:" + _def.Name);
            var rows = LeastTypicalWindows.Find(table, [.. originals.SelectMany(c => c.Windows.Select(_ => c.Song))], share, a.Seed, ct);
            var windowKeys = WindowKeys(originals);
            var keys = rows.Select(r => windowKeys[r]).ToHashSet();
            data = data.SelectRows(WithTwice(clips, keys));
            if (copies != null && refitCopies != null) refitCopies = refitCopies.SelectRows(WithTwice(copies, keys));
            stage.LogMetric(param + "least_typical_windows", rows.Length);
        }
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
        // A fold's model only scores the fold's test songs: when the search cannot choose anything (one trial per
        // trainer, all of them in the vote), its inner cross-validation would only report, so the fold fits the
        // starting points directly: the same models, in the trainers' order, with no time budget. The final
        // training keeps the search for its reports.
        bool skipSearch = !trialRuns && TabularAutoMl.ChoosesNothing(options);
        AutoMlResult? result = null;
        IReadOnlyList<TabularClassifier> voters = [];
        try
        {
            IAutoMlRun tracking = trialRuns ? new ActiveRunAutoMlAdapter(stage) : NullAutoMlRun.Instance;
            if (!skipSearch)
                result = TabularAutoMl.Run(data, options, tracking, null,
                    new Progress<ProgressUpdate>(p => _progress.Report(p with { Task = "train_1d" })), ct);
            voters = result?.TopModels ?? TabularAutoMl.FitStartingPoints(data, options, ct);
            IMoodClassifier model = voters.Count > 0 ? voters[0] : throw new MmcsException(ErrorCodes.InternalError, "the AutoML search returned no model");
            string voteTrainers = string.Join(",", voters.Select(m => m.Trainer));
            if (a.PairSpecialists is { } pair)
            {
                // the vote's trainers fitted again on the pair's songs alone; their mean splits the vote's P(a) + P(b)
                List<IMoodClassifier> specialists = [];
                try
                {
                    specialists = PairSpecialists(f, fit, pair, voters, refitTrainers, options.DropColumnsOf, a.Seed, ct);
                    model = new EnsembleClassifier([.. voters, .. specialists],
                        [.. voters.Select(m => "tabular-" + m.Trainer), .. voters.Select(m => $"pair-{m.Trainer}")],
                        roles: [.. voters.Select(_ => EnsembleRole.Vote), .. specialists.Select(_ => EnsembleRole.Pair)]);
                }
                catch
                {
                    foreach (var m in specialists) m.Dispose();
                    throw;
                }
                stage.LogParam(param + "pair_specialists", $"{string.Join(",", pair)}: {voteTrainers}");
            }
            else if (voters.Count > 1)
            {
                // soft vote of the best configuration of each of the top trainers (equal weights)
                model = new EnsembleClassifier(voters.ToArray(), voters.Select(m => "tabular-" + m.Trainer).ToArray());
            }
            if (model is EnsembleClassifier) stage.LogParam(param + "vote_trainers", voteTrainers);
            if (result is null)
            {
                stage.LogParam(param + "search", "skipped: one trial per trainer, all in the vote");
                Log($"{key}: {voteTrainers} fitted at their starting points (a search of one trial per trainer, all in the vote, would choose nothing)");
            }
            else
            {
                stage.LogParam(param + "best_trainer", result.Best.Trainer);
                stage.LogMetric(param + "inner_cv_macro_f1", result.Best.CvMacroF1);
                foreach (var notice in result.Notices) Log($"{key}: note: {notice}");
                Log($"{key}: best {result.Best.Trainer}, CV accuracy {result.Best.CvAccuracy:0.000}, macro-F1 {result.Best.CvMacroF1:0.000} over {result.Trials.Count} trials");
            }
            cache.Save(key, model);
            return model;
        }
        catch
        {
            foreach (var m in voters) m.Dispose(); // the vote's members, whether or not an ensemble holds them yet
            throw;
        }
        finally
        {
            if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);
        }
    }

    /// <summary>(song, window position) of every window of <paramref name="clips"/>, in window-table order: a copy's
    /// window k has its original's key.</summary>
    private static List<(string Song, int Window)> WindowKeys(IEnumerable<Clip> clips) =>
        [.. clips.SelectMany(c => c.Windows.Select((_, k) => (c.Song, k)))];

    /// <summary>The rows of the window table of <paramref name="clips"/>, with those of the windows in
    /// <paramref name="twice"/> once more at the end.</summary>
    private static int[] WithTwice(IEnumerable<Clip> clips, HashSet<(string Song, int Window)> twice)
    {
        var keys = WindowKeys(clips);
        return [.. Enumerable.Range(0, keys.Count), .. Enumerable.Range(0, keys.Count).Where(r => twice.Contains(keys[r]))];
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
            c.Label, c.Group, c.Song, c.Row.Augmentation)));

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
}
