namespace Mmcs.Featurize.Features;

/// <summary>
/// librosa.feature.delta (width 9, mode 'interp'): the Savitzky–Golay derivative of order n (polynomial order n)
/// along time. In the interior it is a fixed FIR (order 1: Σ k·x[t+k] / 60); at the edges, 'interp' fits one
/// polynomial to the first (last) window, whose n-th derivative is a constant — the value at the first (last)
/// full window.
/// </summary>
public static class Delta
{
    /// <summary>The order-th delta of every row, [rows × frames].</summary>
    public static FeatureMatrix Compute(FeatureMatrix data, int order = 1, int width = 9)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (order is < 1 or > 2) throw new FeatureOptionsException($"delta: order must be 1 or 2, got {order}");
        if (width < 3 || width % 2 == 0) throw new FeatureOptionsException($"delta: width must be odd and >= 3, got {width}");
        int frames = data.Cols;
        if (frames < width)
            throw new FeatureInputException($"delta: {frames} frames is fewer than the window width {width}");
        var coef = Coefficients(order, width);
        int h = width / 2;
        var result = new FeatureMatrix(data.Rows, frames);
        int inner = frames - 2 * h;
        var acc = new double[inner];
        for (int r = 0; r < data.Rows; r++)
        {
            var x = data.Row(r);
            var y = result.Row(r);
            // y[t] = Σ_k c_k·x[t+k] for t in [h, frames−h): one shifted axpy per tap (SIMD over frames).
            Array.Clear(acc);
            for (int k = -h; k <= h; k++) SpectralMath.AddScaled(acc, x.Slice(h + k, inner), coef[k + h]);
            for (int t = 0; t < inner; t++) y[h + t] = (float)acc[t];
            for (int t = 0; t < h; t++) y[t] = y[h];
            for (int t = frames - h; t < frames; t++) y[t] = y[frames - h - 1];
        }
        return result;
    }

    /// <summary>Savitzky–Golay derivative coefficients for polyorder = deriv = order (unit sample spacing).</summary>
    internal static double[] Coefficients(int order, int width)
    {
        int h = width / 2;
        var c = new double[width];
        if (order == 1)
        {
            double denom = 0;
            for (int k = -h; k <= h; k++) denom += k * k;
            for (int k = -h; k <= h; k++) c[k + h] = k / denom;
        }
        else
        {
            // Quadratic least squares: y'' = 2·a2 with a2 = Σ (k² − mean k²)·x_k / Σ (k² − mean k²)².
            double mean = 0;
            for (int k = -h; k <= h; k++) mean += k * k;
            mean /= width;
            double denom = 0;
            for (int k = -h; k <= h; k++) denom += (k * k - mean) * (k * k - mean);
            for (int k = -h; k <= h; k++) c[k + h] = 2 * (k * k - mean) / denom;
        }
        return c;
    }
}
