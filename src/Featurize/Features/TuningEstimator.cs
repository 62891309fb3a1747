using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mmcs.Featurize.Features;

/// <summary>librosa.estimate_tuning / piptrack parameters (fmin 150 Hz, fmax 4 kHz, threshold 0.1, resolution 0.01).</summary>
public sealed record TuningOptions
{
    public int SampleRate { get; init; } = 22050;
    public int NFft { get; init; } = 2048;
    public double FMin { get; init; } = 150.0;
    public double FMax { get; init; } = 4000.0;

    /// <summary>A bin is a pitch candidate when it exceeds threshold × the frame's maximum.</summary>
    public double Threshold { get; init; } = 0.1;

    /// <summary>Histogram resolution in fractions of a bin.</summary>
    public double Resolution { get; init; } = 0.01;

    public void Validate()
    {
        if (SampleRate <= 0 || NFft < 4) throw new FeatureOptionsException("tuning: sample rate and n_fft must be positive");
        if (!(Resolution > 0 && Resolution < 1)) throw new FeatureOptionsException($"tuning: resolution must lie in (0, 1), got {Resolution}");
        if (!(FMax > FMin)) throw new FeatureOptionsException($"tuning: need fmin < fmax, got {FMin} and {FMax}");
    }
}

/// <summary>
/// Tuning estimation exactly as librosa.estimate_tuning: librosa.piptrack (parabolic interpolation of the local
/// maxima of each frame above threshold·max, between fmin and fmax), keep the pitches whose magnitude is at least
/// the median, and take the peak of the histogram of their deviation from equal temperament (A440) in fractions
/// of a bin. The arithmetic follows librosa's float32 types so histogram edges fall the same way.
/// </summary>
public sealed class TuningEstimator
{
    private readonly double[] _freq;
    private readonly int _kLo;
    private readonly int _kHi;

    public TuningEstimator(TuningOptions? options = null)
    {
        options ??= new TuningOptions();
        options.Validate();
        Options = options;
        _freq = Frequencies.Fft(options.SampleRate, options.NFft);
        double fmin = Math.Max(options.FMin, 0), fmax = Math.Min(options.FMax, options.SampleRate / 2.0);
        _kLo = 0;
        while (_kLo < _freq.Length && !(fmin <= _freq[_kLo])) _kLo++;
        _kHi = _kLo;
        while (_kHi < _freq.Length && _freq[_kHi] < fmax) _kHi++;   // exclusive
    }

    public TuningOptions Options { get; }

    /// <summary>
    /// The tuning (in [-0.5, 0.5), fractions of a bin of <paramref name="binsPerOctave"/>) of a magnitude or
    /// power spectrogram [bins × frames] (librosa's chroma_stft passes the power spectrogram, cqt the magnitude).
    /// </summary>
    public double Estimate(float[] s, int bins, int frames, int binsPerOctave) => Estimate(s, bins, frames, binsPerOctave, squared: false);

    /// <summary>
    /// The same on the power spectrogram given as its magnitude (<paramref name="squared"/>: every value is squared in
    /// float32 on the fly, exactly as a stored |D|**2 would be).
    /// </summary>
    public double Estimate(float[] s, int bins, int frames, int binsPerOctave, bool squared)
    {
        var pitches = PitchTrack(s, bins, frames, squared);
        return PitchTuning(pitches, Options.Resolution, binsPerOctave);
    }

    /// <summary>Pitch candidates (frequency, magnitude) of librosa.piptrack, in row-major order of (bin, frame).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal List<(float Pitch, float Mag)> PitchTrack(float[] s, int bins, int frames, bool squared = false)
    {
        if (bins != Options.NFft / 2 + 1)
            throw new FeatureInputException($"tuning: expected {Options.NFft / 2 + 1} bins, got {bins}");
        // ref[t] = threshold · max_k S[k, t]
        var reference = new float[frames];
        Array.Fill(reference, float.NegativeInfinity);
        for (int k = 0; k < bins; k++) Spectral.Simd.Max(reference, s.AsSpan(k * frames, frames));
        float thr = (float)Options.Threshold;
        // max of the squares = square of the max (float32 squaring is monotonic).
        for (int t = 0; t < frames; t++) reference[t] = thr * (squared ? reference[t] * reference[t] : reference[t]);

        var found = new List<(float, float)>();
        int lanes = Vector256<float>.Count;
        ref float s0 = ref MemoryMarshal.GetArrayDataReference(s);
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(reference);
        // Local maxima of S·(S > ref) along bins, restricted to [kLo, kHi); bin 0 is never a local maximum.
        for (int k = Math.Max(_kLo, 1); k < _kHi; k++)
        {
            bool last = k == bins - 1;
            int t = 0;
            for (; t + lanes <= frames; t += lanes)
            {
                var rf = Vector256.LoadUnsafe(ref r0, (nuint)t);
                var x0 = Vector256.LoadUnsafe(ref s0, (nuint)(k * frames + t));
                var xm = Vector256.LoadUnsafe(ref s0, (nuint)((k - 1) * frames + t));
                if (squared)
                {
                    x0 *= x0;
                    xm *= xm;
                }
                x0 = Vector256.ConditionalSelect(Vector256.GreaterThan(x0, rf), x0, Vector256<float>.Zero);
                xm = Vector256.ConditionalSelect(Vector256.GreaterThan(xm, rf), xm, Vector256<float>.Zero);
                var isMax = Vector256.GreaterThan(x0, xm);
                if (!last)
                {
                    var xp = Vector256.LoadUnsafe(ref s0, (nuint)((k + 1) * frames + t));
                    if (squared) xp *= xp;
                    xp = Vector256.ConditionalSelect(Vector256.GreaterThan(xp, rf), xp, Vector256<float>.Zero);
                    isMax &= Vector256.GreaterThanOrEqual(x0, xp);
                }
                uint bits = isMax.ExtractMostSignificantBits();
                while (bits != 0)
                {
                    int l = System.Numerics.BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    found.Add(Candidate(s, k, t + l, frames, last, squared));
                }
            }
            for (; t < frames; t++)
            {
                float x0 = Masked(s, k, t, frames, reference, squared);
                float xm = Masked(s, k - 1, t, frames, reference, squared);
                bool isMax = last ? x0 > xm : x0 > xm && x0 >= Masked(s, k + 1, t, frames, reference, squared);
                if (isMax) found.Add(Candidate(s, k, t, frames, last, squared));
            }
        }
        // np.nonzero order is row-major over (bin, frame): already so.
        return found;
    }

