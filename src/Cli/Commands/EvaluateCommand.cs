using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Core;
using Mmcs.Featurize.Datasets;
using Mmcs.Train.Predict;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs evaluate`: a registered model on a labelled folder.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = $"Model URI (default {ModelLoading.DefaultModelUri})." };
        var data = new Option<string>("--data") { Description = "Labelled folder: the 4Q layout, folder-per-label, the Turkish layout, or a manifest CSV.", Required = true };
        var hop = CommonOptions.Hop();
        var noTta = CommonOptions.NoTestTimeAugmentation();
        var tracking = CommonOptions.TrackingUri();
        var json = CommonOptions.Json();
        var command = new Command("evaluate",
            "Evaluate a model on a labelled folder: accuracy and macro-F1 with 95 % bootstrap intervals, per-class metrics and the confusion matrix.")
        {
            model, data, hop, noTta, tracking, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            var dataset = DatasetReader.Open(parse.GetValue(data)!);
            foreach (var warning in dataset.Warnings) CliConsole.Warning(warning); // e.g. audio loose in the root, not scored
            var (loaded, answering) = ModelLoading.Load(parse.GetValue(model), parse.GetValue(tracking));
            using var _ = loaded;
            var predictor = new MoodPredictor(loaded, new PredictOptions { HopSeconds = parse.GetValue(hop), TestTimeAugmentation = !parse.GetValue(noTta) });
            var result = await CliConsole.WithProgressAsync(asJson, progress =>
                Task.Run(() => ModelEvaluation.Evaluate(predictor, dataset, progress: progress, cancellationToken: ct), ct));
            var r = result.Report;
            // scored on fewer clips than the folder holds: the figures are not the dataset's, so the exit code says so
            int exit = result.Failures.Count > 0 ? 2 : 0;
            if (asJson)
            {
                CliConsole.WriteJson(new
                {
                    model = answering,
                    data = dataset.Root,
                    clips = r.Count,
                    clips_found = dataset.Items.Count,
                    clips_failed = result.Failures.Count,
                    accuracy = r.Accuracy,
                    macro_f1 = r.MacroF1,
                    accuracy_ci = new[] { result.AccuracyCi.Low, result.AccuracyCi.High },
                    macro_f1_ci = new[] { result.MacroF1Ci.Low, result.MacroF1Ci.High },
                    labels = r.Labels,
                    per_class = r.PerClass.ToDictionary(c => c.Label, c => new { precision = c.Precision, recall = c.Recall, f1 = c.F1, support = c.Support }),
                    confusion = r.Confusion,
                    failures = result.Failures.Select(f => new { file = f.Path, message = f.Error }).ToArray(),
                });
                foreach (var (path, error) in result.Failures) CliConsole.FileError(path, error);
                return exit;
            }
            string F(double v) => v.ToString("0.000", Invariant.Culture);
            CliConsole.Info($"{answering} on {dataset.Root} ({r.Count} clips" +
                            (result.Failures.Count > 0 ? $" of {dataset.Items.Count}: {result.Failures.Count} could not be analysed and {(result.Failures.Count == 1 ? "is" : "are")} not scored, see below)" : ")"));
            CliConsole.Info($"accuracy {F(r.Accuracy)} [{F(result.AccuracyCi.Low)}, {F(result.AccuracyCi.High)}], macro-F1 {F(r.MacroF1)} [{F(result.MacroF1Ci.Low)}, {F(result.MacroF1Ci.High)}]");
            CliConsole.Table("Per class", ["mood", "precision", "recall", "F1", "support"],
                r.PerClass.Select(c => (IReadOnlyList<string>)[c.Label, F(c.Precision), F(c.Recall), F(c.F1), c.Support.ToString(Invariant.Culture)]));
            CliConsole.Table("Confusion (rows: truth, columns: predicted)", new[] { "" }.Concat(r.Labels).ToArray(),
                r.Labels.Select((l, i) => (IReadOnlyList<string>)new[] { l }.Concat(r.Confusion[i].Select(v => v.ToString(Invariant.Culture))).ToArray()));
            foreach (var (path, error) in result.Failures) CliConsole.FileError(path, error);
            return exit;
        });
        return command;
    }
}
