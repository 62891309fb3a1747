using System.Text.Json;
using Mmcs.Core;
using Mmcs.Registry;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Data;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Plots;
using Mmcs.Train.Tabular;
using Mmcs.Train.Tabular.Tracking;

namespace Mmcs.Pipelines.Run;

public sealed partial class PipelineRunner
{
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
}
