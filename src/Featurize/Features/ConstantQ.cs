using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>
/// Constant-Q transform parameters. Defaults are those librosa.feature.chroma_cqt (and so tonnetz) passes to
/// librosa.cqt: 7 octaves of 36 bins from C1, hop 512, Hann wavelets, L1-normalised, sparsity 0.01, scaled by
/// 1/√length, tuning estimated (null).
/// </summary>
public sealed record CqtOptions
{
    public int SampleRate { get; init; } = 22050;
    public int HopLength { get; init; } = 512;

    /// <summary>Lowest frequency before tuning; null is C1 (32.70 Hz).</summary>
    public double? FMin { get; init; }

    public int NBins { get; init; } = 252;
    public int BinsPerOctave { get; init; } = 36;

    /// <summary>Tuning in fractions of a bin; null estimates it (librosa.estimate_tuning with this bins_per_octave).</summary>
    public double? Tuning { get; init; }

    public double FilterScale { get; init; } = 1.0;
    public double Sparsity { get; init; } = 0.01;

    /// <summary>Divide each bin by √(filter length) (librosa scale=True).</summary>
    public bool Scale { get; init; } = true;

    public void Validate()
    {
        if (SampleRate <= 0) throw new FeatureOptionsException($"cqt: sample rate must be positive, got {SampleRate}");
        if (HopLength < 1) throw new FeatureOptionsException($"cqt: hop_length must be positive, got {HopLength}");
        if (NBins < 2 || BinsPerOctave < 1) throw new FeatureOptionsException("cqt: need n_bins >= 2 and bins_per_octave >= 1");
        if (FMin is <= 0) throw new FeatureOptionsException($"cqt: fmin must be positive, got {FMin}");
        if (!(FilterScale > 0)) throw new FeatureOptionsException($"cqt: filter_scale must be positive, got {FilterScale}");
        if (!(Sparsity >= 0 && Sparsity < 1)) throw new FeatureOptionsException($"cqt: sparsity must lie in [0, 1), got {Sparsity}");
        if (Tuning is double t && !(t >= -0.5 && t < 0.5)) throw new FeatureOptionsException($"cqt: tuning must lie in [-0.5, 0.5), got {t}");
    }
}

/// <summary>
/// The constant-Q transform magnitude |librosa.cqt(y)| by librosa's recursive method (librosa.vqt with gamma 0):
/// per octave, from the top, the STFT of the (repeatedly halved) signal with a rectangular window of the octave's
/// FFT size is projected onto the sparsified FFTs of that octave's Hann-windowed complex wavelets; between octaves
/// the signal is decimated by two (<see cref="OctaveDecimator"/>, in place of soxr_hq) and the hop halves.
/// Wavelet bases are built once per tuning value and cached. Thread-safe.
/// </summary>
public sealed class ConstantQ
{
    private readonly ConcurrentDictionary<long, Basis> _bases = new();
    private readonly TuningEstimator _tuning;
    private readonly Stft _tuningStft;

    public ConstantQ(CqtOptions? options = null)
    {
        options ??= new CqtOptions();
        options.Validate();
        Options = options;
        _tuning = new TuningEstimator(new TuningOptions { SampleRate = options.SampleRate, NFft = 2048 });
        _tuningStft = new Stft(new StftOptions { NFft = 2048, HopLength = 512 });
        // Fail early on impossible settings (filters above Nyquist).
        _ = GetBasis(options.Tuning ?? 0.0);
    }

    public CqtOptions Options { get; }

    /// <summary>|CQT| [n_bins × frames] of a signal; <paramref name="tuning"/> receives the tuning used.</summary>
    public FeatureMatrix Magnitude(AudioSignal signal, out double tuning, Spectrogram? stft2048 = null)
    {
        ArgumentNullException.ThrowIfNull(signal);
        FeatureGuards.RequireRate(signal, Options.SampleRate, "cqt");
        return Magnitude(signal.Samples, out tuning, stft2048);
    }

    /// <summary>
    /// |CQT| of samples. When the tuning is estimated, it comes from the magnitude of the default STFT (n_fft 2048,
    /// hop 512); pass <paramref name="stft2048"/> to reuse one already computed.
    /// </summary>
    public FeatureMatrix Magnitude(ReadOnlySpan<float> y, out double tuning, Spectrogram? stft2048 = null)
    {
        if (Options.Tuning is double t)
        {
            tuning = t;
        }
        else
        {
            var s = stft2048 ?? _tuningStft.Compute(y);
            if (s.NFft != 2048) throw new FeatureInputException("cqt: tuning needs the n_fft=2048 STFT");
            tuning = _tuning.Estimate(s.Magnitude, s.Bins, s.Frames, Options.BinsPerOctave);
        }
        return Compute(y, GetBasis(tuning));
    }

