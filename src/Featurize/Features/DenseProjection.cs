using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mmcs.Featurize.Features;

/// <summary>A small dense matrix W [rows × k] applied to a [k × frames] array (float32, SIMD over frames).</summary>
internal static class DenseProjection
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[] Apply(float[] w, int rows, int k, float[] x, int frames, bool squared = false)
    {
        var result = new float[rows * frames];
        int lanes = Vector256<float>.Count;
        if (rows == 12) return Apply12(w, k, x, frames, result, squared);
        if (squared)
        {
            var sq = new float[x.Length];
            for (int i = 0; i < x.Length; i++) sq[i] = x[i] * x[i];
            x = sq;
        }
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

    /// <summary>12 output rows (chroma) with the accumulators in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] Apply12(float[] w, int k, float[] x, int frames, float[] result, bool squared)
    {
        int lanes = Vector256<float>.Count;
        ref float w0 = ref MemoryMarshal.GetArrayDataReference(w);
        ref float x0 = ref MemoryMarshal.GetArrayDataReference(x);
        int t = 0;
        for (; t + lanes <= frames; t += lanes)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
            Vector256<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
            for (int j = 0; j < k; j++)
            {
                var v = Vector256.LoadUnsafe(ref x0, (nuint)(j * frames + t));
                if (squared) v *= v;
                a0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 0 * k + j)), v, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 1 * k + j)), v, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 2 * k + j)), v, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 3 * k + j)), v, a3);
                a4 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 4 * k + j)), v, a4);
                a5 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 5 * k + j)), v, a5);
                a6 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 6 * k + j)), v, a6);
                a7 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 7 * k + j)), v, a7);
                a8 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 8 * k + j)), v, a8);
                a9 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 9 * k + j)), v, a9);
                a10 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 10 * k + j)), v, a10);
                a11 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, 11 * k + j)), v, a11);
            }
            a0.StoreUnsafe(ref result[0 * frames + t]);
            a1.StoreUnsafe(ref result[1 * frames + t]);
            a2.StoreUnsafe(ref result[2 * frames + t]);
            a3.StoreUnsafe(ref result[3 * frames + t]);
            a4.StoreUnsafe(ref result[4 * frames + t]);
            a5.StoreUnsafe(ref result[5 * frames + t]);
            a6.StoreUnsafe(ref result[6 * frames + t]);
            a7.StoreUnsafe(ref result[7 * frames + t]);
            a8.StoreUnsafe(ref result[8 * frames + t]);
            a9.StoreUnsafe(ref result[9 * frames + t]);
            a10.StoreUnsafe(ref result[10 * frames + t]);
            a11.StoreUnsafe(ref result[11 * frames + t]);
        }
        for (; t < frames; t++)
        {
            for (int r = 0; r < 12; r++)
            {
                float s = 0;
                for (int j = 0; j < k; j++)
                {
                    float v = x[j * frames + t];
                    s += w[r * k + j] * (squared ? v * v : v);
                }
                result[r * frames + t] = s;
            }
        }
        return result;
    }
}
