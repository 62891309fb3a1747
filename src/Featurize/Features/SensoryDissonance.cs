using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>Options of <see cref="SensoryDissonance"/>: the STFT it reads and which spectral peaks count.</summary>
public sealed record DissonanceOptions
{
    public int SampleRate { get; init; } = 22050;
    public int NFft { get; init; } = 2048;
    public int HopLength { get; init; } = 512;

    /// <summary>The strongest this many local maxima of a frame's magnitude spectrum are its partials.</summary>
    public int MaxPeaks { get; init; } = 24;

    /// <summary>Peaks are looked for between these frequencies (Hz).</summary>
    public double FMin { get; init; } = 20;
    public double FMax { get; init; } = 5000;

    /// <summary>Frames whose strongest peak is below this magnitude are silent (dissonance 0).</summary>
    public double Silence { get; init; } = 1e-6;

    /// <summary>Frames searched for peaks at a time (bounds the two pooled peak buffers: 4096 frames, about 95 s at hop
    /// 512, take about 4 MB each); results do not depend on it.</summary>
    public int BlockFrames { get; init; } = 4096;

    public void Validate()
    {
        new SpectralOptions { SampleRate = SampleRate, NFft = NFft, HopLength = HopLength }.Validate();
        if (MaxPeaks < 2) throw new FeatureOptionsException($"dissonance: max_peaks must be at least 2, got {MaxPeaks}");
        if (!(FMin >= 0 && FMin < FMax)) throw new FeatureOptionsException($"dissonance: need 0 <= fmin < fmax, got {FMin}, {FMax}");
        if (FMax > SampleRate / 2.0) throw new FeatureOptionsException($"dissonance: fmax {FMax} is above the Nyquist frequency {SampleRate / 2.0}");
        if (!(Silence >= 0)) throw new FeatureOptionsException($"dissonance: silence must be non-negative, got {Silence}");
        if (BlockFrames < 1) throw new FeatureOptionsException($"dissonance: block_frames must be at least 1, got {BlockFrames}");
    }
}

/// <summary>
/// Sensory dissonance (roughness) per frame, after Plomp and Levelt as parameterised by Sethares (1993): the
/// strongest <see cref="DissonanceOptions.MaxPeaks"/> local maxima of the magnitude spectrum in [FMin, FMax] are the
/// partials; every pair (f1 &lt; f2, amplitudes relative to the frame's strongest) contributes
/// min(a1, a2) · (e^(−3.5·s·Δf) − e^(−5.75·s·Δf)) with s = 0.24 / (0.0207·f1 + 18.96); the sum is divided by the sum
/// of the weights min(a1, a2), so the value does not depend on loudness or on the number of partials (range 0 to
/// about 0.18, the curve's peak). Silent frames and frames with fewer than two partials give 0. Output [1 × frames].
/// </summary>
public sealed class SensoryDissonance
{
    private const double B1 = 3.5, B2 = 5.75, S1 = 0.0207, S2 = 18.96, DStar = 0.24;

    /// <summary>Beyond this scaled distance a pair's dissonance is below e^(−3.5·12) ≈ 6e−19 and is not computed.</summary>
    private const double NegligibleX = 12;
    private readonly Stft _stft;
    private readonly double[] _freq;
    private readonly int _kMin, _kMax;

    public SensoryDissonance(DissonanceOptions? options = null)
    {
        options ??= new DissonanceOptions();
        options.Validate();
        Options = options;
        _stft = new Stft(new StftOptions { NFft = options.NFft, HopLength = options.HopLength });
        _freq = Frequencies.Fft(options.SampleRate, options.NFft);
        _kMin = Math.Max(1, (int)Math.Ceiling(options.FMin * options.NFft / options.SampleRate));
        _kMax = Math.Min(options.NFft / 2 - 1, (int)Math.Floor(options.FMax * options.NFft / options.SampleRate));
    }

    public DissonanceOptions Options { get; }

