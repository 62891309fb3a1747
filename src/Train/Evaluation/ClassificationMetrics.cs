using Mmcs.Core;

namespace Mmcs.Train.Evaluation;

/// <summary>Precision, recall and F1 of one class.</summary>
public sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, int Support);

/// <summary>A two-sided interval.</summary>
public sealed record Interval(double Low, double High)
{
    public override string ToString() =>
        $"[{Low.ToString("F3", Invariant.Culture)}, {High.ToString("F3", Invariant.Culture)}]";
}

/// <summary>Everything reported about a set of predictions.</summary>
public sealed record ClassificationReport(
    IReadOnlyList<string> Labels,
    double Accuracy,
    double MacroF1,
    IReadOnlyList<ClassMetrics> PerClass,
    int[][] Confusion,
    int Count)
{
    /// <summary>Computes the report; <paramref name="truth"/> and <paramref name="predicted"/> are class indices into <paramref name="labels"/>.</summary>
    public static ClassificationReport Compute(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, IReadOnlyList<string> labels)
    {
        if (truth.Count != predicted.Count)
            throw new ArgumentException($"{truth.Count} true labels but {predicted.Count} predictions");
        int k = labels.Count;
        var confusion = new int[k][];
        for (int i = 0; i < k; i++) confusion[i] = new int[k];
        int correct = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            confusion[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) correct++;
        }
        var perClass = new List<ClassMetrics>();
        var predictedCounts = new int[k];
        for (int c = 0; c < k; c++)
        {
            int tp = confusion[c][c];
            int support = confusion[c].Sum();
            int predictedCount = 0;
            for (int r = 0; r < k; r++) predictedCount += confusion[r][c];
            predictedCounts[c] = predictedCount;
            double precision = predictedCount == 0 ? 0 : (double)tp / predictedCount;
            double recall = support == 0 ? 0 : (double)tp / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(labels[c], precision, recall, f1, support));
        }
        // Macro-F1 over the classes present in the truth or in the predictions, as scikit-learn's f1_score(average=
        // "macro") without labels=: a class predicted but never true counts with F1 0 (predicting it was only wrong);
        // a class neither true nor predicted is left out. With every class present, as in the 4Q folds, all agree.
        var present = perClass.Where((m, c) => m.Support > 0 || predictedCounts[c] > 0).ToList();
        double macroF1 = present.Count == 0 ? 0 : present.Average(m => m.F1);
        return new ClassificationReport(labels.ToArray(), truth.Count == 0 ? 0 : (double)correct / truth.Count,
            macroF1, perClass, confusion, truth.Count);
    }

    /// <summary>The index of the largest probability of each row.</summary>
    public static int[] ArgMax(IReadOnlyList<double[]> probabilities) => probabilities.Select(ArgMax).ToArray();

    public static int ArgMax(double[] p)
    {
        int best = 0;
        for (int i = 1; i < p.Length; i++)
        {
            if (p[i] > p[best]) best = i;
        }
        return best;
    }
}

/// <summary>Confidence intervals for metrics.</summary>
public static class ConfidenceIntervals
{
    /// <summary>Percentile bootstrap (resampling rows with replacement) of a metric; 95 % by default.</summary>
    public static Interval Bootstrap(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, IReadOnlyList<string> labels,
        Func<ClassificationReport, double> metric, int resamples = 1000, double level = 0.95, int seed = 0)
    {
        if (truth.Count == 0) return new Interval(double.NaN, double.NaN);
        var rng = new Random(seed);
        var values = new double[resamples];
        var t = new int[truth.Count];
        var p = new int[truth.Count];
        for (int b = 0; b < resamples; b++)
        {
            for (int i = 0; i < t.Length; i++)
            {
                int j = rng.Next(truth.Count);
                t[i] = truth[j];
                p[i] = predicted[j];
            }
            values[b] = metric(ClassificationReport.Compute(t, p, labels));
        }
        Array.Sort(values);
        double alpha = (1 - level) / 2;
        return new Interval(Quantile(values, alpha), Quantile(values, 1 - alpha));
    }

    /// <summary>Mean ± t × standard error over fold (or repetition) scores of a proportion (accuracy, F1), kept inside
    /// [0, 1] (with 3 folds the t-interval alone reached 1.141); 95 % by default.</summary>
    public static Interval FromFoldScores(IReadOnlyList<double> scores, double level = 0.95)
    {
        int n = scores.Count;
        if (n < 2) return new Interval(double.NaN, double.NaN);
        double mean = scores.Average();
        double sd = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / (n - 1));
        double t = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, n - 1, 1 - (1 - level) / 2);
        double half = t * sd / Math.Sqrt(n);
        return new Interval(Math.Max(0, mean - half), Math.Min(1, mean + half));
    }

    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
