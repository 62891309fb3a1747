using System.Runtime.Intrinsics;
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
        var done = new float[frames];   // 0 while searching, all bits set once found (a SIMD mask)
        Search(s, bins, frames, threshold, acc, result, done, _freq);
        return new FeatureMatrix(1, frames, result);
    }

    /// <summary>Running float32 cumulative sum over bins; the first bin reaching the threshold sets the frame's answer.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Search(float[] s, int bins, int frames, float[] threshold, float[] acc, float[] result, float[] done, double[] freq)
    {
        int vec = frames / 8 * 8;
        for (int k = 0; k < bins; k++)
        {
            var f = Vector256.Create((float)freq[k]);
            bool any = false;
            for (int t = 0; t < vec; t += 8)
            {
                var a = Vector256.LoadUnsafe(ref acc[t]) + Vector256.LoadUnsafe(ref s[k * frames + t]);
                a.StoreUnsafe(ref acc[t]);
                var d = Vector256.LoadUnsafe(ref done[t]);
                var hit = Vector256.AndNot(Vector256.GreaterThanOrEqual(a, Vector256.LoadUnsafe(ref threshold[t])), d);
                if (hit != Vector256<float>.Zero)
                {
                    Vector256.ConditionalSelect(hit, f, Vector256.LoadUnsafe(ref result[t])).StoreUnsafe(ref result[t]);
                    (d | hit).StoreUnsafe(ref done[t]);
                }
                any |= (d | hit).AsInt32() != Vector256<int>.AllBitsSet;
            }
            for (int t = vec; t < frames; t++)
            {
                acc[t] += s[k * frames + t];
                if (done[t] == 0f && acc[t] >= threshold[t])
                {
                    done[t] = 1f;
                    result[t] = (float)freq[k];
                }
                any |= done[t] == 0f;
            }
            if (!any && k > 0) break;
        }
    }
}
