using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Synthesis;
using Mmcs.Pipelines.Promotion;
using Mmcs.Registry;
using Mmcs.Registry.Models;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Data;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Predict;
using Mmcs.Train.Tabular;

namespace Mmcs.Pipelines.Run;

public sealed partial class PipelineRunner
{
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
            .Select(c => new DatasetItem(c.Row.Path, f.Labels[c.Label], c.Row.Group, c.Song)).ToArray();
        var clips = new Dataset($"the clips of this run scored by {resolved.Identity}", DatasetLayout.Manifest, items, f.Labels, []);
        var evaluation = ModelEvaluation.Evaluate(new MoodPredictor(model), clips, bootstrap: 1, cancellationToken: ct);
        return metric == "accuracy" ? evaluation.Report.Accuracy : evaluation.Report.MacroF1;
    }
}
