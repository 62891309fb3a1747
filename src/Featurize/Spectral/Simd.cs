using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mmcs.Featurize.Spectral;

/// <summary>
/// Small element-wise float32 kernels used on every clip. They are compiled fully optimised on first use
/// (AggressiveOptimization), so the first clips of a run do not pay for tier-0 code.
/// </summary>
internal static class Simd
{
    /// <summary>acc[i] += x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(Span<float> acc, ReadOnlySpan<float> x)
    {
        int n = Math.Min(acc.Length, x.Length), i = 0;
        ref float a = ref MemoryMarshal.GetReference(acc);
        ref float b = ref MemoryMarshal.GetReference(x);
        for (; i + 8 <= n; i += 8)
            (Vector256.LoadUnsafe(ref a, (nuint)i) + Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref a, i) += Unsafe.Add(ref b, i);
    }

    /// <summary>acc[i] += c·x[i] (a multiply then an add, rounded twice, like numpy/BLAS without FMA).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(Span<float> acc, ReadOnlySpan<float> x, float c)
    {
        int n = Math.Min(acc.Length, x.Length), i = 0;
        ref float a = ref MemoryMarshal.GetReference(acc);
        ref float b = ref MemoryMarshal.GetReference(x);
        var cv = Vector256.Create(c);
        for (; i + 8 <= n; i += 8)
            (Vector256.LoadUnsafe(ref a, (nuint)i) + cv * Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref a, i) += c * Unsafe.Add(ref b, i);
    }

    /// <summary>acc[i] += c·(m[i]·m[i]): the power (float32 square, as librosa's |D|**2) on the fly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAddSquared(Span<float> acc, ReadOnlySpan<float> m, float c)
    {
        int n = Math.Min(acc.Length, m.Length), i = 0;
        ref float a = ref MemoryMarshal.GetReference(acc);
        ref float b = ref MemoryMarshal.GetReference(m);
        var cv = Vector256.Create(c);
        for (; i + 8 <= n; i += 8)
        {
            var v = Vector256.LoadUnsafe(ref b, (nuint)i);
            (Vector256.LoadUnsafe(ref a, (nuint)i) + cv * (v * v)).StoreUnsafe(ref a, (nuint)i);
        }
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref b, i);
            Unsafe.Add(ref a, i) += c * (v * v);
        }
    }

    /// <summary>acc[i] = max(acc[i], x[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max(Span<float> acc, ReadOnlySpan<float> x)
    {
        int n = Math.Min(acc.Length, x.Length), i = 0;
        ref float a = ref MemoryMarshal.GetReference(acc);
        ref float b = ref MemoryMarshal.GetReference(x);
        for (; i + 8 <= n; i += 8)
            Vector256.Max(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref a, i) = Math.Max(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i));
    }

    /// <summary>
    /// y[i] = 10·log10(max(floor, x[i])) − offset in float32; returns the largest y. SIMD natural log (accurate to
    /// about one float32 ulp) scaled by 10/ln 10.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float TenLog10(ReadOnlySpan<float> x, Span<float> y, float floor, float offset)
    {
        const double scale = 4.342944819032518; // 10 / ln(10)
        int n = x.Length, i = 0;
        var fv = Vector256.Create(floor);
        var max = Vector256.Create(float.NegativeInfinity);
        var off = Vector256.Create((double)offset);
        var sc = Vector256.Create(scale);
        for (; i + 8 <= n; i += 8)
        {
            var v = Vector256.Max(Vector256.Create(x.Slice(i, 8)), fv);
            // ln in double for the last bit, then one rounding to float32.
            var (lo, hi) = Vector256.Widen(v);
            var dl = Vector256.Log(lo) * sc - off;
            var dh = Vector256.Log(hi) * sc - off;
            var r = Vector256.Narrow(dl, dh);
            r.CopyTo(y.Slice(i, 8));
            max = Vector256.Max(max, r);
        }
        float m = float.NegativeInfinity;
        for (int l = 0; l < 8; l++) m = Math.Max(m, max.GetElement(l));
        for (; i < n; i++)
        {
            y[i] = (float)(10.0 * Math.Log10(Math.Max(floor, x[i])) - offset);
            m = Math.Max(m, y[i]);
        }
        return m;
    }

    /// <summary>y[i] = max(y[i], floor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Floor(Span<float> y, float floor)
    {
        int n = y.Length, i = 0;
        ref float a = ref MemoryMarshal.GetReference(y);
        var fv = Vector256.Create(floor);
        for (; i + 8 <= n; i += 8) Vector256.Max(Vector256.LoadUnsafe(ref a, (nuint)i), fv).StoreUnsafe(ref a, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref a, i) = Math.Max(Unsafe.Add(ref a, i), floor);
    }
}
