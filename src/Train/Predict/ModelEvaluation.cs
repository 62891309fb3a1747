using Mmcs.Core;
using Mmcs.Featurize.Datasets;
using Mmcs.Train.Evaluation;

namespace Mmcs.Train.Predict;

/// <summary>A model's report on a labelled dataset: metrics with 95 % bootstrap intervals, and the files it could not read.</summary>
public sealed record DatasetEvaluation(
    ClassificationReport Report,
    Interval AccuracyCi,
    Interval MacroF1Ci,
    IReadOnlyList<(string Path, string Truth, string Predicted)> Items,
    IReadOnlyList<(string Path, string Error)> Failures);

/// <summary>Evaluates a packaged model on any labelled folder (4Q layout, folder-per-label…) the way it predicts songs.</summary>
public static class ModelEvaluation
{
    public static DatasetEvaluation Evaluate(MoodPredictor predictor, Dataset dataset, int? parallelism = null, int bootstrap = 1000,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        progress ??= Progress.None;
        var labels = predictor.Model.Labels;
        // a folder named "Happy" is the model's "happy" (labels match in any case when nothing matches exactly)
        string Canonical(string label) => labels.Contains(label) ? label : labels.FirstOrDefault(l => string.Equals(l, label, StringComparison.OrdinalIgnoreCase)) ?? label;
        dataset = dataset with
        {
            Items = dataset.Items.Select(i => i with { Label = Canonical(i.Label) }).ToList(),
            Labels = dataset.Labels.Select(Canonical).Distinct().ToList(),
        };
        var unknown = dataset.Items.Select(i => i.Label).Distinct().Where(l => !labels.Contains(l)).ToArray();
        if (unknown.Length > 0)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"dataset '{dataset.Root}' has labels [{string.Join(", ", unknown)}] that the model does not predict ([{string.Join(", ", labels)}])");
        var predicted = new string?[dataset.Items.Count];
        var errors = new string?[dataset.Items.Count];
        int done = 0;
        Parallel.For(0, dataset.Items.Count, new ParallelOptions
        {
            MaxDegreeOfParallelism = parallelism ?? Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        }, i =>
        {
            try
            {
                predicted[i] = predictor.Predict(dataset.Items[i].Path, cancellationToken).Mood;
            }
            catch (MmcsException e) when (e.ErrorCode != ErrorCodes.MissingDependency)
            {
                // a file that cannot be analysed is reported; a missing ffmpeg would fail every compressed file, so it
                // stops the evaluation (exit code 3) rather than scoring the WAV files alone
                errors[i] = e.Message;
            }
            progress.Report(new ProgressUpdate("evaluate", Interlocked.Increment(ref done), dataset.Items.Count));
        });
        var ok = Enumerable.Range(0, dataset.Items.Count).Where(i => predicted[i] != null).ToArray();
        if (ok.Length == 0)
            throw new MmcsException(ErrorCodes.DataInvalid, $"no file of '{dataset.Root}' could be analysed (first error: {errors.FirstOrDefault(e => e != null)})");
        var list = labels.ToList();
        var truth = ok.Select(i => list.IndexOf(dataset.Items[i].Label)).ToArray();
        var pred = ok.Select(i => list.IndexOf(predicted[i]!)).ToArray();
        var report = ClassificationReport.Compute(truth, pred, labels);
        int resamples = Math.Max(1, bootstrap);
        return new DatasetEvaluation(report,
            ConfidenceIntervals.Bootstrap(truth, pred, labels, r => r.Accuracy, resamples),
            ConfidenceIntervals.Bootstrap(truth, pred, labels, r => r.MacroF1, resamples),
            ok.Select(i => (dataset.Items[i].Path, dataset.Items[i].Label, predicted[i]!)).ToArray(),
            Enumerable.Range(0, dataset.Items.Count).Where(i => errors[i] != null).Select(i => (dataset.Items[i].Path, errors[i]!)).ToArray());
    }
}