    private FeatureMatrix Compute(ReadOnlySpan<float> input, Basis basis)
    {
        int nBins = Options.NBins;
        var dws = new OctaveDecimator.Workspace();
        ReadOnlySpan<float> y = input;
        int hop = Options.HopLength;
        if (basis.EarlyDownsamples > 0)
        {
            float[] early = OctaveDecimator.Decimate(y, scale: true, dws);
            hop /= 2;
            for (int d = 1; d < basis.EarlyDownsamples; d++)
            {
                early = OctaveDecimator.Decimate(early, scale: true, dws);
                hop /= 2;
            }
            if (!Options.Scale)
            {
                float g = (float)Math.Sqrt(1 << basis.EarlyDownsamples);
                for (int i = 0; i < early.Length; i++) early[i] *= g;
            }
            y = early;
        }

        var responses = new float[basis.Octaves.Length][];
        FftScratch? fftWs = null;
        var frameCounts = new int[basis.Octaves.Length];
        for (int i = 0; i < basis.Octaves.Length; i++)
        {
            int nfft = basis.Octaves[i].NFft;
            if (fftWs is null || fftWs.Size != nfft) fftWs = new FftScratch(nfft, BatchRealFft<float>.Get(nfft).CreateWorkspace());
            responses[i] = OctaveResponse(y, hop, basis.Octaves[i], out frameCounts[i], fftWs.Workspace);
            if (i + 1 < basis.Octaves.Length && hop % 2 == 0)
            {
                hop /= 2;
                y = OctaveDecimator.Decimate(y, scale: true, dws);
            }
        }

        int frames = frameCounts.Min();
        var result = new FeatureMatrix(nBins, frames);
        int end = nBins;
        for (int i = 0; i < responses.Length; i++)
        {
            var oct = basis.Octaves[i];
            int nOct = oct.Filters;
            int take = Math.Min(end, nOct);
            int srcFirst = nOct - take;
            int dstFirst = end - take;
            for (int r = 0; r < take; r++)
            {
                var src = responses[i].AsSpan((srcFirst + r) * frameCounts[i], frames);
                var dst = result.Row(dstFirst + r);
                float g = (float)basis.OutputScale[dstFirst + r];
                for (int t = 0; t < frames; t++) dst[t] = src[t] * g;
            }
            end -= take;
            if (end <= 0) break;
        }
        return result;
    }

    /// <summary>|basis · STFT| of one octave: [filters × frames] magnitudes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] OctaveResponse(ReadOnlySpan<float> y, int hop, OctaveBasis ob, out int frames, BatchRealFft<float>.Workspace ws)
    {
        int n = ob.NFft;
        frames = 1 + y.Length / hop;
        var plan = BatchRealFft<float>.Get(n);
        const int lanes = 8;
        var result = new float[ob.Filters * frames];
        int half = n / 2;
        for (int t0 = 0; t0 < frames; t0 += lanes)
        {
            int valid = Math.Min(lanes, frames - t0);
            LaneFill.Plain(y, t0 * hop - half, hop, valid, n, ws.Input);
            plan.Forward(ws);
            var re = ws.Re;
            var im = ws.Im;
            var cols = ob.Columns;
            var bre = ob.Re;
            var bim = ob.Im;
            for (int f = 0; f < ob.Filters; f++)
            {
                var accR = Vector256<float>.Zero;
                var accI = Vector256<float>.Zero;
                var accR2 = Vector256<float>.Zero;
                var accI2 = Vector256<float>.Zero;
                int a = ob.RowStart[f], b = ob.RowStart[f + 1];
                int e = a;
                for (; e + 1 < b; e += 2)
                {
                    int k = cols[e], k2 = cols[e + 1];
                    var br = Vector256.Create(bre[e]);
                    var bi = Vector256.Create(bim[e]);
                    var br2 = Vector256.Create(bre[e + 1]);
                    var bi2 = Vector256.Create(bim[e + 1]);
                    accR = Vector256.FusedMultiplyAdd(br, re[k], Vector256.FusedMultiplyAdd(-bi, im[k], accR));
                    accI = Vector256.FusedMultiplyAdd(br, im[k], Vector256.FusedMultiplyAdd(bi, re[k], accI));
                    accR2 = Vector256.FusedMultiplyAdd(br2, re[k2], Vector256.FusedMultiplyAdd(-bi2, im[k2], accR2));
                    accI2 = Vector256.FusedMultiplyAdd(br2, im[k2], Vector256.FusedMultiplyAdd(bi2, re[k2], accI2));
                }
                for (; e < b; e++)
                {
                    int k = cols[e];
                    var br = Vector256.Create(bre[e]);
                    var bi = Vector256.Create(bim[e]);
                    accR = Vector256.FusedMultiplyAdd(br, re[k], Vector256.FusedMultiplyAdd(-bi, im[k], accR));
                    accI = Vector256.FusedMultiplyAdd(br, im[k], Vector256.FusedMultiplyAdd(bi, re[k], accI));
                }
                accR += accR2;
                accI += accI2;
                var mag = Vector256.Sqrt(accR * accR + accI * accI);
                int o = f * frames + t0;
                if (valid == lanes)
                {
                    mag.StoreUnsafe(ref result[o]);
                }
                else
                {
                    for (int l = 0; l < valid; l++) result[o + l] = mag.GetElement(l);
                }
            }
        }
        return result;
    }

