using System.Diagnostics;
using System.Text;
using Mmcs.Core;
using Mmcs.Train.Data;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Plots;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Tracking;
using Mmcs.Train.Tabular.Trainers;

namespace Mmcs.Train.Tabular;

/// <summary>One trial of the search, as the leaderboard shows it.</summary>
/// <param name="Status">"succeeded", "failed" or "cancelled".</param>
public sealed record TrialRecord(int TrialId, string Trainer, string Status, double? CvAccuracy, double? CvMacroF1, double Seconds,
    IReadOnlyDictionary<string, string> Parameters, string? Error, IReadOnlyList<double> FoldAccuracy);

/// <summary>The best pipeline of a search in short (the CLI's JSON "best").</summary>
public sealed record BestPipeline(string Trainer, double CvAccuracy, double CvMacroF1, Interval CvAccuracyCi, Interval CvMacroF1Ci,
    Interval FoldAccuracyCi, IReadOnlyDictionary<string, string> Parameters, int TrialId);

/// <summary>What a search found. Dispose it to release the refitted model.</summary>
public sealed class AutoMlResult : IDisposable
{
    internal AutoMlResult(BestPipeline best, IReadOnlyList<TrialRecord> trials, ClassificationReport outOfFold,
        IReadOnlyList<FeatureImportance> importances, IReadOnlyList<TabularClassifier> topModels, ClassificationReport? test,
        IReadOnlyList<(int[] Train, int[] Test)> folds, TimeSpan searchTime, IReadOnlyList<string> notices)
    {
        TopModels = topModels;
        Best = best;
        Trials = trials;
        OutOfFold = outOfFold;
        Importances = importances;
        Test = test;
        Folds = folds;
        SearchTime = searchTime;
        Notices = notices;
    }

    public BestPipeline Best { get; }

    /// <summary>Every trial, best first (failed and cancelled trials last).</summary>
    public IReadOnlyList<TrialRecord> Trials { get; }

    /// <summary>The best pipeline's out-of-fold report (per-class metrics, confusion matrix).</summary>
    public ClassificationReport OutOfFold { get; }

    public IReadOnlyList<FeatureImportance> Importances { get; }

    /// <summary>The best pipeline refitted on all training rows (null when not asked to refit): the first of <see cref="TopModels"/>.</summary>
    public TabularClassifier? Model => TopModels.Count > 0 ? TopModels[0] : null;

    /// <summary>The refitted model on the caller's held-out test set (never used for selection), if one was given.</summary>
    public ClassificationReport? Test { get; }

    /// <summary>The cross-validation folds every trial used.</summary>
    public IReadOnlyList<(int[] Train, int[] Test)> Folds { get; }

    public TimeSpan SearchTime { get; }

    public IReadOnlyList<string> Notices { get; }

    /// <summary>The refitted best configuration of each of the <see cref="AutoMlOptions.TopTrainers"/> best distinct
    /// trainers, best first (<see cref="Model"/> is the first); empty when not asked to refit.</summary>
    public IReadOnlyList<TabularClassifier> TopModels { get; }

    public void Dispose()
    {
        foreach (var m in TopModels) m.Dispose();
    }
}

