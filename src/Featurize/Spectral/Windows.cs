namespace Mmcs.Featurize.Spectral;

/// <summary>Analysis windows, computed like scipy.signal.get_window(..., fftbins=True).</summary>
public static class Windows
{
    /// <summary>
    /// The periodic ("DFT-even") Hann window of length n: w[i] = 0.5 - 0.5 cos(2πi/n), evaluated as scipy does
    /// (0.5 + 0.5 cos(-π + i·2π/n)) so values agree with scipy to the last bit or so.
    /// </summary>
    public static double[] HannPeriodic(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var w = new double[n];
        if (n == 1)
        {
            w[0] = 1.0;
            return w;
        }
        double step = 2.0 * Math.PI / n;
        for (int i = 0; i < n; i++) w[i] = 0.5 + 0.5 * Math.Cos(-Math.PI + i * step);
        return w;
    }

    /// <summary>The rectangular window ("ones").</summary>
    public static double[] Ones(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var w = new double[n];
        Array.Fill(w, 1.0);
        return w;
    }
}
