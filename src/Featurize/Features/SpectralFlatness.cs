using System.Numerics.Tensors;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>librosa.feature.spectral_flatness parameters (n_fft 2048, hop 512, amin 1e-10, power 2).</summary>
public sealed record FlatnessOptions
{
    public int SampleRate { get; init; } = 22050;
    public int NFft { get; init; } = 2048;
    public int HopLength { get; init; } = 512;

    /// <summary>Floor of the powered spectrum (librosa amin).</summary>
    public double Amin { get; init; } = 1e-10;

    /// <summary>Exponent applied to the magnitude (2: power spectrum).</summary>
    public double Power { get; init; } = 2.0;

    public void Validate()
    {
        new SpectralOptions { SampleRate = SampleRate, NFft = NFft, HopLength = HopLength }.Validate();
        if (!(Amin > 0) || !double.IsFinite(Amin)) throw new FeatureOptionsException($"spectral flatness: amin must be positive, got {Amin}");
        if (!(Power > 0) || !double.IsFinite(Power)) throw new FeatureOptionsException($"spectral flatness: power must be positive, got {Power}");
    }
}

/// <summary>
/// librosa.feature.spectral_flatness (Wiener entropy): per frame, the geometric mean of max(amin, |S|^power) over
/// the bins divided by its arithmetic mean (powers and logs in float32, as librosa on a float32 spectrogram, summed in
/// double); near 1 for white noise, near 0 for a pure tone. Output [1 × frames].
/// </summary>
public sealed class SpectralFlatness
{
    private readonly Stft _stft;

    public SpectralFlatness(FlatnessOptions? options = null)
    {
        options ??= new FlatnessOptions();
        options.Validate();
        Options = options;
        _stft = new Stft(new StftOptions { NFft = options.NFft, HopLength = options.HopLength });
    }

    public FlatnessOptions Options { get; }

    public FeatureMatrix Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        FeatureGuards.RequireRate(signal, Options.SampleRate, "spectral flatness");
        return Compute(_stft.Compute(signal.Samples));
    }

    public FeatureMatrix Compute(Spectrogram spectrogram)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        FeatureGuards.RequireBins(spectrogram, Options.NFft, "spectral flatness");
        var s = spectrogram.Magnitude;
        int bins = spectrogram.Bins, frames = spectrogram.Frames;
        var sumLog = new double[frames];
        var sum = new double[frames];
        var powered = new float[frames];
        var logs = new float[frames];
        float amin = (float)Options.Amin;
        for (int k = 0; k < bins; k++)
        {
            var row = s.AsSpan(k * frames, frames);
            if (Options.Power == 2.0) TensorPrimitives.Multiply(row, row, powered);
            else TensorPrimitives.Pow(row, (float)Options.Power, powered);
            TensorPrimitives.Max(powered, amin, powered);
            TensorPrimitives.Log(powered, logs);
            for (int t = 0; t < frames; t++)
            {
                sumLog[t] += logs[t];
                sum[t] += powered[t];
            }
        }
        var result = new float[frames];
        for (int t = 0; t < frames; t++) result[t] = (float)(Math.Exp(sumLog[t] / bins) / (sum[t] / bins));
        return new FeatureMatrix(1, frames, result);
    }
}
