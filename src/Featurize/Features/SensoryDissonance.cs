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

    public void Validate()
    {
        new SpectralOptions { SampleRate = SampleRate, NFft = NFft, HopLength = HopLength }.Validate();
        if (MaxPeaks < 2) throw new FeatureOptionsException($"dissonance: max_peaks must be at least 2, got {MaxPeaks}");
        if (!(FMin >= 0 && FMin < FMax)) throw new FeatureOptionsException($"dissonance: need 0 <= fmin < fmax, got {FMin}, {FMax}");
        if (FMax > SampleRate / 2.0) throw new FeatureOptionsException($"dissonance: fmax {FMax} is above the Nyquist frequency {SampleRate / 2.0}");
        if (!(Silence >= 0)) throw new FeatureOptionsException($"dissonance: silence must be non-negative, got {Silence}");
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
        var column = new float[_kMax + 2];
        var peakBins = new List<int>(64);
        var f = new double[Options.MaxPeaks];
        var a = new double[Options.MaxPeaks];
        for (int t = 0; t < frames; t++)
        {
            for (int k = _kMin - 1; k <= _kMax + 1; k++) column[k] = s[k * frames + t];
            peakBins.Clear();
            for (int k = _kMin; k <= _kMax; k++)
            {
                if (column[k] > column[k - 1] && column[k] >= column[k + 1]) peakBins.Add(k);
            }
            if (peakBins.Count < 2) continue;
            // the strongest peaks, by magnitude (ties: the lower bin), then in frequency order
            peakBins.Sort((x, y) => column[y] != column[x] ? column[y].CompareTo(column[x]) : x.CompareTo(y));
            int n = Math.Min(Options.MaxPeaks, peakBins.Count);
            double top = column[peakBins[0]];
            if (top < Options.Silence) continue;
            peakBins.Sort(0, n, Comparer<int>.Default);
            for (int i = 0; i < n; i++)
            {
                f[i] = _freq[peakBins[i]];
                a[i] = column[peakBins[i]] / top;
            }
            result[t] = (float)Dissonance(f.AsSpan(0, n), a.AsSpan(0, n));
        }
        return new FeatureMatrix(1, frames, result);
    }

    /// <summary>The weighted mean Plomp–Levelt dissonance of partials in ascending frequency order.</summary>
    internal static double Dissonance(ReadOnlySpan<double> freq, ReadOnlySpan<double> amp)
    {
        double sum = 0, weight = 0;
        for (int i = 0; i < freq.Length; i++)
        {
            double scale = DStar / (S1 * freq[i] + S2);
            for (int j = i + 1; j < freq.Length; j++)
            {
                double w = Math.Min(amp[i], amp[j]);
                double x = scale * (freq[j] - freq[i]);
                sum += w * (Math.Exp(-B1 * x) - Math.Exp(-B2 * x));
                weight += w;
            }
        }
        return weight > 0 ? sum / weight : 0;
    }
}
