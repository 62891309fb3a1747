using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>librosa.filters.mel normalisation.</summary>
public enum MelNorm
{
    /// <summary>Triangles scaled to constant energy per band (librosa norm='slaney', the default).</summary>
    Slaney,

    /// <summary>Peak 1 triangles (librosa norm=None).</summary>
    None,
}

/// <summary>Mel spectrogram parameters; defaults are librosa.feature.melspectrogram's (128 Slaney bands, 0 Hz to sr/2, power 2).</summary>
public sealed record MelOptions
{
    public int SampleRate { get; init; } = 22050;
    public int NFft { get; init; } = 2048;
    public int HopLength { get; init; } = 512;
    public int NMels { get; init; } = 128;
    public double FMin { get; init; }

    /// <summary>Upper edge; null means sr/2.</summary>
    public double? FMax { get; init; }

    public bool Htk { get; init; }
    public MelNorm Norm { get; init; } = MelNorm.Slaney;

    public void Validate()
    {
        if (SampleRate <= 0) throw new FeatureOptionsException($"mel: sample rate must be positive, got {SampleRate}");
        if (NMels < 1) throw new FeatureOptionsException($"mel: n_mels must be positive, got {NMels}");
        double fMax = FMax ?? SampleRate / 2.0;
        if (FMin < 0 || fMax <= FMin || fMax > SampleRate / 2.0 + 1e-9)
            throw new FeatureOptionsException($"mel: need 0 <= fmin < fmax <= sr/2, got fmin={FMin}, fmax={fMax}");
        new StftOptions { NFft = NFft, HopLength = HopLength }.Validate();
    }
}

/// <summary>
/// The mel power spectrogram, equal to librosa.feature.melspectrogram (power 2): the mel filterbank
/// (librosa.filters.mel, float32 weights) applied to |STFT|². The filterbank is built once and stored sparsely
/// (each band's non-zero run); the product runs row by row with SIMD over frames.
/// </summary>
public sealed class MelSpectrogram
{
    private readonly int[] _start;
    private readonly float[][] _weights;
    private readonly Stft _stft;

    public MelSpectrogram(MelOptions? options = null)
    {
        options ??= new MelOptions();
        options.Validate();
        Options = options;
        _stft = new Stft(new StftOptions { NFft = options.NFft, HopLength = options.HopLength });
        Filterbank = BuildFilterbank(options);
        int bins = options.NFft / 2 + 1;
        _start = new int[options.NMels];
        _weights = new float[options.NMels][];
        for (int m = 0; m < options.NMels; m++)
        {
            var row = Filterbank.AsSpan(m * bins, bins);
            int lo = 0, hi = bins;
            while (lo < hi && row[lo] == 0) lo++;
            while (hi > lo && row[hi - 1] == 0) hi--;
            _start[m] = lo;
            _weights[m] = row[lo..hi].ToArray();
        }
    }

    public MelOptions Options { get; }

    /// <summary>The dense filterbank [n_mels × (n_fft/2+1)], float32, as librosa.filters.mel returns it.</summary>
    public float[] Filterbank { get; }

    /// <summary>Mel power spectrogram of a signal [n_mels × frames].</summary>
    public FeatureMatrix Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        FeatureGuards.RequireRate(signal, Options.SampleRate, "mel spectrogram");
        return Compute(_stft.Compute(signal.Samples));
    }

    /// <summary>Mel power spectrogram from a precomputed STFT of the same n_fft.</summary>
    public FeatureMatrix Compute(Spectrogram spectrogram)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        FeatureGuards.RequireBins(spectrogram, Options.NFft, "mel spectrogram");
        return Apply(spectrogram.Magnitude, spectrogram.Frames, squared: true);
    }

    /// <summary>Applies the filterbank to a [bins × frames] power array.</summary>
    public FeatureMatrix Apply(float[] power, int frames) => Apply(power, frames, squared: false);

    /// <summary>Applies the filterbank to power, or to the square of a magnitude array when <paramref name="squared"/>.</summary>
    private FeatureMatrix Apply(float[] values, int frames, bool squared)
    {
        var power = values;
        int nMels = Options.NMels;
        var result = new FeatureMatrix(nMels, frames);
        for (int m = 0; m < nMels; m++)
        {
            var acc = result.Row(m);
            var w = _weights[m];
            int k0 = _start[m];
            for (int j = 0; j < w.Length; j++)
            {
                // acc += w * P[k]
                var row = power.AsSpan((k0 + j) * frames, frames);
                if (squared) Simd.MultiplyAddSquared(acc, row, w[j]);
                else Simd.MultiplyAdd(acc, row, w[j]);
            }
        }
        return result;
    }

    private static float[] BuildFilterbank(MelOptions o)
    {
        int bins = o.NFft / 2 + 1;
        double fMax = o.FMax ?? o.SampleRate / 2.0;
        var fftFreqs = Frequencies.Fft(o.SampleRate, o.NFft);
        var melF = Frequencies.Mel(o.NMels + 2, o.FMin, fMax, o.Htk);
        var weights = new float[o.NMels * bins];
        for (int i = 0; i < o.NMels; i++)
        {
            double fdiffLo = melF[i + 1] - melF[i];
            double fdiffHi = melF[i + 2] - melF[i + 1];
            double enorm = o.Norm == MelNorm.Slaney ? 2.0 / (melF[i + 2] - melF[i]) : 1.0;
            for (int k = 0; k < bins; k++)
            {
                double lower = -(melF[i] - fftFreqs[k]) / fdiffLo;
                double upper = (melF[i + 2] - fftFreqs[k]) / fdiffHi;
                float w = (float)Math.Max(0.0, Math.Min(lower, upper));
                weights[i * bins + k] = o.Norm == MelNorm.Slaney ? (float)(w * enorm) : w;
            }
        }
        return weights;
    }
}
