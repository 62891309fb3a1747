using Mmcs.Featurize.Features;

namespace Mmcs.Featurize.Images;

/// <summary>
/// Bilinear resizing with the half-pixel convention (align_corners = false), as cv2.resize(INTER_LINEAR) and
/// tf.image.resize(method='bilinear', antialias=False) do: output pixel i samples the input at
/// (i + 0.5)·(in/out) − 0.5, clamped to [0, in − 1], and interpolates linearly between the two neighbours along
/// each axis (rows, then columns; separable). No anti-aliasing on downscaling.
/// </summary>
public static class BilinearResize
{
    public static FeatureMatrix Resize(FeatureMatrix src, ImageSize size) => Resize(src, size.Rows, size.Cols);

    public static FeatureMatrix Resize(FeatureMatrix src, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(src);
        if (rows < 1 || cols < 1) throw new FeatureOptionsException($"image size must be positive, got {rows}x{cols}");
        if (src.Rows < 1 || src.Cols < 1) throw new FeatureInputException($"cannot resize an empty {src.Rows}x{src.Cols} image");
        var (r0, r1, rw) = Weights(src.Rows, rows);
        var (c0, c1, cw) = Weights(src.Cols, cols);
        // Columns first into a [src.Rows × cols] buffer, then rows.
        var tmp = new float[src.Rows * cols];
        for (int r = 0; r < src.Rows; r++)
        {
            var row = src.Row(r);
            int o = r * cols;
            for (int j = 0; j < cols; j++) tmp[o + j] = (float)(row[c0[j]] + (row[c1[j]] - (double)row[c0[j]]) * cw[j]);
        }
        var dst = new FeatureMatrix(rows, cols);
        for (int i = 0; i < rows; i++)
        {
            var d = dst.Row(i);
            int a = r0[i] * cols, b = r1[i] * cols;
            double w = rw[i];
            for (int j = 0; j < cols; j++) d[j] = (float)(tmp[a + j] + (tmp[b + j] - (double)tmp[a + j]) * w);
        }
        return dst;
    }

    /// <summary>For each output index: the two input neighbours and the weight of the second.</summary>
    internal static (int[] Lo, int[] Hi, double[] W) Weights(int inSize, int outSize)
    {
        var lo = new int[outSize];
        var hi = new int[outSize];
        var w = new double[outSize];
        double scale = (double)inSize / outSize;
        for (int i = 0; i < outSize; i++)
        {
            double x = (i + 0.5) * scale - 0.5;
            if (x < 0) x = 0;
            if (x > inSize - 1) x = inSize - 1;
            int x0 = (int)Math.Floor(x);
            int x1 = Math.Min(x0 + 1, inSize - 1);
            lo[i] = x0;
            hi[i] = x1;
            w[i] = x - x0;
        }
        return (lo, hi, w);
    }
}
