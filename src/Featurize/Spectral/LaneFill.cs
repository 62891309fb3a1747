using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        if (valid == 4 && start0 >= 0 && last + n <= y.Length && Avx.IsSupported && n % 4 == 0)
        {
            // 4×4 blocks: 4 consecutive samples of each frame, widened to double, transposed.
            ref float y0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), start0);
            ref double w0 = ref MemoryMarshal.GetArrayDataReference(window);
            ref var dst0 = ref MemoryMarshal.GetArrayDataReference(input);
            for (int j = 0; j < n; j += 4)
            {
                ref float p = ref Unsafe.Add(ref y0, j);
                var r0 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref p));
                var r1 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref Unsafe.Add(ref p, hop)));
                var r2 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref Unsafe.Add(ref p, 2 * hop)));
                var r3 = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref Unsafe.Add(ref p, 3 * hop)));
                var t0 = Avx.UnpackLow(r0, r1);   // r0[0] r1[0] r0[2] r1[2]
                var t1 = Avx.UnpackHigh(r0, r1);  // r0[1] r1[1] r0[3] r1[3]
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                ref var d = ref Unsafe.Add(ref dst0, j);
                ref double w = ref Unsafe.Add(ref w0, j);
                d = Avx.Permute2x128(t0, t2, 0x20) * Vector256.Create(w);
                Unsafe.Add(ref d, 1) = Avx.Permute2x128(t1, t3, 0x20) * Vector256.Create(Unsafe.Add(ref w, 1));
                Unsafe.Add(ref d, 2) = Avx.Permute2x128(t0, t2, 0x31) * Vector256.Create(Unsafe.Add(ref w, 2));
                Unsafe.Add(ref d, 3) = Avx.Permute2x128(t1, t3, 0x31) * Vector256.Create(Unsafe.Add(ref w, 3));
            }
            return;
        }
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

    /// <summary>8 float lanes, frames of n samples starting at start0 + l·hop, times a window (null: rectangular).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plain(ReadOnlySpan<float> y, int start0, int hop, int valid, int n, Vector256<float>[] input, float[]? window = null)
    {
        int last = start0 + 7 * hop;
        if (valid == 8 && start0 >= 0 && last + n <= y.Length && Avx.IsSupported && n % 8 == 0)
        {
            // 8×8 blocks: load 8 consecutive samples of each frame, transpose so vector j holds sample j of all frames.
            ref float y0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), start0);
            ref var dst = ref MemoryMarshal.GetArrayDataReference(input);
            for (int j = 0; j < n; j += 8)
            {
                ref float p = ref Unsafe.Add(ref y0, j);
                var r0 = Vector256.LoadUnsafe(ref p);
                var r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref p, hop));
                var r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref p, 2 * hop));
                var r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref p, 3 * hop));
                var r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref p, 4 * hop));
                var r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref p, 5 * hop));
                var r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref p, 6 * hop));
                var r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref p, 7 * hop));
                var t0 = Avx.UnpackLow(r0, r1);
                var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                var t4 = Avx.UnpackLow(r4, r5);
                var t5 = Avx.UnpackHigh(r4, r5);
                var t6 = Avx.UnpackLow(r6, r7);
                var t7 = Avx.UnpackHigh(r6, r7);
                var u0 = Avx.Shuffle(t0, t2, 0x44);
                var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44);
                var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44);
                var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44);
                var u7 = Avx.Shuffle(t5, t7, 0xEE);
                ref var d = ref Unsafe.Add(ref dst, j);
                if (window is null)
                {
                    d = Avx.Permute2x128(u0, u4, 0x20);
                    Unsafe.Add(ref d, 1) = Avx.Permute2x128(u1, u5, 0x20);
                    Unsafe.Add(ref d, 2) = Avx.Permute2x128(u2, u6, 0x20);
                    Unsafe.Add(ref d, 3) = Avx.Permute2x128(u3, u7, 0x20);
                    Unsafe.Add(ref d, 4) = Avx.Permute2x128(u0, u4, 0x31);
                    Unsafe.Add(ref d, 5) = Avx.Permute2x128(u1, u5, 0x31);
                    Unsafe.Add(ref d, 6) = Avx.Permute2x128(u2, u6, 0x31);
                    Unsafe.Add(ref d, 7) = Avx.Permute2x128(u3, u7, 0x31);
                }
                else
                {
                    ref float w = ref window[j];
                    d = Avx.Permute2x128(u0, u4, 0x20) * Vector256.Create(w);
                    Unsafe.Add(ref d, 1) = Avx.Permute2x128(u1, u5, 0x20) * Vector256.Create(Unsafe.Add(ref w, 1));
                    Unsafe.Add(ref d, 2) = Avx.Permute2x128(u2, u6, 0x20) * Vector256.Create(Unsafe.Add(ref w, 2));
                    Unsafe.Add(ref d, 3) = Avx.Permute2x128(u3, u7, 0x20) * Vector256.Create(Unsafe.Add(ref w, 3));
                    Unsafe.Add(ref d, 4) = Avx.Permute2x128(u0, u4, 0x31) * Vector256.Create(Unsafe.Add(ref w, 4));
                    Unsafe.Add(ref d, 5) = Avx.Permute2x128(u1, u5, 0x31) * Vector256.Create(Unsafe.Add(ref w, 5));
                    Unsafe.Add(ref d, 6) = Avx.Permute2x128(u2, u6, 0x31) * Vector256.Create(Unsafe.Add(ref w, 6));
                    Unsafe.Add(ref d, 7) = Avx.Permute2x128(u3, u7, 0x31) * Vector256.Create(Unsafe.Add(ref w, 7));
                }
            }
            return;
        }
        if (valid == 8 && start0 >= 0 && last + n <= y.Length)
        {
            ref float y0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), start0);
            ref var dst = ref MemoryMarshal.GetArrayDataReference(input);
            for (int j = 0; j < n; j++)
            {
                ref float p = ref Unsafe.Add(ref y0, j);
                var v = Vector256.Create(
                    p, Unsafe.Add(ref p, hop), Unsafe.Add(ref p, 2 * hop), Unsafe.Add(ref p, 3 * hop),
                    Unsafe.Add(ref p, 4 * hop), Unsafe.Add(ref p, 5 * hop), Unsafe.Add(ref p, 6 * hop), Unsafe.Add(ref p, 7 * hop));
                Unsafe.Add(ref dst, j) = window is null ? v : v * Vector256.Create(window[j]);
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
            for (int j = lo; j < hi; j++) flat[j * 8 + l] = window is null ? y[start + j] : y[start + j] * window[j];
            for (int j = hi; j < n; j++) flat[j * 8 + l] = 0f;
        }
    }
}