    private Basis GetBasis(double tuning)
    {
        long key = (long)Math.Round(tuning * 1e9);
        return _bases.GetOrAdd(key, _ => BuildBasis(tuning));
    }

    private Basis BuildBasis(double tuning)
    {
        var o = Options;
        int nBins = o.NBins, bpo = o.BinsPerOctave;
        int nOctaves = (int)Math.Ceiling((double)nBins / bpo);
        int nFilters = Math.Min(bpo, nBins);
        double fmin = (o.FMin ?? Frequencies.C1) * Math.Pow(2.0, tuning / bpo);

        // librosa.interval_frequencies(intervals='equal'): fmin · 2^octave · 2^(j/bpo).
        var freqs = new double[nBins];
        for (int i = 0; i < nBins; i++) freqs[i] = fmin * Math.Pow(2.0, i / bpo) * Math.Pow(2.0, (double)(i % bpo) / bpo);
        var alpha = RelativeBandwidth(freqs);
        const double hannBandwidth = 1.50018310546875;
        double cutoff = 0;
        for (int i = 0; i < nBins; i++)
        {
            double q = o.FilterScale / alpha[i];
            cutoff = Math.Max(cutoff, freqs[i] * (1 + 0.5 * hannBandwidth / q));
        }
        double sr = o.SampleRate, nyquist = sr / 2.0;
        if (cutoff > nyquist)
            throw new FeatureOptionsException($"cqt: wavelet basis reaches {cutoff:F1} Hz, above the Nyquist frequency {nyquist} Hz; reduce n_bins");

        // Early downsampling (librosa __early_downsample_count).
        int count1 = Math.Max(0, (int)Math.Ceiling(Math.Log2(nyquist / cutoff)) - 1 - 1);
        int twos = 0;
        for (int h = o.HopLength; h > 0 && h % 2 == 0; h /= 2) twos++;
        int count2 = Math.Max(0, twos - nOctaves + 1);
        int early = Math.Min(count1, count2);
        double srAfterEarly = sr / (1 << early);

        var octaves = new OctaveBasis[nOctaves];
        double mySr = srAfterEarly;
        int myHop = o.HopLength >> early;
        for (int i = 0; i < nOctaves; i++)
        {
            int hi = nBins - nFilters * i;
            int lo = Math.Max(0, hi - nFilters);
            octaves[i] = BuildOctave(freqs[lo..hi], alpha[lo..hi], mySr, Math.Sqrt(srAfterEarly / mySr));
            if (myHop % 2 == 0)
            {
                myHop /= 2;
                mySr /= 2.0;
            }
        }

        var outputScale = new double[nBins];
        for (int i = 0; i < nBins; i++)
        {
            double length = o.FilterScale / alpha[i] * srAfterEarly / freqs[i];
            outputScale[i] = o.Scale ? 1.0 / Math.Sqrt(length) : 1.0;
        }
        return new Basis(early, octaves, outputScale);
    }

    /// <summary>librosa.filters._relative_bandwidth.</summary>
    private static double[] RelativeBandwidth(double[] freqs)
    {
        int n = freqs.Length;
        var bpo = new double[n];
        var logf = freqs.Select(Math.Log2).ToArray();
        bpo[0] = 1 / (logf[1] - logf[0]);
        bpo[n - 1] = 1 / (logf[n - 1] - logf[n - 2]);
        for (int i = 1; i < n - 1; i++) bpo[i] = 2 / (logf[i + 1] - logf[i - 1]);
        var alpha = new double[n];
        for (int i = 0; i < n; i++)
        {
            double p = Math.Pow(2.0, 2 / bpo[i]);
            alpha[i] = (p - 1) / (p + 1);
        }
        return alpha;
    }

