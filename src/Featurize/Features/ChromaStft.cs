using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>librosa.feature.chroma_stft parameters (12 bins, tuning estimated when null, inf-norm per frame).</summary>
public sealed record ChromaOptions
{
    public int SampleRate { get; init; } = 22050;
    public int NFft { get; init; } = 2048;
    public int HopLength { get; init; } = 512;
    public int NChroma { get; init; } = 12;

    /// <summary>Tuning in fractions of a chroma bin; null estimates it from the power spectrogram (librosa's default).</summary>
    public double? Tuning { get; init; }

    public void Validate()
    {
        if (NChroma < 1) throw new FeatureOptionsException($"chroma: n_chroma must be positive, got {NChroma}");
        if (Tuning is double tuning && !(tuning >= -0.5 && tuning < 0.5))
            throw new FeatureOptionsException($"chroma: tuning must lie in [-0.5, 0.5), got {tuning}");
        new SpectralOptions { SampleRate = SampleRate, NFft = NFft, HopLength = HopLength }.Validate();
    }
}

/// <summary>
/// The STFT chromagram, equal to librosa.feature.chroma_stft: the chroma filterbank (librosa.filters.chroma:
/// Gaussian bumps per semitone class, octave-weighted around C5, rolled to start at C) applied to the power
/// spectrogram, each frame divided by its maximum. With Tuning null the tuning is estimated from the power
/// spectrogram (librosa.estimate_tuning) and a filterbank is built for it; the filterbank for tuning 0 is built once.
/// Output [12 × frames], rows C, C#, …, B.
/// </summary>
public sealed class ChromaStft
{
    private readonly float[] _fixedBank;
    private readonly TuningEstimator _tuning;
    private readonly Stft _stft;

    public ChromaStft(ChromaOptions? options = null)
    {
        options ??= new ChromaOptions();
        options.Validate();
        Options = options;
        _fixedBank = Filterbank(options.SampleRate, options.NFft, options.Tuning ?? 0.0, options.NChroma);
        _tuning = new TuningEstimator(new TuningOptions { SampleRate = options.SampleRate, NFft = options.NFft });
        _stft = new Stft(new StftOptions { NFft = options.NFft, HopLength = options.HopLength });
    }

    public ChromaOptions Options { get; }

    public FeatureMatrix Compute(AudioSignal signal) => Compute(signal, out _);

    public FeatureMatrix Compute(AudioSignal signal, out double tuning)
    {
        ArgumentNullException.ThrowIfNull(signal);
        FeatureGuards.RequireRate(signal, Options.SampleRate, "chroma_stft");
        return Compute(_stft.Compute(signal.Samples), out tuning);
    }

    public FeatureMatrix Compute(Spectrogram spectrogram) => Compute(spectrogram, out _);

    /// <summary>Chroma from a precomputed STFT; <paramref name="tuning"/> is the tuning used.</summary>
    public FeatureMatrix Compute(Spectrogram spectrogram, out double tuning)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        FeatureGuards.RequireBins(spectrogram, Options.NFft, "chroma_stft");
        float[] bank;
        if (Options.Tuning is double fixedTuning)
        {
            tuning = fixedTuning;
            bank = _fixedBank;
        }
        else
        {
            tuning = _tuning.Estimate(spectrogram.Magnitude, spectrogram.Bins, spectrogram.Frames, Options.NChroma, squared: true);
            bank = tuning == 0.0 ? _fixedBank : Filterbank(Options.SampleRate, Options.NFft, tuning, Options.NChroma);
        }
        int nc = Options.NChroma, frames = spectrogram.Frames;
        var raw = DenseProjection.Apply(bank, nc, spectrogram.Bins, spectrogram.Magnitude, frames, squared: true);
        NormalizeColumnsInf(raw, nc, frames);
        return new FeatureMatrix(nc, frames, raw);
    }

    /// <summary>util.normalize(norm=inf, axis=0): each column divided by its largest magnitude (unless below float32 tiny).</summary>
    internal static void NormalizeColumnsInf(float[] x, int rows, int frames)
    {
        for (int t = 0; t < frames; t++)
        {
            float max = 0;
            for (int r = 0; r < rows; r++) max = Math.Max(max, Math.Abs(x[r * frames + t]));
            if (max < 1.17549435e-38f) continue;
            for (int r = 0; r < rows; r++) x[r * frames + t] /= max;
        }
    }

    /// <summary>librosa.filters.chroma(sr, n_fft, n_chroma, tuning) with ctroct 5, octwidth 2, norm 2, base_c: [n_chroma × bins] float32.</summary>
    public static float[] Filterbank(int sampleRate, int nFft, double tuning, int nChroma = 12)
    {
        int bins = nFft / 2 + 1;
        // Frequencies of FFT bins 1..n_fft-1 (numpy.linspace(0, sr, n_fft, endpoint=False)[1:]).
        double step = (double)sampleRate / nFft;
        var frqbins = new double[nFft];
        for (int i = 1; i < nFft; i++) frqbins[i] = nChroma * Frequencies.HzToOcts(i * step, tuning, nChroma);
        frqbins[0] = frqbins[1] - 1.5 * nChroma;
        var binwidth = new double[nFft];
        for (int i = 0; i < nFft - 1; i++) binwidth[i] = Math.Max(frqbins[i + 1] - frqbins[i], 1.0);
        binwidth[nFft - 1] = 1.0;

        double half = Math.Round(nChroma / 2.0, MidpointRounding.ToEven);
        var wts = new double[nChroma * nFft];
        for (int c = 0; c < nChroma; c++)
        {
            for (int i = 0; i < nFft; i++)
            {
                double d = frqbins[i] - c + half + 10.0 * nChroma;
                d = d - nChroma * Math.Floor(d / nChroma);       // numpy.remainder (sign of the divisor)
                d -= half;
                double z = 2 * d / binwidth[i];
                wts[c * nFft + i] = Math.Exp(-0.5 * z * z);
            }
        }
        // Normalise each column to unit L2 norm.
        for (int i = 0; i < nFft; i++)
        {
            double ss = 0;
            for (int c = 0; c < nChroma; c++) ss += wts[c * nFft + i] * wts[c * nFft + i];
            double len = Math.Pow(ss, 0.5);
            if (len < 2.2250738585072014e-308) continue;
            for (int c = 0; c < nChroma; c++) wts[c * nFft + i] /= len;
        }
        // Octave weighting around ctroct = 5 with octwidth = 2.
        for (int i = 0; i < nFft; i++)
        {
            double z = (frqbins[i] / nChroma - 5.0) / 2.0;
            double g = Math.Exp(-0.5 * z * z);
            for (int c = 0; c < nChroma; c++) wts[c * nFft + i] *= g;
        }
        // Roll so row 0 is C (base_c): new row c = old row (c + 3·(n_chroma/12)).
        int roll = 3 * (nChroma / 12);
        var bank = new float[nChroma * bins];
        for (int c = 0; c < nChroma; c++)
        {
            int src = ((c + roll) % nChroma + nChroma) % nChroma;
            for (int i = 0; i < bins; i++) bank[c * bins + i] = (float)wts[src * nFft + i];
        }
        return bank;
    }
}
