using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mmcs.Featurize.Features;

/// <summary>A small dense matrix W [rows × k] applied to a [k × frames] array (float32, SIMD over frames).</summary>
internal static class DenseProjection
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[] Apply(float[] w, int rows, int k, float[] x, int frames)
    {
        var result = new float[rows * frames];
        int lanes = Vector256<float>.Count;
        var acc = new Vector256<float>[rows];
        int t = 0;
        for (; t + lanes <= frames; t += lanes)
        {
            Array.Clear(acc);
            for (int j = 0; j < k; j++)
            {
                var v = Vector256.LoadUnsafe(ref x[j * frames + t]);
                for (int r = 0; r < rows; r++) acc[r] += Vector256.Create(w[r * k + j]) * v;
            }
            for (int r = 0; r < rows; r++) acc[r].StoreUnsafe(ref result[r * frames + t]);
        }
        for (; t < frames; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                float s = 0;
                for (int j = 0; j < k; j++) s += w[r * k + j] * x[j * frames + t];
                result[r * frames + t] = s;
            }
        }
        return result;
    }
}
