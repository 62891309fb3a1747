using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>
/// librosa.feature.spectral_centroid: per frame, Σ_k f_k · S[k,t] / Σ_k S[k,t] over the magnitude spectrogram
/// (frames with no energy give 0). Output [1 × frames].
/// </summary>
public sealed class SpectralCentroid
{
    private readonly double[] _freq;
    private readonly Stft _stft;

    public SpectralCentroid(SpectralOptions? options = null)
    {
        options ??= new SpectralOptions();
        options.Validate();
        Options = options;
        _freq = options.BinFrequencies();
        _stft = new Stft(options.Stft);
    }

    public SpectralOptions Options { get; }

    public FeatureMatrix Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        FeatureGuards.RequireRate(signal, Options.SampleRate, "spectral centroid");
        return Compute(_stft.Compute(signal.Samples));
    }

    public FeatureMatrix Compute(Spectrogram spectrogram)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        FeatureGuards.RequireBins(spectrogram, Options.NFft, "spectral centroid");
        var c = Centroids(spectrogram, _freq);
        return new FeatureMatrix(1, c.Length, Array.ConvertAll(c, v => (float)v));
    }

    /// <summary>Centroids in double precision (also used by the bandwidth).</summary>
    internal static double[] Centroids(Spectrogram spectrogram, double[] freq)
    {
        var s = spectrogram.Magnitude;
        int bins = spectrogram.Bins, frames = spectrogram.Frames;
        var len = SpectralMath.L1Divisors(spectrogram);
        var acc = new double[frames];
        for (int k = 1; k < bins; k++) SpectralMath.AddScaled(acc, s.AsSpan(k * frames, frames), freq[k]);
        for (int t = 0; t < frames; t++) acc[t] /= len[t];
        return acc;
    }
}
