namespace Mmcs.Featurize.FeatureSets;

/// <summary>Per-row statistics over frames, computed in double (numpy's np.mean / np.var(ddof=0) of each row).</summary>
public static class RowStatistics
{
    /// <summary>Mean of each row.</summary>
    public static double[] Mean(FeatureMatrix m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var r = new double[m.Rows];
        for (int i = 0; i < m.Rows; i++) r[i] = Mean(m.Row(i));
        return r;
    }

    /// <summary>Population variance (ddof 0) of each row.</summary>
    public static double[] Variance(FeatureMatrix m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var r = new double[m.Rows];
        for (int i = 0; i < m.Rows; i++) r[i] = Variance(m.Row(i));
        return r;
    }

    public static double Mean(ReadOnlySpan<float> x)
    {
        if (x.Length == 0) return double.NaN;
        double s = 0;
        foreach (float v in x) s += v;
        return s / x.Length;
    }

    public static double Variance(ReadOnlySpan<float> x)
    {
        if (x.Length == 0) return double.NaN;
        double mean = Mean(x), s = 0;
        foreach (float v in x)
        {
            double d = v - mean;
            s += d * d;
        }
        return s / x.Length;
    }

    public static double Mean(ReadOnlySpan<double> x)
    {
        if (x.Length == 0) return double.NaN;
        double s = 0;
        foreach (double v in x) s += v;
        return s / x.Length;
    }

    public static double Variance(ReadOnlySpan<double> x)
    {
        if (x.Length == 0) return double.NaN;
        double mean = Mean(x), s = 0;
        foreach (double v in x)
        {
            double d = v - mean;
            s += d * d;
        }
        return s / x.Length;
    }
}
