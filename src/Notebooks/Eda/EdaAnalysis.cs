namespace Mmcs.Notebooks.Eda;

/// <summary>Five-number summary plus mean and standard deviation of a sample.</summary>
public sealed record Summary(int Count, double Mean, double StdDev, double Min, double Q1, double Median, double Q3, double Max)
{
    /// <summary>Summary of the finite values of <paramref name="values"/> (NaN everywhere when there are none).</summary>
    public static Summary Of(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        int n = sorted.Length;
        if (n == 0) return new Summary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double mean = sorted.Average();
        double sd = n > 1 ? Math.Sqrt(sorted.Sum(x => (x - mean) * (x - mean)) / (n - 1)) : 0;
        return new Summary(n, mean, sd, sorted[0], Quantile(sorted, 0.25), Quantile(sorted, 0.5), Quantile(sorted, 0.75), sorted[^1]);
    }

    /// <summary>Quantile with linear interpolation between order statistics (R type 7, numpy's default).</summary>
    public static double Quantile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}

/// <summary>How one feature separates the classes.</summary>
/// <param name="Feature">The feature's name.</param>
/// <param name="Anova">One-way ANOVA F and its p-value.</param>
/// <param name="MutualInformation">Mutual information with the class, in nats.</param>
/// <param name="FRank">1 = largest F.</param>
/// <param name="MiRank">1 = largest mutual information.</param>
public sealed record SeparabilityRow(string Feature, AnovaResult Anova, double MutualInformation, int FRank, int MiRank);

/// <summary>The statistics of an EDA: class balance, per-class summaries, separability and correlations.</summary>
public sealed class EdaAnalysis
{
    private EdaAnalysis(EdaTable table, IReadOnlyList<int> classCounts, IReadOnlyList<IReadOnlyList<Summary>> summaries,
        IReadOnlyList<SeparabilityRow> separability, double[,] correlation)
    {
        Table = table;
        ClassCounts = classCounts;
        Summaries = summaries;
        Separability = separability;
        Correlation = correlation;
    }

    public EdaTable Table { get; }

    /// <summary>Rows per class, in <see cref="EdaTable.Classes"/> order.</summary>
    public IReadOnlyList<int> ClassCounts { get; }

    /// <summary>Summaries[feature][class].</summary>
    public IReadOnlyList<IReadOnlyList<Summary>> Summaries { get; }

    /// <summary>One row per feature, sorted by ANOVA F (largest first; undefined F last).</summary>
    public IReadOnlyList<SeparabilityRow> Separability { get; }

    /// <summary>Pearson correlations between features (table order).</summary>
    public double[,] Correlation { get; }

    /// <summary>Computes every statistic of the table.</summary>
    public static EdaAnalysis Compute(EdaTable table, int neighbours = 3, CancellationToken cancellationToken = default)
    {
        int p = table.FeatureNames.Count;
        var summaries = new IReadOnlyList<Summary>[p];
        var anova = new AnovaResult[p];
        var mi = new double[p];
        Parallel.For(0, p, new ParallelOptions { CancellationToken = cancellationToken }, j =>
        {
            var column = table.Column(j);
            summaries[j] = Enumerable.Range(0, table.Classes.Count).Select(c => Summary.Of(table.ValuesOf(j, c))).ToArray();
            anova[j] = Eda.Separability.Anova(column, table.ClassIndex);
            mi[j] = Eda.Separability.MutualInformation(column, table.ClassIndex, neighbours);
        });
        var byF = Enumerable.Range(0, p).OrderByDescending(j => double.IsNaN(anova[j].F) ? double.NegativeInfinity : anova[j].F)
            .ThenBy(j => j).ToArray();
        var byMi = Enumerable.Range(0, p).OrderByDescending(j => mi[j]).ThenBy(j => j).ToArray();
        var fRank = new int[p];
        var miRank = new int[p];
        for (int r = 0; r < p; r++)
        {
            fRank[byF[r]] = r + 1;
            miRank[byMi[r]] = r + 1;
        }
        var rows = byF.Select(j => new SeparabilityRow(table.FeatureNames[j], anova[j], mi[j], fRank[j], miRank[j])).ToList();

        var correlation = new double[p, p];
        Parallel.For(0, p, new ParallelOptions { CancellationToken = cancellationToken }, a =>
        {
            correlation[a, a] = 1;
            for (int b = a + 1; b < p; b++)
            {
                double r = Eda.Separability.Pearson(table.Column(a), table.Column(b));
                correlation[a, b] = r;
                correlation[b, a] = r;
            }
        });
        return new EdaAnalysis(table, table.ClassCounts(), summaries, rows, correlation);
    }

    /// <summary>Feature pairs whose |correlation| is at least <paramref name="threshold"/>, strongest first.</summary>
    public IReadOnlyList<(string A, string B, double R)> StronglyCorrelated(double threshold = 0.9)
    {
        var pairs = new List<(string, string, double)>();
        int p = Table.FeatureNames.Count;
        for (int a = 0; a < p; a++)
        {
            for (int b = a + 1; b < p; b++)
            {
                double r = Correlation[a, b];
                if (Math.Abs(r) >= threshold) pairs.Add((Table.FeatureNames[a], Table.FeatureNames[b], r));
            }
        }
        return pairs.OrderByDescending(x => Math.Abs(x.Item3)).ToList();
    }
}