/// <summary>
/// AutoML over a feature table, in the shape of ML.NET AutoML: a search space per trainer (preprocessing choices
/// included), a tuner proposing configurations, and a trial runner that cross-validates each proposal on fixed,
/// stratified folds grouped by <see cref="TabularDataset.Groups"/>, within a time budget. Every trial is a nested
/// run; a trial that throws is logged as FAILED with its error and the search goes on. The best pipeline's
/// out-of-fold report, confidence intervals, permutation importances, leaderboard and confusion matrix are logged on
/// the parent run, and the pipeline refitted on all rows is saved as a <see cref="TabularClassifier"/>.
/// </summary>
public static class TabularAutoMl
{
    public static AutoMlResult Run(TabularDataset data, AutoMlOptions options, IAutoMlRun? run = null, TabularDataset? test = null,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        run ??= NullAutoMlRun.Instance;
        progress ??= Core.Progress.None;
        var trainers = options.ResolveTrainers();
        var notices = new List<string>();
        var folds = MakeFolds(data, options);
        if (test != null) CheckTestSet(data, test);
        if (options.RefitExtra != null) CheckTestSet(data, options.RefitExtra, "the extra rows");
        string artifacts = options.ArtifactDirectory ?? Path.Combine(Path.GetTempPath(), "mmcs-automl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(artifacts);

        run.LogParams(new Dictionary<string, string>
        {
            ["metric"] = options.Metric == AutoMlMetric.Accuracy ? "accuracy" : "macro_f1",
            ["folds"] = options.Folds.ToString(Invariant.Culture),
            ["grouped"] = data.Groups != null ? "true" : "false",
            ["tuner"] = options.Tuner.ToString().ToLowerInvariant(),
            ["seed"] = options.Seed.ToString(Invariant.Culture),
            ["time_budget_s"] = Invariant.Format(options.TimeBudget.TotalSeconds),
            ["trainers"] = string.Join(",", trainers.Select(t => t.Name)),
            ["rows"] = data.RowCount.ToString(Invariant.Culture),
            ["columns"] = data.Frame.Columns.Count.ToString(Invariant.Culture),
            ["classes"] = string.Join(",", data.ClassNames),
            ["source"] = data.Source,
        });

        foreach (var start in options.StartingPoints)
        {
            string name = trainers.First(t => string.Equals(t.Name, start.Trainer, StringComparison.OrdinalIgnoreCase)).Name;
            run.LogParams(new Dictionary<string, string> { ["start." + name] = (start with { Trainer = name }).ToString() });
        }
        foreach (var trainer in trainers)
        {
            if (options.DropColumnsOf(trainer.Name) is { Count: > 0 } dropped)
                run.LogParams(new Dictionary<string, string> { ["drop_columns." + trainer.Name] = string.Join(",", dropped) });
        }
        var tuner = NewTuner(trainers, options);
        var clock = Stopwatch.StartNew();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // a timer waits at most about 49.7 days: a longer budget (stop on max trials instead) is no time limit
        if (options.TimeBudget < TimeSpan.FromDays(49)) budget.CancelAfter(options.TimeBudget);
        var trials = new List<TrialRecord>();
        CrossValidationResult? bestCv = null;
        TrialRecord? bestTrial = null;
        double bestScore = double.NegativeInfinity;
        try
        {
            bool overtime = false;
            // When the budget runs out before any trial has finished (a slow or busy machine), one more trial runs to
            // completion regardless, so that a search always ends with a model; the report says so.
            while ((!budget.IsCancellationRequested || (bestCv is null && !overtime)) && (options.MaxTrials is null || trials.Count < options.MaxTrials))
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool late = budget.IsCancellationRequested;
                if (late)
                {
                    overtime = true;
                    notices.Add($"the {options.TimeBudget.TotalSeconds.ToString("G4", Invariant.Culture)} s budget ran out before any trial finished; one more trial ran past it");
                }
                var proposal = tuner.Propose();
                var trainer = trainers.First(t => t.Name == proposal.Space);
                var (record, cv) = RunTrial(data, folds, trainer, proposal, options, run, late ? cancellationToken : budget.Token, cancellationToken);
                trials.Add(record);
                double score = options.Metric == AutoMlMetric.Accuracy ? record.CvAccuracy ?? double.NaN : record.CvMacroF1 ?? double.NaN;
                tuner.Update(new TrialOutcome(proposal, record.Status == "succeeded" ? 1 - score : double.NaN,
                    options.WallClockCosts ? record.Seconds : folds.Sum(f => trainer.EstimateSeconds(proposal.Configuration, f.Train.Length,
                        data.Frame.Columns.Count, data.ClassNames.Count)),
                    record.Status switch { "succeeded" => TrialStatus.Succeeded, "failed" => TrialStatus.Failed, _ => TrialStatus.Cancelled }));
                if (cv != null && score > bestScore)
                {
                    bestCv?.Dispose();
                    bestCv = cv;
                    bestTrial = record;
                    bestScore = score;
                }
                else
                {
                    cv?.Dispose();
                }
                progress.Report(new ProgressUpdate("automl", Math.Min(clock.Elapsed.TotalSeconds, options.TimeBudget.TotalSeconds),
                    options.TimeBudget.TotalSeconds,
                    $"trial {record.TrialId} {record.Trainer}: {record.Status}" +
                    (record.CvAccuracy is { } a ? $" acc {a.ToString("F3", Invariant.Culture)}" : "") +
                    (bestTrial != null ? $", best {bestScore.ToString("F3", Invariant.Culture)} ({bestTrial.Trainer})" : "")));
            }
            cancellationToken.ThrowIfCancellationRequested();
            var searchTime = clock.Elapsed;
            if (bestCv is null || bestTrial is null)
            {
                var firstError = trials.FirstOrDefault(t => t.Error != null)?.Error;
                throw new MmcsException(ErrorCodes.InvalidState,
                    trials.Count == 0 || trials.All(t => t.Status == "cancelled")
                        ? $"no trial finished within the {options.TimeBudget.TotalSeconds.ToString("G4", Invariant.Culture)} s budget; give it more time"
                        : $"all {trials.Count} trials failed; the first error: {firstError}");
            }
            progress.Report(new ProgressUpdate("automl", options.TimeBudget.TotalSeconds, options.TimeBudget.TotalSeconds,
                $"{trials.Count} trials; best {bestTrial.Trainer}"));
            var result = Finish(data, test, options, run, trials, bestTrial, bestCv, trainers, folds, searchTime, notices, artifacts,
                progress, cancellationToken);
            run.End(RunEndStatus.Finished);
            return result;
        }
        catch (OperationCanceledException)
        {
            run.End(RunEndStatus.Killed, "cancelled");
            throw;
        }
        catch (Exception e)
        {
            run.End(RunEndStatus.Failed, e.Message);
            throw;
        }
        finally
        {
            bestCv?.Dispose();
        }
    }