    public FeatureMatrix Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        FeatureGuards.RequireRate(signal, Options.SampleRate, "dissonance");
        return Compute(_stft.Compute(signal.Samples));
    }

    public FeatureMatrix Compute(Spectrogram spectrogram)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        FeatureGuards.RequireBins(spectrogram, Options.NFft, "dissonance");
        var s = spectrogram.Magnitude;
        int frames = spectrogram.Frames;
        var result = new float[frames];
        // Local maxima, found row by row (contiguous memory, 8 frames per SIMD compare) and stored per frame in
        // ascending bin order; a frame has at most one peak every other bin.
        int capacity = (_kMax - _kMin) / 2 + 1;
        // Frames are processed in blocks of at most Options.BlockFrames (by default about 95 s at hop 512), so that the peak buffers stay
        // bounded (a few MB) however long the audio; each frame's result does not depend on the blocking.
        int block = Math.Min(frames, Options.BlockFrames);
        if (block == 0) return new FeatureMatrix(1, 0, result);
        // pooled: at 25.5 s these are about 1 MB each, and fresh large arrays would cost a full GC now and then
        var peakBins = ArrayPool<int>.Shared.Rent(block * capacity);
        var peakMags = ArrayPool<float>.Shared.Rent(block * capacity);
        try
        {
            var found = new int[block];
            int maxPeaks = Options.MaxPeaks;
            var magnitudes = new float[_kMax - _kMin + 1];
            var f = new double[maxPeaks];
            var a = new double[maxPeaks];
            var work = new PairWork(maxPeaks);
            for (int t0 = 0; t0 < frames; t0 += block)
            {
                int len = Math.Min(block, frames - t0);
                Array.Clear(found);
                for (int k = _kMin; k <= _kMax; k++)
                {
                    var prev = s.AsSpan((k - 1) * frames + t0, len);
                    var row = s.AsSpan(k * frames + t0, len);
                    var next = s.AsSpan((k + 1) * frames + t0, len);
                    int t = 0;
                    for (; t + 8 <= len; t += 8)
                    {
                        var r = Vector256.Create<float>(row.Slice(t, 8));
                        var peak = Vector256.GreaterThan(r, Vector256.Create<float>(prev.Slice(t, 8)))
                                 & Vector256.GreaterThanOrEqual(r, Vector256.Create<float>(next.Slice(t, 8)));
                        uint bits = peak.ExtractMostSignificantBits();
                        while (bits != 0)
                        {
                            int u = t + BitOperations.TrailingZeroCount(bits);
                            bits &= bits - 1;
                            int at = u * capacity + found[u]++;
                            peakBins[at] = k;
                            peakMags[at] = row[u];
                        }
                    }
                    for (; t < len; t++)
                    {
                        if (row[t] > prev[t] && row[t] >= next[t])
                        {
                            int at = t * capacity + found[t]++;
                            peakBins[at] = k;
                            peakMags[at] = row[t];
                        }
                    }
                }
                for (int t = 0; t < len; t++)
                {
                    var bins = peakBins.AsSpan(t * capacity, found[t]);
                    var frameMags = peakMags.AsSpan(t * capacity, found[t]);
                    if (bins.Length < 2) continue;
                    float top = 0;
                    foreach (float m in frameMags) top = Math.Max(top, m);
                    if (top < Options.Silence) continue;
                    // the strongest peaks: every one above the maxPeaks-th largest magnitude, then ties in ascending bin order
                    float threshold = float.NegativeInfinity;
                    if (bins.Length > maxPeaks)
                    {
                        var mags = magnitudes.AsSpan(0, bins.Length);
                        frameMags.CopyTo(mags);
                        threshold = KthLargest(mags, maxPeaks);
                    }
                    int above = 0;
                    foreach (float m in frameMags) if (m > threshold) above++;
                    int ties = Math.Min(maxPeaks, bins.Length) - above, n = 0;
                    for (int i = 0; i < bins.Length; i++)
                    {
                        float m = frameMags[i];
                        if (m > threshold || (m == threshold && ties-- > 0))
                        {
                            f[n] = _freq[bins[i]];
                            a[n] = m / top;
                            n++;
                        }
                    }
                    result[t0 + t] = (float)Dissonance(f.AsSpan(0, n), a.AsSpan(0, n), work);
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(peakBins);
            ArrayPool<float>.Shared.Return(peakMags);
        }
        return new FeatureMatrix(1, frames, result);
    }

    /// <summary>The k-th largest value (k ≥ 1) of a span, which is reordered (Hoare's selection).</summary>
    internal static float KthLargest(Span<float> x, int k)
    {
        int lo = 0, hi = x.Length - 1, target = x.Length - k; // the target-th smallest
        while (lo < hi)
        {
            float pivot = x[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (x[i] < pivot) i++;
                while (x[j] > pivot) j--;
                if (i <= j)
                {
                    (x[i], x[j]) = (x[j], x[i]);
                    i++;
                    j--;
                }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else break;
        }
        return x[target];
    }

    /// <summary>Buffers for the pairs of one frame (reused from frame to frame).</summary>
    internal sealed class PairWork(int maxPartials)
    {
        public readonly double[] X = new double[maxPartials * (maxPartials - 1) / 2];
        public readonly double[] W = new double[maxPartials * (maxPartials - 1) / 2];
        public readonly double[] E1 = new double[maxPartials * (maxPartials - 1) / 2];
        public readonly double[] E2 = new double[maxPartials * (maxPartials - 1) / 2];
    }

    /// <summary>The weighted mean Plomp–Levelt dissonance of partials in ascending frequency order.</summary>
    internal static double Dissonance(ReadOnlySpan<double> freq, ReadOnlySpan<double> amp, PairWork? work = null)
    {
        work ??= new PairWork(Math.Max(2, freq.Length));
        double weight = 0;
        int pairs = 0;
        for (int i = 0; i < freq.Length; i++)
        {
            double scale = DStar / (S1 * freq[i] + S2);
            for (int j = i + 1; j < freq.Length; j++)
            {
                double w = Math.Min(amp[i], amp[j]);
                weight += w;
                double x = scale * (freq[j] - freq[i]);
                if (x >= NegligibleX) continue;
                work.X[pairs] = x;
                work.W[pairs] = w;
                pairs++;
            }
        }
        if (!(weight > 0)) return 0;
        // e^(−b1·x) − e^(−b2·x) for every pair at once (SIMD)
        var x0 = work.X.AsSpan(0, pairs);
        var e1 = work.E1.AsSpan(0, pairs);
        var e2 = work.E2.AsSpan(0, pairs);
        TensorPrimitives.Multiply(x0, -B1, e1);
        TensorPrimitives.Exp(e1, e1);
        TensorPrimitives.Multiply(x0, -B2, e2);
        TensorPrimitives.Exp(e2, e2);
        TensorPrimitives.Subtract(e1, e2, e1);
        return TensorPrimitives.Dot(e1, work.W.AsSpan(0, pairs)) / weight;
    }
}
