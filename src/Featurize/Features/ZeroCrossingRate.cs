using System.Runtime.Intrinsics;
namespace Mmcs.Featurize.Features;

/// <summary>librosa.feature.zero_crossing_rate parameters (frame 2048, hop 512, centred with EDGE padding, threshold 1e-10).</summary>
public sealed record ZcrOptions
{
    public int FrameLength { get; init; } = 2048;
    public int HopLength { get; init; } = 512;
    public bool Center { get; init; } = true;

    /// <summary>Samples with |x| ≤ threshold count as zero (librosa threshold).</summary>
    public double Threshold { get; init; } = 1e-10;

    public void Validate()
    {
        if (FrameLength < 2) throw new FeatureOptionsException($"zcr: frame_length must be at least 2, got {FrameLength}");
        if (HopLength < 1) throw new FeatureOptionsException($"zcr: hop_length must be positive, got {HopLength}");
        if (Threshold < 0) throw new FeatureOptionsException($"zcr: threshold must be non-negative, got {Threshold}");
    }
}

/// <summary>
/// librosa.feature.zero_crossing_rate: per frame, the fraction of adjacent sample pairs whose signs differ
/// (values within ±threshold count as +0; the first sample of a frame never counts), the signal padded by
/// repeating its edge samples when centred. Output [1 × frames].
/// </summary>
public sealed class ZeroCrossingRate
{
    public ZeroCrossingRate(ZcrOptions? options = null)
    {
        options ??= new ZcrOptions();
        options.Validate();
        Options = options;
    }

    public ZcrOptions Options { get; }

    public FeatureMatrix Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return Compute(signal.Samples);
    }

    public FeatureMatrix Compute(ReadOnlySpan<float> y)
    {
        int n = Options.FrameLength, hop = Options.HopLength;
        int pad = Options.Center ? n / 2 : 0;
        if (y.Length == 0) return new FeatureMatrix(1, 0);
        int padded = y.Length + 2 * pad;
        int frames = padded < n ? 0 : 1 + (padded - n) / hop;
        // sign[i]: the sign bit of padded sample i (|x| <= threshold counts as +0); crossing at i >= 1 when
        // sign[i] != sign[i-1]. prefix[i] = number of crossings at positions 1..i-1 of the padded signal.
        double thr = Options.Threshold;
        var sign = new byte[padded];
        bool first = SignBit(y[0], thr), last = SignBit(y[^1], thr);
        for (int i = 0; i < pad; i++)
        {
            sign[i] = first ? (byte)1 : (byte)0;
            sign[pad + y.Length + i] = last ? (byte)1 : (byte)0;
        }
        SignBits(y, (float)thr, sign.AsSpan(pad, y.Length));
        var prefix = new int[padded + 1];
        int count = 0;
        for (int i = 1; i < padded; i++)
        {
            count += sign[i] ^ sign[i - 1];
            prefix[i + 1] = count;
        }
        var result = new float[frames];
        for (int t = 0; t < frames; t++)
        {
            int start = t * hop;
            // crossings at positions start+1 .. start+n-1
            int c = prefix[start + n] - prefix[start + 1];
            result[t] = (float)((double)c / n);
        }
        return new FeatureMatrix(1, frames, result);
    }

    /// <summary>1 where x is negative and outside ±threshold, else 0 (SIMD).</summary>
    private static void SignBits(ReadOnlySpan<float> y, float threshold, Span<byte> bits)
    {
        int i = 0;
        var thr = System.Runtime.Intrinsics.Vector256.Create(-threshold);
        for (; i + 8 <= y.Length; i += 8)
        {
            var v = System.Runtime.Intrinsics.Vector256.Create(y.Slice(i, 8));
            uint mask = System.Runtime.Intrinsics.Vector256.LessThan(v, thr).ExtractMostSignificantBits();
            for (int l = 0; l < 8; l++) bits[i + l] = (byte)((mask >> l) & 1);
        }
        for (; i < y.Length; i++) bits[i] = SignBit(y[i], threshold) ? (byte)1 : (byte)0;
    }

    private static bool SignBit(float x, double threshold)
    {
        if (-threshold <= x && x <= threshold) return false;
        return float.IsNegative(x);
    }
}