    /// <summary>Stratified folds, grouped when the data has groups; a clear error when a class is too small for them.</summary>
    public static IReadOnlyList<(int[] Train, int[] Test)> MakeFolds(TabularDataset data, AutoMlOptions options)
    {
        var counts = new int[data.ClassNames.Count];
        var groupsPerClass = new HashSet<string>[data.ClassNames.Count];
        for (int c = 0; c < counts.Length; c++) groupsPerClass[c] = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < data.RowCount; i++)
        {
            counts[data.Labels[i]]++;
            groupsPerClass[data.Labels[i]].Add(data.Groups?[i] ?? "\u0001" + i.ToString(Invariant.Culture));
        }
        for (int c = 0; c < counts.Length; c++)
        {
            int units = groupsPerClass[c].Count;
            if (units < options.Folds)
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"{data.Source}: class '{data.ClassNames[c]}' has only {units} {(data.Groups != null ? "groups" : "rows")}, " +
                    $"fewer than the {options.Folds} cross-validation folds; use fewer folds (--cv) or more data");
        }
        return new StratifiedGroupKFold(options.Folds, options.Seed).Split(data.Labels, data.Groups);
    }

    private static void CheckTestSet(TabularDataset train, TabularDataset test, string what = "the test set")
    {
        string whose = what.EndsWith('s') ? what + "'" : what + "'s";
        if (!test.ClassNames.SequenceEqual(train.ClassNames))
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{whose} classes ({string.Join(", ", test.ClassNames)}) differ from the training set's ({string.Join(", ", train.ClassNames)})");
        foreach (var name in train.Frame.ColumnNames)
        {
            if (test.Frame.IndexOf(name) < 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{what} {(what.EndsWith('s') ? "have" : "has")} no column '{name}'");
        }
    }

    private static (TrialRecord Record, CrossValidationResult? Cv) RunTrial(TabularDataset data, IReadOnlyList<(int[] Train, int[] Test)> folds,
        TrainerCandidate trainer, TrialProposal proposal, AutoMlOptions options, IAutoMlRun parent, CancellationToken budget,
        CancellationToken caller)
    {
        var parameters = proposal.Configuration.ToStrings();
        using var child = parent.StartChild($"trial-{proposal.TrialId:D3}-{trainer.Name}");
        var logged = new Dictionary<string, string>(parameters, StringComparer.Ordinal) { ["trainer"] = trainer.Name };
        child.LogParams(logged);
        child.SetTags(new Dictionary<string, string> { ["mmcs.trial"] = proposal.TrialId.ToString(Invariant.Culture), ["mmcs.trainer"] = trainer.Name });
        var clock = Stopwatch.StartNew();
        try
        {
            var cv = CrossValidation.Run(data, folds, trainer, proposal.Configuration, options.Seed, keepPipelines: true, budget,
                options.DropColumnsOf(trainer.Name));
            var report = ClassificationReport.Compute(data.Labels, cv.OutOfFoldPredictions, data.ClassNames);
            double seconds = clock.Elapsed.TotalSeconds;
            child.LogMetric("cv_accuracy", report.Accuracy);
            child.LogMetric("cv_macro_f1", report.MacroF1);
            for (int f = 0; f < cv.FoldAccuracy.Count; f++) child.LogMetric("fold_accuracy", cv.FoldAccuracy[f], f);
            child.LogMetric("duration_s", seconds);
            child.End(RunEndStatus.Finished);
            return (new TrialRecord(proposal.TrialId, trainer.Name, "succeeded", report.Accuracy, report.MacroF1, seconds, parameters, null,
                cv.FoldAccuracy), cv);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            double seconds = clock.Elapsed.TotalSeconds;
            child.LogMetric("duration_s", seconds);
            child.End(RunEndStatus.Killed, "the time budget ran out during this trial");
            return (new TrialRecord(proposal.TrialId, trainer.Name, "cancelled", null, null, seconds, parameters,
                "the time budget ran out during this trial", []), null);
        }
        catch (OperationCanceledException)
        {
            child.End(RunEndStatus.Killed, "cancelled");
            throw;
        }
        catch (Exception e)
        {
            double seconds = clock.Elapsed.TotalSeconds;
            string error = $"{e.GetType().Name}: {e.Message}".ReplaceLineEndings(" ");
            child.LogMetric("duration_s", seconds);
            child.SetTags(new Dictionary<string, string> { ["mmcs.error"] = error.Length > 4000 ? error[..4000] : error });
            child.End(RunEndStatus.Failed, error);
            return (new TrialRecord(proposal.TrialId, trainer.Name, "failed", null, null, seconds, parameters, error, []), null);
        }
    }

    private static AutoMlResult Finish(TabularDataset data, TabularDataset? test, AutoMlOptions options, IAutoMlRun run,
        List<TrialRecord> trials, TrialRecord bestTrial, CrossValidationResult bestCv, IReadOnlyList<TrainerCandidate> trainers,
        IReadOnlyList<(int[] Train, int[] Test)> folds, TimeSpan searchTime, List<string> notices, string artifacts,
        IProgress<ProgressUpdate> progress, CancellationToken cancellationToken)
    {
        var labels = data.ClassNames;
        var oof = ClassificationReport.Compute(data.Labels, bestCv.OutOfFoldPredictions, labels);
        Interval accCi = options.BootstrapResamples > 0
            ? ConfidenceIntervals.Bootstrap(data.Labels, bestCv.OutOfFoldPredictions, labels, r => r.Accuracy, options.BootstrapResamples, seed: options.Seed)
            : new Interval(double.NaN, double.NaN);
        Interval f1Ci = options.BootstrapResamples > 0
            ? ConfidenceIntervals.Bootstrap(data.Labels, bestCv.OutOfFoldPredictions, labels, r => r.MacroF1, options.BootstrapResamples, seed: options.Seed)
            : new Interval(double.NaN, double.NaN);
        var foldCi = ConfidenceIntervals.FromFoldScores(bestCv.FoldAccuracy);
        var best = new BestPipeline(bestTrial.Trainer, oof.Accuracy, oof.MacroF1, accCi, f1Ci, foldCi, bestTrial.Parameters, bestTrial.TrialId);

        var leaderboard = trials
            .OrderBy(t => t.Status == "succeeded" ? 0 : 1)
            .ThenByDescending(t => options.Metric == AutoMlMetric.Accuracy ? t.CvAccuracy ?? -1 : t.CvMacroF1 ?? -1)
            .ThenBy(t => t.TrialId).ToArray();

        // The parent run: the best pipeline, its metrics, and the charts.
        var bestParams = new Dictionary<string, string>(StringComparer.Ordinal) { ["best.trainer"] = best.Trainer };
        foreach (var (k, v) in best.Parameters) bestParams["best." + k] = v;
        run.LogParams(bestParams);
        run.SetTags(new Dictionary<string, string>
        {
            ["mmcs.best_trainer"] = best.Trainer,
            ["mmcs.best_trial"] = best.TrialId.ToString(Invariant.Culture),
            ["mmcs.kind"] = "automl",
        });
        run.LogMetric("cv_accuracy", oof.Accuracy);
        run.LogMetric("cv_macro_f1", oof.MacroF1);
        LogInterval(run, "cv_accuracy_ci", accCi);
        LogInterval(run, "cv_macro_f1_ci", f1Ci);
        LogInterval(run, "cv_fold_accuracy_ci", foldCi);
        foreach (var m in oof.PerClass)
        {
            string label = MetricSafe(m.Label);
            run.LogMetric($"cv_precision_{label}", m.Precision);
            run.LogMetric($"cv_recall_{label}", m.Recall);
            run.LogMetric($"cv_f1_{label}", m.F1);
        }
        run.LogMetric("trials", trials.Count);
        run.LogMetric("failed_trials", trials.Count(t => t.Status == "failed"));
        run.LogMetric("search_seconds", searchTime.TotalSeconds);

        string leaderboardCsv = Path.Combine(artifacts, "leaderboard.csv");
        WriteLeaderboard(leaderboardCsv, leaderboard);
        run.LogArtifact(leaderboardCsv);
        string leaderboardPng = Path.Combine(artifacts, "leaderboard.png");
        var perTrainer = leaderboard.Where(t => t.Status == "succeeded").GroupBy(t => t.Trainer)
            .Select(g => (g.Key, options.Metric == AutoMlMetric.Accuracy ? g.Max(t => t.CvAccuracy!.Value) : g.Max(t => t.CvMacroF1!.Value)))
            .OrderByDescending(b => b.Item2).ToArray();
        Charts.Bars(leaderboardPng, "Best cross-validated score per trainer", options.Metric == AutoMlMetric.Accuracy ? "CV accuracy" : "CV macro-F1", perTrainer);
        run.LogArtifact(leaderboardPng);
        string confusionPng = Path.Combine(artifacts, "confusion_matrix.png");
        Charts.ConfusionMatrix(confusionPng, oof.Confusion, labels,
            $"{best.Trainer}: out-of-fold, accuracy {oof.Accuracy.ToString("F3", Invariant.Culture)}");
        run.LogArtifact(confusionPng);
        string reportJson = Path.Combine(artifacts, "cv_report.json");
        WriteAtomically(reportJson, System.Text.Json.JsonSerializer.Serialize(new { best, out_of_fold = oof }, ReportJson));
        run.LogArtifact(reportJson);

        IReadOnlyList<FeatureImportance> importances = [];
        if (options.ImportanceRepeats > 0)
        {
            progress.Report(new ProgressUpdate("importance", 0, 1, "permutation importance on out-of-fold data"));
            var (computed, byFamily, notice) = PermutationImportances(data, bestCv, options, cancellationToken);
            if (notice != null) notices.Add(notice);
            if (computed == null)
            {
                progress.Report(new ProgressUpdate("importance", 1, 1, notice));
            }
            else
            {
                importances = computed;
                string name = byFamily ? "feature_family_importance" : "feature_importance";
                string csv = Path.Combine(artifacts, name + ".csv");
                var sb = new StringBuilder(byFamily ? "family,columns,importance,std\n" : "feature,importance,std\n");
                foreach (var f in importances)
                {
                    sb.Append(Csv(f.Feature)).Append(',');
                    if (byFamily) sb.Append(f.Columns.ToString(Invariant.Culture)).Append(',');
                    sb.Append(Invariant.Format(f.Importance)).Append(',').Append(Invariant.Format(f.StdDev)).Append('\n');
                }
                WriteAtomically(csv, sb.ToString());
                run.LogArtifact(csv);
                string png = Path.Combine(artifacts, name + ".png");
                Charts.Bars(png, byFamily ? "Permutation importance of feature families (out-of-fold)" : "Permutation importance (out-of-fold)",
                    options.Metric == AutoMlMetric.Accuracy ? "accuracy drop" : "macro-F1 drop",
                    importances.Take(30).Select(f => (byFamily ? $"{f.Feature} ({f.Columns})" : f.Feature, f.Importance)).ToArray());
                run.LogArtifact(png);
                progress.Report(new ProgressUpdate("importance", 1, 1));
            }
        }

        // a trial's configuration refitted on all rows (and on the extra rows, for the trainers that take them)
        var withExtra = WithRefitExtra(data, options);
        TabularClassifier Refit(string trainerName, IReadOnlyDictionary<string, string> parameters)
        {
            var trainer = trainers.First(t => t.Name == trainerName);
            if (TakesExtraRows(withExtra, options, trainerName))
                run.LogParams(new Dictionary<string, string> { ["refit_extra_rows." + trainerName] = options.RefitExtra!.RowCount.ToString(Invariant.Culture) });
            return FitOnAllRows(data, withExtra, options, trainer, parameters, cancellationToken);
        }

        TabularClassifier? model = null;
        ClassificationReport? testReport = null;
        if (options.Refit)
        {
            progress.Report(new ProgressUpdate("refit", 0, 1, best.Trainer));
            model = Refit(best.Trainer, best.Parameters);
            try
            {
                if (test != null)
                {
                    var p = model.PredictProbabilities(test.Frame);
                    testReport = ClassificationReport.Compute(test.Labels, ClassificationReport.ArgMax(p), labels);
                    run.LogMetric("test_accuracy", testReport.Accuracy);
                    run.LogMetric("test_macro_f1", testReport.MacroF1);
                }
                string modelDir = Path.Combine(artifacts, "model");
                if (Directory.Exists(modelDir)) Directory.Delete(modelDir, recursive: true);
                ClassifierStore.Save(model, modelDir);
                run.LogArtifact(modelDir);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            progress.Report(new ProgressUpdate("refit", 1, 1, best.Trainer));
        }
        var top = new List<TabularClassifier>();
        if (model != null)
        {
            top.Add(model);
            try
            {
                // the best configuration of the next best trainers, for a soft vote (each scored by the same folds)
                var runnersUp = leaderboard.Where(t => t.Status == "succeeded" && t.Trainer != best.Trainer)
                    .GroupBy(t => t.Trainer).Select(g => g.OrderByDescending(t => Score(t, options.Metric)).First())
                    .OrderByDescending(t => Score(t, options.Metric)).Take(options.TopTrainers - 1).ToArray();
                if (runnersUp.Length < options.TopTrainers - 1)
                    notices.Add($"{options.TopTrainers} trainers were asked for the vote but only {runnersUp.Length + 1} had a successful trial");
                foreach (var trial in runnersUp)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    top.Add(Refit(trial.Trainer, trial.Parameters));
                }
            }
            catch
            {
                foreach (var m in top) m.Dispose();
                throw;
            }
        }
        return new AutoMlResult(best, leaderboard, oof, importances, top, testReport, folds, searchTime, notices);
    }

    /// <summary>The tuner of a search over <paramref name="trainers"/>' spaces (moved to their starting points).</summary>
    private static ITuner NewTuner(IReadOnlyList<TrainerCandidate> trainers, AutoMlOptions options)
    {
        var spaces = trainers.Select(options.SpaceOf).ToArray();
        return options.Tuner == TunerKind.Cfo ? new CfoTuner(spaces, options.Seed) : new RandomSearchTuner(spaces, options.Seed);
    }

    /// <summary>The searched rows then the extra rows, when some trainer is refitted on both; else null.</summary>
    private static TabularDataset? WithRefitExtra(TabularDataset data, AutoMlOptions options) =>
        options.RefitExtra is { } extra && options.RefitExtraFor.Count > 0 ? Concat(data, extra) : null;

    private static bool TakesExtraRows(TabularDataset? withExtra, AutoMlOptions options, string trainer) =>
        withExtra != null && options.RefitExtraFor.Contains(trainer, StringComparer.OrdinalIgnoreCase);

    /// <summary>A configuration (as a trial logs it) fitted on all rows, and on the extra rows for the trainers that take them.</summary>
    private static TabularClassifier FitOnAllRows(TabularDataset data, TabularDataset? withExtra, AutoMlOptions options, TrainerCandidate trainer,
        IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        var pipeline = FittedPipeline.Fit(TakesExtraRows(withExtra, options, trainer.Name) ? withExtra! : data, null, trainer,
            ParseConfiguration(trainer, parameters), options.Seed, cancellationToken, options.DropColumnsOf(trainer.Name));
        return new TabularClassifier(pipeline, data.ClassNames, options.VectorSet);
    }

    /// <summary>
    /// True when a search cannot choose anything: the cfo tuner's first trial of each trainer is its starting point
    /// (else its defaults), there is one trial per trainer, and every trainer joins the vote. Its cross-validation then
    /// only reports, and <see cref="FitStartingPoints"/> gives the same models without it, provided the search would
    /// have run every trial: no time budget applies to it, and a fit that fails stops it instead of leaving that
    /// trainer out of the vote.
    /// </summary>
    public static bool ChoosesNothing(AutoMlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int trainers = options.ResolveTrainers().Count;
        return options.Tuner == TunerKind.Cfo && options.Refit && options.MaxTrials == trainers && options.TopTrainers >= trainers;
    }

    /// <summary>
    /// The models a search that <see cref="ChoosesNothing"/> returns (<see cref="AutoMlResult.TopModels"/>), fitted without
    /// its trials: the configurations the search's tuner proposes first (each trainer's starting point, else its
    /// defaults) on all rows, and on the extra rows for the trainers of <see cref="AutoMlOptions.RefitExtraFor"/>, in the
    /// order proposed (the trainers' order; the search's are best first). Nothing is cross-validated, so nothing is
    /// reported, and a fit that throws is not a failed trial: the exception goes to the caller.
    /// </summary>
    public static IReadOnlyList<TabularClassifier> FitStartingPoints(TabularDataset data, AutoMlOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        options.Validate();
        if (!ChoosesNothing(options))
            throw new MmcsException(ErrorCodes.InvalidParameterValue,
                "only a search that chooses nothing (the cfo tuner, one trial per trainer, every trainer in the vote, refit on) can be skipped");
        if (options.RefitExtra != null) CheckTestSet(data, options.RefitExtra, "the extra rows");
        var withExtra = WithRefitExtra(data, options);
        var trainers = options.ResolveTrainers();
        // the search's tuner proposes these first (every trainer once, before any outcome is known)
        var tuner = NewTuner(trainers, options);
        var models = new List<TabularClassifier>();
        try
        {
            foreach (var _ in trainers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var proposal = tuner.Propose();
                var trainer = trainers.First(t => t.Name == proposal.Space);
                models.Add(FitOnAllRows(data, withExtra, options, trainer, proposal.Configuration.ToStrings(), cancellationToken));
            }
        }
        catch
        {
            foreach (var m in models) m.Dispose();
            throw;
        }
        return models;
    }

    private static double Score(TrialRecord t, AutoMlMetric metric) =>
        (metric == AutoMlMetric.Accuracy ? t.CvAccuracy : t.CvMacroF1) ?? double.NegativeInfinity;

    /// <summary>The rows of <paramref name="a"/> then those of <paramref name="b"/> (b's columns taken by a's names).</summary>
    internal static TabularDataset Concat(TabularDataset a, TabularDataset b)
    {
        CheckTestSet(a, b, "the extra rows");
        var columns = a.Frame.ColumnNames.Select(name =>
        {
            var x = a.Frame.Columns[a.Frame.IndexOf(name)];
            var y = b.Frame.Columns[b.Frame.IndexOf(name)];
            if (x.Kind != y.Kind) throw new MmcsException(ErrorCodes.DataInvalid, $"column '{name}' is {x.Kind} in one table and {y.Kind} in the other");
            return x.Kind == ColumnKind.Numeric
                ? FrameColumn.Numeric(name, [.. x.Numbers!, .. y.Numbers!])
                : FrameColumn.Categorical(name, [.. x.Categories!, .. y.Categories!]);
        }).ToArray();
        var labels = a.Labels.Concat(b.Labels).Select(i => a.ClassNames[i]).ToArray();
        var groups = a.Groups != null && b.Groups != null ? a.Groups.Concat(b.Groups).ToArray() : null;
        return TabularDataset.Create(new TabularFrame(columns), labels, groups, a.Source, a.ClassNames);
    }

    /// <summary>The configuration a trial ran, rebuilt from its logged text values.</summary>
    internal static Configuration ParseConfiguration(TrainerCandidate trainer, IReadOnlyDictionary<string, string> parameters)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var p in trainer.Space.Parameters)
        {
            string text = parameters[p.Name];
            values[p.Name] = p switch
            {
                FloatParameter => Invariant.ParseDouble(text),
                IntParameter => int.Parse(text, Invariant.Culture),
                _ => text,
            };
        }
        return new Configuration(trainer.Name, values);
    }

    private static readonly System.Text.Json.JsonSerializerOptions ReportJson = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static void LogInterval(IAutoMlRun run, string key, Interval interval)
    {
        if (double.IsFinite(interval.Low)) run.LogMetric(key + "_low", interval.Low);
        if (double.IsFinite(interval.High)) run.LogMetric(key + "_high", interval.High);
    }

    private static string MetricSafe(string label) =>
        new(label.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray());

    private static void WriteLeaderboard(string path, IReadOnlyList<TrialRecord> trials)
    {
        var keys = trials.SelectMany(t => t.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        var sb = new StringBuilder("rank,trial,trainer,status,cv_accuracy,cv_macro_f1,seconds," + string.Join(",", keys.Select(Csv)) + ",error\n");
        int rank = 0;
        foreach (var t in trials)
        {
            sb.Append(t.Status == "succeeded" ? (++rank).ToString(Invariant.Culture) : "").Append(',')
                .Append(t.TrialId.ToString(Invariant.Culture)).Append(',').Append(Csv(t.Trainer)).Append(',').Append(t.Status).Append(',')
                .Append(t.CvAccuracy is { } a ? Invariant.Format(a) : "").Append(',')
                .Append(t.CvMacroF1 is { } f ? Invariant.Format(f) : "").Append(',')
                .Append(t.Seconds.ToString("F3", Invariant.Culture));
            foreach (var k in keys) sb.Append(',').Append(t.Parameters.TryGetValue(k, out var v) ? Csv(v) : "");
            sb.Append(',').Append(Csv(t.Error ?? "")).Append('\n');
        }
        WriteAtomically(path, sb.ToString());
    }

    /// <summary>
    /// Permutation importances of the best pipeline as <see cref="AutoMlOptions.ImportanceGrouping"/> asks: per column;
    /// per feature family; or (Auto) per column, else per family when the columns would overrun the budget, with one
    /// shuffle per family when three would. Null when even that would overrun; the notice says what was skipped.
    /// </summary>
    private static (IReadOnlyList<FeatureImportance>? Importances, bool ByFamily, string? Notice) PermutationImportances(
        TabularDataset data, CrossValidationResult cv, AutoMlOptions options, CancellationToken cancellationToken)
    {
        var families = PermutationImportance.Families(data.Frame.ColumnNames);
        string? skipped = null;
        if (options.ImportanceGrouping != ImportanceGrouping.Families)
        {
            var columns = PermutationImportance.TryCompute(data, cv, options.Metric, options.ImportanceRepeats, options.Seed,
                options.ImportanceTimeBudget, null, out var columnEstimate, cancellationToken);
            if (columns != null) return (columns, false, null);
            skipped = FormattableString.Invariant(
                $"{data.Frame.Columns.Count} columns x {options.ImportanceRepeats} repeats would take about {columnEstimate.TotalSeconds:0} s, over the {options.ImportanceTimeBudget.TotalSeconds:0} s allowed");
            if (options.ImportanceGrouping == ImportanceGrouping.Columns || families.Count >= data.Frame.Columns.Count)
                return (null, false, $"permutation importances skipped: {skipped}");
        }
        int repeats = options.ImportanceRepeats;
        var computed = PermutationImportance.TryCompute(data, cv, options.Metric, repeats, options.Seed,
            options.ImportanceTimeBudget, families, out var estimate, cancellationToken);
        if (computed == null && repeats > 1 && estimate / repeats <= options.ImportanceTimeBudget)
        {
            // one shuffle per family fits where three do not
            repeats = 1;
            computed = PermutationImportance.TryCompute(data, cv, options.Metric, repeats, options.Seed,
                options.ImportanceTimeBudget, families, out estimate, cancellationToken);
        }
        string plural = repeats == 1 ? "" : "s";
        if (computed == null)
            return (null, true, FormattableString.Invariant(
                $"permutation importances skipped: {skipped ?? $"{data.Frame.Columns.Count} columns"}; {families.Count} feature families x {repeats} repeat{plural} would take about {estimate.TotalSeconds:0} s, over the {options.ImportanceTimeBudget.TotalSeconds:0} s allowed"));
        return (computed, true, skipped == null ? null : FormattableString.Invariant(
            $"per-column permutation importances skipped ({skipped}); importances of {families.Count} feature families (the columns of a family shuffled together, {repeats} repeat{plural}) instead"));
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    private static void WriteAtomically(string path, string text)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
