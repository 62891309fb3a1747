namespace Mmcs.Featurize.FeatureSets;

/// <summary>Summary statistics of a series (double precision; population moments like numpy/scipy defaults).</summary>
public static class Statistics
{
    public static double Mean(ReadOnlySpan<float> x) => RowStatistics.Mean(x);

    public static double Variance(ReadOnlySpan<float> x) => RowStatistics.Variance(x);

    /// <summary>Skewness (scipy.stats.skew, biased): m3 / m2^1.5; 0 for a constant series.</summary>
    public static double Skewness(ReadOnlySpan<float> x)
    {
        if (x.Length == 0) return double.NaN;
        double mean = Mean(x), m2 = 0, m3 = 0;
        foreach (float v in x)
        {
            double d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
        }
        m2 /= x.Length;
        m3 /= x.Length;
        return m2 <= 1e-300 ? 0.0 : m3 / Math.Pow(m2, 1.5);
    }

    /// <summary>Excess kurtosis (scipy.stats.kurtosis, Fisher, biased): m4 / m2² − 3; 0 for a constant series.</summary>
    public static double Kurtosis(ReadOnlySpan<float> x)
    {
        if (x.Length == 0) return double.NaN;
        double mean = Mean(x), m2 = 0, m4 = 0;
        foreach (float v in x)
        {
            double d = v - mean;
            double d2 = d * d;
            m2 += d2;
            m4 += d2 * d2;
        }
        m2 /= x.Length;
        m4 /= x.Length;
        return m2 <= 1e-300 ? 0.0 : m4 / (m2 * m2) - 3.0;
    }

    /// <summary>Percentiles with numpy's default linear interpolation; <paramref name="q"/> in [0, 100].</summary>
    public static double[] Percentiles(ReadOnlySpan<float> x, params double[] q)
    {
        var r = new double[q.Length];
        if (x.Length == 0)
        {
            Array.Fill(r, double.NaN);
            return r;
        }
        var sorted = x.ToArray();
        Array.Sort(sorted);
        for (int i = 0; i < q.Length; i++)
        {
            double pos = q[i] / 100.0 * (sorted.Length - 1);
            int lo = (int)Math.Floor(pos);
            int hi = Math.Min(lo + 1, sorted.Length - 1);
            double frac = pos - lo;
            r[i] = sorted[lo] + (sorted[hi] - (double)sorted[lo]) * frac;
        }
        return r;
    }

    /// <summary>Mean of all values of a matrix.</summary>
    public static double PooledMean(FeatureMatrix m) => RowStatistics.Mean(m.Data);

    /// <summary>Population variance of all values of a matrix.</summary>
    public static double PooledVariance(FeatureMatrix m) => RowStatistics.Variance(m.Data);
}
