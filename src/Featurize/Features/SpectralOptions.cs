using System.Runtime.Intrinsics;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>The STFT a spectral feature reads (librosa defaults: sr 22050, n_fft 2048, hop 512, Hann, centred, zero padding).</summary>
public sealed record SpectralOptions
{
    public int SampleRate { get; init; } = 22050;
    public int NFft { get; init; } = 2048;
    public int HopLength { get; init; } = 512;

    public void Validate()
    {
        if (SampleRate <= 0) throw new FeatureOptionsException($"sample rate must be positive, got {SampleRate}");
        Stft.Validate();
    }

    internal StftOptions Stft => new() { NFft = NFft, HopLength = HopLength };

    internal double[] BinFrequencies() => Frequencies.Fft(SampleRate, NFft);
}

/// <summary>Row-wise (SIMD over frames) helpers shared by the spectral features.</summary>
internal static class SpectralMath
{
    /// <summary>Per-frame sum of a [bins × frames] array in float32, accumulated bin by bin (numpy's order for axis=-2).</summary>
    public static float[] ColumnSums(float[] s, int bins, int frames)
    {
        var acc = new float[frames];
        for (int k = 0; k < bins; k++)
            Simd.Add(acc, s.AsSpan(k * frames, frames));
        return acc;
    }

    /// <summary>acc[t] += c · x[t] in double precision (SIMD).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(Span<double> acc, ReadOnlySpan<float> x, double c)
    {
        int n = x.Length, t = 0;
        var cv = System.Runtime.Intrinsics.Vector256.Create(c);
        ref double a0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(acc);
        ref float x0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        for (; t + 8 <= n; t += 8)
        {
            var v = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref x0, (nuint)t);
            var (lo, hi) = System.Runtime.Intrinsics.Vector256.Widen(v);
            var a = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref a0, (nuint)t);
            var b = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref a0, (nuint)(t + 4));
            System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(cv, lo, a).StoreUnsafe(ref a0, (nuint)t);
            System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(cv, hi, b).StoreUnsafe(ref a0, (nuint)(t + 4));
        }
        for (; t < n; t++) acc[t] += c * x[t];
    }

    /// <summary>librosa util.normalize(norm=1) divisor: the column sum, or 1 where it is below float32's tiny.</summary>
    public static float[] L1Divisors(Spectrogram spectrogram)
    {
        var len = (float[])spectrogram.MagnitudeColumnSums.Clone();
        int frames = len.Length;
        for (int t = 0; t < frames; t++)
        {
            if (len[t] < 1.17549435e-38f) len[t] = 1f;
        }
        return len;
    }
}
