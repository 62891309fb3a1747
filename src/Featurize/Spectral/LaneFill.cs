using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mmcs.Featurize.Spectral;

/// <summary>
/// Loads frames of a signal into the lanes of a batched FFT input (lane l = frame l): element j of the input holds
/// sample j of every frame. Frames reaching outside the signal read zeros there.
/// </summary>
internal static class LaneFill
{
    /// <summary>4 double lanes, frames starting at start0 + l·hop, multiplied by a window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Windowed(ReadOnlySpan<float> y, int start0, int hop, int valid, double[] window, Vector256<double>[] input)
    {
        int n = window.Length;
        int last = start0 + 3 * hop;
        if (valid == 4 && start0 >= 0 && last + n <= y.Length)
        {
            ref float ya = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), start0);
            ref float yb = ref Unsafe.Add(ref ya, hop);
            ref float yc = ref Unsafe.Add(ref yb, hop);
            ref float yd = ref Unsafe.Add(ref yc, hop);
            ref double w = ref MemoryMarshal.GetArrayDataReference(window);
            ref var dst = ref MemoryMarshal.GetArrayDataReference(input);
            for (int j = 0; j < n; j++)
            {
                Unsafe.Add(ref dst, j) = Vector256.Create(
                    (double)Unsafe.Add(ref ya, j), Unsafe.Add(ref yb, j), Unsafe.Add(ref yc, j), Unsafe.Add(ref yd, j))
                    * Vector256.Create(Unsafe.Add(ref w, j));
            }
            return;
        }
        var flat = MemoryMarshal.Cast<Vector256<double>, double>(input.AsSpan());
        for (int l = 0; l < 4; l++)
        {
            int start = start0 + l * hop;
            int lo = l < valid ? Math.Clamp(-start, 0, n) : n;
            int hi = l < valid ? Math.Clamp(y.Length - start, lo, n) : n;
            for (int j = 0; j < lo; j++) flat[j * 4 + l] = 0.0;
            for (int j = lo; j < hi; j++) flat[j * 4 + l] = y[start + j] * window[j];
            for (int j = hi; j < n; j++) flat[j * 4 + l] = 0.0;
        }
    }

    /// <summary>8 float lanes, frames of n samples starting at start0 + l·hop (rectangular window).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plain(ReadOnlySpan<float> y, int start0, int hop, int valid, int n, Vector256<float>[] input)
    {
        int last = start0 + 7 * hop;
        if (valid == 8 && start0 >= 0 && last + n <= y.Length)
        {
            ref float y0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), start0);
            ref var dst = ref MemoryMarshal.GetArrayDataReference(input);
            for (int j = 0; j < n; j++)
            {
                ref float p = ref Unsafe.Add(ref y0, j);
                Unsafe.Add(ref dst, j) = Vector256.Create(
                    p, Unsafe.Add(ref p, hop), Unsafe.Add(ref p, 2 * hop), Unsafe.Add(ref p, 3 * hop),
                    Unsafe.Add(ref p, 4 * hop), Unsafe.Add(ref p, 5 * hop), Unsafe.Add(ref p, 6 * hop), Unsafe.Add(ref p, 7 * hop));
            }
            return;
        }
        var flat = MemoryMarshal.Cast<Vector256<float>, float>(input.AsSpan());
        for (int l = 0; l < 8; l++)
        {
            int start = start0 + l * hop;
            int lo = l < valid ? Math.Clamp(-start, 0, n) : n;
            int hi = l < valid ? Math.Clamp(y.Length - start, lo, n) : n;
            for (int j = 0; j < lo; j++) flat[j * 8 + l] = 0f;
            for (int j = lo; j < hi; j++) flat[j * 8 + l] = y[start + j];
            for (int j = hi; j < n; j++) flat[j * 8 + l] = 0f;
        }
    }
}