    /// <summary>One octave's sparsified FFT basis (librosa __vqt_filter_fft), rows scaled by <paramref name="gain"/>.</summary>
    private OctaveBasis BuildOctave(double[] freqs, double[] alpha, double sr, double gain)
    {
        int nf = freqs.Length;
        var lengths = new double[nf];
        for (int i = 0; i < nf; i++) lengths[i] = Options.FilterScale / alpha[i] * sr / freqs[i];
        double maxLen = lengths.Max();
        int nFft = (int)Math.Pow(2.0, Math.Ceiling(Math.Log2(maxLen)));
        int bins = nFft / 2 + 1;

        var plan = BatchRealFft<double>.Get(nFft);
        var ws = plan.CreateWorkspace();
        var flat = MemoryMarshal.Cast<Vector256<double>, double>(ws.Input.AsSpan());
        var rowStart = new List<int> { 0 };
        var cols = new List<int>();
        var bre = new List<float>();
        var bim = new List<float>();
        var fullRe = new double[bins];
        var fullIm = new double[bins];
        for (int f = 0; f < nf; f++)
        {
            // The wavelet: e^{i 2π f n / sr} for n in [floor(-L/2), floor(L/2)), Hann-windowed, L1-normalised,
            // centred in n_fft samples, rounded to complex64, scaled by L / n_fft.
            double len = lengths[f];
            int start = (int)Math.Floor(-len / 2), stop = (int)Math.Floor(len / 2);
            int count = stop - start;
            var win = Windows.HannPeriodic(count);
            double norm = 0;
            for (int j = 0; j < count; j++) norm += Math.Abs(win[j]);
            int pad = (nFft - count) / 2;
            flat.Clear();
            double scaleLen = len / nFft;
            for (int j = 0; j < count; j++)
            {
                double ang = (start + j) * 2 * Math.PI * freqs[f] / sr;
                float cr = (float)(Math.Cos(ang) * win[j] / norm);
                float ci = (float)(Math.Sin(ang) * win[j] / norm);
                // lane 0: real part, lane 1: imaginary part
                flat[(pad + j) * 4 + 0] = (float)(cr * scaleLen);
                flat[(pad + j) * 4 + 1] = (float)(ci * scaleLen);
            }
            plan.Forward(ws);
            double total = 0;
            var mags = new double[bins];
            for (int k = 0; k < bins; k++)
            {
                // FFT(a + ib) = A + iB
                double ar = ws.Re[k].GetElement(0), ai = ws.Im[k].GetElement(0);
                double br = ws.Re[k].GetElement(1), bi = ws.Im[k].GetElement(1);
                fullRe[k] = ar - bi;
                fullIm[k] = ai + br;
                mags[k] = Math.Sqrt(fullRe[k] * fullRe[k] + fullIm[k] * fullIm[k]);
                total += mags[k];
            }
            // util.sparsify_rows: drop the smallest magnitudes holding less than `sparsity` of the row's L1 mass.
            var sorted = (double[])mags.Clone();
            Array.Sort(sorted);
            int thresholdIdx = 0;
            double cum = 0;
            for (int k = 0; k < bins; k++)
            {
                cum += sorted[k] / total;
                if (!(cum < Options.Sparsity))
                {
                    thresholdIdx = k;
                    break;
                }
            }
            double threshold = sorted[thresholdIdx];
            for (int k = 0; k < bins; k++)
            {
                if (mags[k] >= threshold)
                {
                    cols.Add(k);
                    bre.Add((float)((float)fullRe[k] * gain));
                    bim.Add((float)((float)fullIm[k] * gain));
                }
            }
            rowStart.Add(cols.Count);
        }
        return new OctaveBasis(nFft, nf, [.. rowStart], [.. cols], [.. bre], [.. bim]);
    }

    private sealed record FftScratch(int Size, BatchRealFft<float>.Workspace Workspace);

    private sealed record OctaveBasis(int NFft, int Filters, int[] RowStart, int[] Columns, float[] Re, float[] Im);

    private sealed record Basis(int EarlyDownsamples, OctaveBasis[] Octaves, double[] OutputScale);
}
