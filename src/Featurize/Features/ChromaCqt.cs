using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>
/// The constant-Q chromagram, equal to librosa.feature.chroma_cqt with its defaults: |CQT| (7 octaves × 36 bins
/// from C1, tuning estimated) folded onto 12 pitch classes (librosa.filters.cq_to_chroma: each class sums the
/// three CQT bins centred on it in every octave), negatives clipped, each frame divided by its maximum.
/// Output [12 × frames], rows C … B.
/// </summary>
public sealed class ChromaCqt
{
    private readonly ConstantQ _cqt;
    private readonly float[] _map;   // [12 × n_bins]

    public ChromaCqt(CqtOptions? options = null)
    {
        options ??= new CqtOptions();
        _cqt = new ConstantQ(options);
        Options = _cqt.Options;
        if (Options.BinsPerOctave % 12 != 0)
            throw new FeatureOptionsException($"chroma_cqt: bins_per_octave must be a multiple of 12, got {Options.BinsPerOctave}");
        _map = CqToChroma(Options.NBins, Options.BinsPerOctave, Options.FMin ?? Frequencies.C1);
    }

    public CqtOptions Options { get; }

    /// <summary>Chroma of a signal; <paramref name="stft2048"/> (the default STFT of the same signal) is reused for the tuning.</summary>
    public FeatureMatrix Compute(AudioSignal signal, out double tuning, Spectrogram? stft2048 = null)
    {
        var c = _cqt.Magnitude(signal, out tuning, stft2048);
        return FromCqt(c);
    }

    /// <summary>The |CQT| [n_bins × frames] the chroma folds (for callers that read it too, e.g. a pitch tracker).</summary>
    public FeatureMatrix Magnitude(AudioSignal signal, out double tuning, Spectrogram? stft2048 = null) =>
        _cqt.Magnitude(signal, out tuning, stft2048);

    /// <summary>Chroma from a |CQT| [n_bins × frames].</summary>
    public FeatureMatrix FromCqt(FeatureMatrix cqtMagnitude)
    {
        ArgumentNullException.ThrowIfNull(cqtMagnitude);
        FeatureGuards.RequireRows(cqtMagnitude, Options.NBins, "chroma_cqt", "a CQT magnitude");
        int frames = cqtMagnitude.Cols;
        var chroma = DenseProjection.Apply(_map, 12, Options.NBins, cqtMagnitude.Data, frames);
        for (int i = 0; i < chroma.Length; i++)
        {
            if (chroma[i] < 0f) chroma[i] = 0f;
        }
        ChromaStft.NormalizeColumnsInf(chroma, 12, frames);
        return new FeatureMatrix(12, frames, chroma);
    }

    /// <summary>librosa.filters.cq_to_chroma(n_input, bins_per_octave, n_chroma=12, fmin, base_c=True): [12 × n_input].</summary>
    public static float[] CqToChroma(int nInput, int binsPerOctave, double fmin)
    {
        const int nChroma = 12;
        int merge = binsPerOctave / nChroma;
        int shift = merge / 2;
        double midi0 = Frequencies.HzToMidi(fmin) % 12.0;
        if (midi0 < 0) midi0 += 12;
        int roll = (int)Math.Round(midi0, MidpointRounding.ToEven);
        var map = new float[nChroma * nInput];
        for (int j = 0; j < nInput; j++)
        {
            // Column j of the tiled, left-rolled identity belongs to chroma ((j + shift) mod bpo) / merge …
            int c = ((j % binsPerOctave + shift) % binsPerOctave) / merge;
            // … then rows are rolled down by `roll`.
            int row = ((c + roll) % nChroma + nChroma) % nChroma;
            map[row * nInput + j] = 1f;
        }
        return map;
    }
}
