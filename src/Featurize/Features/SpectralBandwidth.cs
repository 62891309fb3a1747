using System.Runtime.Intrinsics;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>Options of librosa.feature.spectral_bandwidth (p = 2, normalised).</summary>
public sealed record BandwidthOptions
{
    public double P { get; init; } = 2.0;

    /// <summary>Normalise each frame to unit sum first (librosa norm=True).</summary>
    public bool Normalize { get; init; } = true;

    public void Validate()
    {
        if (!(P > 0)) throw new FeatureOptionsException($"spectral bandwidth: p must be positive, got {P}");
    }
}

/// <summary>
/// librosa.feature.spectral_bandwidth: (Σ_k S̃[k,t] · |f_k − centroid_t|^p)^(1/p) with S̃ the column-normalised
/// magnitude spectrogram. Output [1 × frames].
/// </summary>
public sealed class SpectralBandwidth
{
    private readonly double[] _freq;
    private readonly Stft _stft;

    public SpectralBandwidth(SpectralOptions? options = null, BandwidthOptions? bandwidth = null)
    {
        options ??= new SpectralOptions();
        bandwidth ??= new BandwidthOptions();
        options.Validate();
        bandwidth.Validate();
        Options = options;
        Bandwidth = bandwidth;
        _freq = options.BinFrequencies();
        _stft = new Stft(options.Stft);
    }

    public SpectralOptions Options { get; }
    public BandwidthOptions Bandwidth { get; }

    public FeatureMatrix Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        FeatureGuards.RequireRate(signal, Options.SampleRate, "spectral bandwidth");
        return Compute(_stft.Compute(signal.Samples));
    }

    public FeatureMatrix Compute(Spectrogram spectrogram)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        FeatureGuards.RequireBins(spectrogram, Options.NFft, "spectral bandwidth");
        var s = spectrogram.Magnitude;
        int bins = spectrogram.Bins, frames = spectrogram.Frames;
        var centroid = SpectralCentroid.Centroids(spectrogram, _freq);
        var len = Bandwidth.Normalize ? SpectralMath.L1Divisors(spectrogram) : null;
        var acc = new double[frames];
        double p = Bandwidth.P;
        bool square = p == 2.0;
        if (square)
        {
            // Σ S·(f − c)² per frame, SIMD over frames.
            for (int k = 0; k < bins; k++) AddSquaredDeviation(acc, s.AsSpan(k * frames, frames), _freq[k], centroid);
        }
        else
        {
            for (int k = 0; k < bins; k++)
            {
                double f = _freq[k];
                var row = s.AsSpan(k * frames, frames);
                for (int t = 0; t < frames; t++) acc[t] += row[t] * Math.Pow(Math.Abs(f - centroid[t]), p);
            }
        }
        var result = new float[frames];
        for (int t = 0; t < frames; t++)
        {
            double v = len is null ? acc[t] : acc[t] / len[t];
            result[t] = (float)(square ? Math.Sqrt(v) : Math.Pow(v, 1.0 / p));
        }
        return new FeatureMatrix(1, frames, result);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void AddSquaredDeviation(double[] acc, ReadOnlySpan<float> row, double f, double[] centroid)
    {
        int n = row.Length, t = 0;
        var fv = System.Runtime.Intrinsics.Vector256.Create(f);
        for (; t + 8 <= n; t += 8)
        {
            var v = System.Runtime.Intrinsics.Vector256.Create(row.Slice(t, 8));
            var (lo, hi) = System.Runtime.Intrinsics.Vector256.Widen(v);
            var d0 = fv - System.Runtime.Intrinsics.Vector256.Create(centroid.AsSpan(t, 4));
            var d1 = fv - System.Runtime.Intrinsics.Vector256.Create(centroid.AsSpan(t + 4, 4));
            var a0 = System.Runtime.Intrinsics.Vector256.Create(acc.AsSpan(t, 4));
            var a1 = System.Runtime.Intrinsics.Vector256.Create(acc.AsSpan(t + 4, 4));
            System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(lo, d0 * d0, a0).CopyTo(acc.AsSpan(t, 4));
            System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(hi, d1 * d1, a1).CopyTo(acc.AsSpan(t + 4, 4));
        }
        for (; t < n; t++)
        {
            double d = f - centroid[t];
            acc[t] += row[t] * d * d;
        }
    }
}
