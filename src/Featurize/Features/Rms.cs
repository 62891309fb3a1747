using System.Runtime.Intrinsics;
namespace Mmcs.Featurize.Features;

/// <summary>librosa.feature.rms parameters (frame 2048, hop 512, centred with zero padding).</summary>
public sealed record RmsOptions
{
    public int FrameLength { get; init; } = 2048;
    public int HopLength { get; init; } = 512;
    public bool Center { get; init; } = true;

    public void Validate()
    {
        if (FrameLength < 1) throw new FeatureOptionsException($"rms: frame_length must be positive, got {FrameLength}");
        if (HopLength < 1) throw new FeatureOptionsException($"rms: hop_length must be positive, got {HopLength}");
    }
}

/// <summary>
/// librosa.feature.rms from the waveform: sqrt(mean(x²)) over frames of frame_length samples every hop, the signal
/// padded with frame_length/2 zeros on both sides when centred. Output [1 × frames].
/// </summary>
public sealed class Rms
{
    public Rms(RmsOptions? options = null)
    {
        options ??= new RmsOptions();
        options.Validate();
        Options = options;
    }

    public RmsOptions Options { get; }

    public FeatureMatrix Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return Compute(signal.Samples);
    }

    public FeatureMatrix Compute(ReadOnlySpan<float> y)
    {
        int n = Options.FrameLength, hop = Options.HopLength;
        int pad = Options.Center ? n / 2 : 0;
        int padded = y.Length + 2 * pad;
        int frames = padded < n ? 0 : 1 + (padded - n) / hop;
        var result = new float[frames];
        for (int t = 0; t < frames; t++)
        {
            int start = t * hop - pad;
            int lo = Math.Max(0, start), hi = Math.Min(y.Length, start + n);
            double sum = hi > lo ? SumOfSquares(y[lo..hi]) : 0.0;
            result[t] = (float)Math.Sqrt(sum / n);
        }
        return new FeatureMatrix(1, frames, result);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static double SumOfSquares(ReadOnlySpan<float> x)
    {
        var a = System.Runtime.Intrinsics.Vector256<double>.Zero;
        var b = System.Runtime.Intrinsics.Vector256<double>.Zero;
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var (lo, hi) = System.Runtime.Intrinsics.Vector256.Widen(System.Runtime.Intrinsics.Vector256.Create(x.Slice(i, 8)));
            a = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(lo, lo, a);
            b = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(hi, hi, b);
        }
        double s = System.Runtime.Intrinsics.Vector256.Sum(a + b);
        for (; i < x.Length; i++) s += (double)x[i] * x[i];
        return s;
    }
}
