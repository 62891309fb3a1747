using Mmcs.Train.Data;
using Mmcs.Train.Evaluation;

namespace Mmcs.Train.Tabular;

/// <summary>How much the metric drops when one input column's values (or a family of <paramref name="Columns"/> columns,
/// shuffled together) are shuffled: mean and spread over repeats.</summary>
public sealed record FeatureImportance(string Feature, double Importance, double StdDev, int Columns = 1);

/// <summary>What the importances are computed over.</summary>
public enum ImportanceGrouping
{
    /// <summary>Every column; feature families instead when the columns would overrun the time budget.</summary>
    Auto,

    /// <summary>Every column alone.</summary>
    Columns,

    /// <summary>Feature families (<see cref="PermutationImportance.Families"/>), each shuffled as one.</summary>
    Families,
}

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
        int repeats, int seed, TimeSpan? budget, out TimeSpan estimate, CancellationToken cancellationToken = default) =>
        TryCompute(data, cv, metric, repeats, seed, budget, null, out estimate, cancellationToken);

    /// <summary>
    /// As <see cref="TryCompute(TabularDataset, CrossValidationResult, AutoMlMetric, int, int, TimeSpan?, out TimeSpan, CancellationToken)"/>
    /// over groups of columns (null: every column alone): the columns of a group are shuffled with the same permutation
    /// of the test rows, so their joint values (and correlations) stay intact while their link to the label is cut.
    /// With many correlated columns (a coefficient's mean and variance, 20 MFCCs) one column alone shows little, as its
    /// neighbours stand in for it; its family shows what the model takes from that kind of feature.
    /// </summary>
    public static IReadOnlyList<FeatureImportance>? TryCompute(TabularDataset data, CrossValidationResult cv, AutoMlMetric metric,
        int repeats, int seed, TimeSpan? budget, IReadOnlyList<(string Name, int[] Columns)>? groups, out TimeSpan estimate,
        CancellationToken cancellationToken = default)
    {
        if (cv.FoldPipelines is null) throw new InvalidOperationException("cross-validation kept no fold pipelines");
        estimate = TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double baseline = Score(data, cv.OutOfFoldPredictions, metric);
        var rng = new Random(seed);
        var result = new List<FeatureImportance>();
        var frame = data.Frame;
        groups ??= frame.Columns.Select((c, j) => (c.Name, new[] { j })).ToArray();
        for (int g = 0; g < groups.Count; g++)
        {
            var columns = groups[g].Columns;
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
                    foreach (int j in columns) testFrame = testFrame.WithColumn(j, frame.Columns[j].Select(permutation));
                    var p = cv.FoldPipelines[f].PredictProbabilities(testFrame);
                    for (int i = 0; i < test.Length; i++) predicted[test[i]] = ClassificationReport.ArgMax(p[i]);
                }
                drops[r] = baseline - Score(data, predicted, metric);
            }
            if (g == 0)
            {
                estimate = clock.Elapsed * groups.Count;
                if (budget is { } limit && estimate > limit) return null;
            }
            double mean = drops.Average();
            double sd = repeats > 1 ? Math.Sqrt(drops.Sum(d => (d - mean) * (d - mean)) / (repeats - 1)) : 0;
            result.Add(new FeatureImportance(groups[g].Name, mean, sd, columns.Length));
        }
        return result.OrderByDescending(f => f.Importance).ThenBy(f => f.Feature, StringComparer.Ordinal).ToArray();
    }

    private static readonly string[] StatisticSuffixes = ["_mean", "_var", "_std", "_skew", "_kurt", "_p10", "_p50", "_p90", "_min", "_max"];

    /// <summary>
    /// Columns grouped by the feature they summarise, in order of first appearance: a one-hot column "name=level" goes
    /// with "name"; trailing "_NN" indices and then a statistic suffix (_mean, _var, _skew, _kurt, _p10…) are dropped,
    /// so mfcc_mean_01 … mfcc_var_20 are "mfcc", mfcc_d1_var_03 is "mfcc_d1", rms_p90 is "rms", modulation_02_03 is
    /// "modulation", and tempo stays "tempo".
    /// </summary>
    public static IReadOnlyList<(string Name, int[] Columns)> Families(IReadOnlyList<string> columnNames)
    {
        ArgumentNullException.ThrowIfNull(columnNames);
        var order = new List<string>();
        var members = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int j = 0; j < columnNames.Count; j++)
        {
            string family = FamilyOf(columnNames[j]);
            if (!members.TryGetValue(family, out var list))
            {
                members[family] = list = [];
                order.Add(family);
            }
            list.Add(j);
        }
        return order.Select(f => (f, members[f].ToArray())).ToArray();
    }

    internal static string FamilyOf(string column)
    {
        string name = column;
        int eq = name.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0) name = name[..eq];
        while (true)
        {
            int underscore = name.LastIndexOf('_');
            if (underscore <= 0 || underscore == name.Length - 1 || name.AsSpan(underscore + 1).ContainsAnyExcept("0123456789")) break;
            name = name[..underscore];
        }
        foreach (string suffix in StatisticSuffixes)
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal)) return name[..^suffix.Length];
        }
        return name;
    }

    internal static double Score(TabularDataset data, IReadOnlyList<int> predicted, AutoMlMetric metric)
    {
        var report = ClassificationReport.Compute(data.Labels, predicted, data.ClassNames);
        return metric == AutoMlMetric.Accuracy ? report.Accuracy : report.MacroF1;
    }
}