    private (float, float) Candidate(float[] s, int k, int t, int frames, bool last, bool squared)
    {
        float sk = Value(s, k * frames + t, squared);
        float sm = Value(s, (k - 1) * frames + t, squared);
        float shift, avg;
        if (last)
        {
            shift = 0f;
            avg = sk - sm;
        }
        else
        {
            float sp = Value(s, (k + 1) * frames + t, squared);
            // numba stencil: a = (x[1] + x[-1]) - 2*x[0] (float64), b = (x[1] - x[-1]) / 2 (float64).
            double a = (double)(sp + sm) - 2.0 * sk;
            double b = (double)(sp - sm) / 2.0;
            shift = Math.Abs(b) >= Math.Abs(a) ? 0f : (float)(-b / a);
            avg = (sp - sm) / 2f;                       // np.gradient, float32
        }
        float dskew = 0.5f * avg * shift;
        float pitch = (float)((k + (double)shift) * Options.SampleRate / Options.NFft);
        return (pitch, sk + dskew);
    }

    private static float Value(float[] s, int i, bool squared) => squared ? s[i] * s[i] : s[i];

    private static float Masked(float[] s, int k, int t, int frames, float[] reference, bool squared)
    {
        float v = Value(s, k * frames + t, squared);
        return v > reference[t] ? v : 0f;
    }

    /// <summary>librosa.pitch_tuning over the pitches whose magnitude is at least the median (estimate_tuning).</summary>
    internal static double PitchTuning(List<(float Pitch, float Mag)> pitches, double resolution, int binsPerOctave)
    {
        var positive = pitches.Where(p => p.Pitch > 0).ToList();
        float threshold = 0f;
        if (positive.Count > 0)
        {
            var mags = positive.Select(p => p.Mag).ToArray();
            Array.Sort(mags);
            int n = mags.Length;
            threshold = n % 2 == 1 ? mags[n / 2] : (mags[n / 2 - 1] + mags[n / 2]) / 2f;
        }
        var freqs = positive.Where(p => p.Mag >= threshold).Select(p => p.Pitch).ToArray();
        if (freqs.Length == 0) return 0.0;

        int nBins = (int)Math.Ceiling(1.0 / resolution);
        var edges = Frequencies.Linspace(-0.5, 0.5, nBins + 1);
        var counts = new int[nBins];
        foreach (float f in freqs)
        {
            // hz_to_octs and the residual in float32, like numpy on a float32 array.
            float octs = MathF.Log2(f / 27.5f);
            float r = binsPerOctave * octs;
            float residual = r % 1f;
            if (residual < 0) residual += 1f;
            if (residual >= 0.5f) residual -= 1f;
            int bin = Bin(edges, residual);
            if (bin >= 0) counts[bin]++;
        }
        int best = 0;
        for (int i = 1; i < nBins; i++)
        {
            if (counts[i] > counts[best]) best = i;
        }
        return edges[best];
    }

    /// <summary>numpy.histogram bin of a value: [e_i, e_{i+1}), the last bin closed; -1 outside.</summary>
    private static int Bin(double[] edges, double v)
    {
        int n = edges.Length - 1;
        if (v < edges[0] || v > edges[n]) return -1;
        if (v == edges[n]) return n - 1;
        int lo = 0, hi = n; // edges[lo] <= v < edges[hi]
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (edges[mid] <= v) lo = mid;
            else hi = mid;
        }
        return lo;
    }
}
