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

    /// <summary>
    /// Pearson correlations over frames between every two of <paramref name="count"/> rows from
    /// <paramref name="first"/>: (first, first+1), (first, first+2), …, (first+count−2, first+count−1), in that
    /// order (numpy's np.corrcoef upper triangle). A row that does not vary correlates 0 with every other.
    /// </summary>
    public static double[] Correlations(FeatureMatrix m, int first, int count)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (first < 0 || count < 0 || first + count > m.Rows)
            throw new ArgumentOutOfRangeException(nameof(count), $"rows {first} to {first + count - 1} of a matrix of {m.Rows} rows");
        int n = m.Cols;
        // every row centred and scaled to unit length once; a correlation is then a dot product
        var z = new double[count][];
        for (int r = 0; r < count; r++)
        {
            var row = m.Row(first + r);
            double mean = Mean(row), ss = 0;
            var centred = z[r] = new double[n];
            for (int t = 0; t < n; t++)
            {
                centred[t] = row[t] - mean;
                ss += centred[t] * centred[t];
            }
            // a spread under a millionth of the row's size (float32 rounding is 6e-8 of it) is noise on a constant row,
            // not variation; NaN (no frames) too
            double norm = Math.Sqrt(ss);
            if (!(norm > 1e-6 * Math.Max(1, Math.Abs(mean)) * Math.Sqrt(n))) Array.Clear(centred);
            else for (int t = 0; t < n; t++) centred[t] /= norm;
        }
        var result = new double[count * (count - 1) / 2];
        int k = 0;
        for (int a = 0; a < count; a++)
        {
            for (int b = a + 1; b < count; b++)
            {
                double c = 0;
                for (int t = 0; t < n; t++) c += z[a][t] * z[b][t];
                result[k++] = Math.Clamp(c, -1, 1);
            }
        }
        return result;
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
