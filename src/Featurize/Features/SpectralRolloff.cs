using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>
/// librosa.feature.spectral_rolloff: the centre frequency of the first bin at which the cumulative magnitude
/// (float32, summed from 0 Hz as numpy's cumsum does) reaches roll_percent (0.85) of the frame's total.
/// Output [1 × frames].
/// </summary>
public sealed class SpectralRolloff
{
    private readonly double[] _freq;
    private readonly Stft _stft;

    public SpectralRolloff(SpectralOptions? options = null, double rollPercent = 0.85)
    {
        options ??= new SpectralOptions();
        options.Validate();
        if (!(rollPercent > 0 && rollPercent < 1))
            throw new FeatureOptionsException($"spectral rolloff: roll_percent must lie in (0, 1), got {rollPercent}");
        Options = options;
        RollPercent = rollPercent;
        _freq = options.BinFrequencies();
        _stft = new Stft(options.Stft);
    }

    public SpectralOptions Options { get; }
    public double RollPercent { get; }

    public FeatureMatrix Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        FeatureGuards.RequireRate(signal, Options.SampleRate, "spectral rolloff");
        return Compute(_stft.Compute(signal.Samples));
    }

    public FeatureMatrix Compute(Spectrogram spectrogram)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        FeatureGuards.RequireBins(spectrogram, Options.NFft, "spectral rolloff");
        var s = spectrogram.Magnitude;
        int bins = spectrogram.Bins, frames = spectrogram.Frames;
        var total = spectrogram.MagnitudeColumnSums;
        float pct = (float)RollPercent;
        var threshold = new float[frames];
        for (int t = 0; t < frames; t++) threshold[t] = pct * total[t];
        var acc = new float[frames];
        var result = new float[frames];
        var found = new bool[frames];
        int remaining = frames;
        for (int k = 0; k < bins && remaining > 0; k++)
        {
            var row = s.AsSpan(k * frames, frames);
            float f = (float)_freq[k];
            for (int t = 0; t < frames; t++)
            {
                acc[t] += row[t];
                if (!found[t] && acc[t] >= threshold[t])
                {
                    found[t] = true;
                    result[t] = f;
                    remaining--;
                }
            }
        }
        return new FeatureMatrix(1, frames, result);
    }
}
