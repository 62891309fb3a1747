using Mmcs.Train.Data;
using Mmcs.Train.Evaluation;

namespace Mmcs.Train.Tabular;

/// <summary>How much the metric drops when one input column's values are shuffled (mean and spread over repeats).</summary>
public sealed record FeatureImportance(string Feature, double Importance, double StdDev);

/// <summary>
/// Permutation feature importance on out-of-fold data: for each input column, its values are shuffled among each
/// fold's test rows, every fold's pipeline (fitted without those rows) predicts them again, and the pooled metric
/// is compared with the unshuffled out-of-fold metric. No row is scored by a model that trained on it.
/// </summary>
public static class PermutationImportance
{
    public static IReadOnlyList<FeatureImportance> Compute(TabularDataset data, CrossValidationResult cv, AutoMlMetric metric,
        int repeats, int seed, CancellationToken cancellationToken = default) =>
        TryCompute(data, cv, metric, repeats, seed, null, out _, cancellationToken)!;

    /// <summary>As <see cref="Compute"/>, but gives up (returns null) when the first column's permutations show that all
    /// columns would take longer than <paramref name="budget"/>; <paramref name="estimate"/> is that projection
    /// (e.g. an RBF SVM re-predicting thousands of out-of-fold rows for each of hundreds of columns).</summary>
    public static IReadOnlyList<FeatureImportance>? TryCompute(TabularDataset data, CrossValidationResult cv, AutoMlMetric metric,
        int repeats, int seed, TimeSpan? budget, out TimeSpan estimate, CancellationToken cancellationToken = default)
    {
        if (cv.FoldPipelines is null) throw new InvalidOperationException("cross-validation kept no fold pipelines");
        estimate = TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double baseline = Score(data, cv.OutOfFoldPredictions, metric);
        var rng = new Random(seed);
        var result = new List<FeatureImportance>();
        var frame = data.Frame;
        for (int j = 0; j < frame.Columns.Count; j++)
        {
            var drops = new double[repeats];
            for (int r = 0; r < repeats; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var predicted = new int[data.RowCount];
                for (int f = 0; f < cv.Folds.Count; f++)
                {
                    var test = cv.Folds[f].Test;
                    var permutation = test.ToArray();
                    rng.Shuffle(permutation);
                    var testFrame = frame.SelectRows(test);
                    var shuffled = frame.Columns[j].Select(permutation);
                    var p = cv.FoldPipelines[f].PredictProbabilities(testFrame.WithColumn(j, shuffled));
                    for (int i = 0; i < test.Length; i++) predicted[test[i]] = ClassificationReport.ArgMax(p[i]);
                }
                drops[r] = baseline - Score(data, predicted, metric);
            }
            if (j == 0)
            {
                estimate = clock.Elapsed * frame.Columns.Count;
                if (budget is { } limit && estimate > limit) return null;
            }
            double mean = drops.Average();
            double sd = repeats > 1 ? Math.Sqrt(drops.Sum(d => (d - mean) * (d - mean)) / (repeats - 1)) : 0;
            result.Add(new FeatureImportance(frame.Columns[j].Name, mean, sd));
        }
        return result.OrderByDescending(f => f.Importance).ThenBy(f => f.Feature, StringComparer.Ordinal).ToArray();
    }

    internal static double Score(TabularDataset data, IReadOnlyList<int> predicted, AutoMlMetric metric)
    {
        var report = ClassificationReport.Compute(data.Labels, predicted, data.ClassNames);
        return metric == AutoMlMetric.Accuracy ? report.Accuracy : report.MacroF1;
    }
}
