using System.Runtime.Intrinsics;
namespace Mmcs.Featurize.Features;

/// <summary>How onset differences are combined across mel bands.</summary>
public enum OnsetAggregate
{
    /// <summary>np.mean (librosa.onset.onset_strength's default).</summary>
    Mean,

    /// <summary>np.median (what librosa.beat.beat_track uses for its own envelope).</summary>
    Median,
}

/// <summary>librosa.onset.onset_strength parameters (lag 1, max_size 1, mean, centred; mel 128 in dB underneath).</summary>
public sealed record OnsetOptions
{
    public int Lag { get; init; } = 1;
    public int MaxSize { get; init; } = 1;
    public OnsetAggregate Aggregate { get; init; } = OnsetAggregate.Mean;

    /// <summary>Shift the envelope by n_fft/(2·hop) frames to undo the STFT framing delay.</summary>
    public bool Center { get; init; } = true;

    public int NFft { get; init; } = 2048;
    public int HopLength { get; init; } = 512;

    public void Validate()
    {
        if (Lag < 1) throw new FeatureOptionsException($"onset strength: lag must be a positive integer, got {Lag}");
        if (MaxSize < 1) throw new FeatureOptionsException($"onset strength: max_size must be a positive integer, got {MaxSize}");
        if (NFft < 1 || HopLength < 1) throw new FeatureOptionsException("onset strength: n_fft and hop_length must be positive");
    }
}

/// <summary>
/// librosa.onset.onset_strength (spectral flux): from a log-power mel spectrogram S (librosa: power_to_db of the
/// 128-band mel power), env[t] = aggregate over bands of max(0, S[:, t] − ref[:, t−lag]) where ref is S maximum-
/// filtered over max_size bands, then shifted right by lag (+ n_fft/(2·hop) when centred) with zeros and trimmed
/// to the number of frames. Output: one value per frame, float32.
/// </summary>
public sealed class OnsetStrength
{
    private readonly MelSpectrogram? _mel;

    public OnsetStrength(OnsetOptions? options = null, MelOptions? mel = null)
    {
        options ??= new OnsetOptions();
        options.Validate();
        Options = options;
        _mel = new MelSpectrogram((mel ?? new MelOptions()) with { NFft = options.NFft, HopLength = options.HopLength });
    }

    public OnsetOptions Options { get; }

    /// <summary>The envelope of a signal (mel spectrogram in dB computed here).</summary>
    public float[] Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return FromMelDb(Decibels.PowerToDb(_mel!.Compute(signal)));
    }

    /// <summary>The envelope from a precomputed mel spectrogram in dB [bands × frames].</summary>
    public float[] FromMelDb(FeatureMatrix melDb)
    {
        ArgumentNullException.ThrowIfNull(melDb);
        int bands = melDb.Rows, frames = melDb.Cols, lag = Options.Lag;
        var s = melDb.Data;
        float[] reference = Options.MaxSize == 1 ? s : MaximumFilterOverBands(s, bands, frames, Options.MaxSize);
        int diffs = Math.Max(0, frames - lag);
        var raw = new float[diffs];
        if (diffs > 0)
        {
            // Row-wise (SIMD over frames): D[b, j] = max(0, S[b, j + lag] − ref[b, j]).
            var d = new float[bands * diffs];
            for (int b = 0; b < bands; b++)
                PositiveDifference(s.AsSpan(b * frames + lag, diffs), reference.AsSpan(b * frames, diffs), d.AsSpan(b * diffs, diffs));
            if (Options.Aggregate == OnsetAggregate.Mean)
            {
                var acc = new double[diffs];
                for (int b = 0; b < bands; b++) SpectralMath.AddScaled(acc, d.AsSpan(b * diffs, diffs), 1.0);
                for (int j = 0; j < diffs; j++) raw[j] = (float)(acc[j] / bands);
            }
            else
            {
                // Median: most columns have more zeros than half the bands, so their median is 0; count first.
                var positives = new int[diffs];
                for (int b = 0; b < bands; b++)
                {
                    var row = d.AsSpan(b * diffs, diffs);
                    for (int j = 0; j < diffs; j++) positives[j] += row[j] > 0f ? 1 : 0;
                }
                var column = new float[bands];
                for (int j = 0; j < diffs; j++)
                {
                    if (bands - positives[j] > bands / 2) continue;   // raw[j] = 0
                    for (int b = 0; b < bands; b++) column[b] = d[b * diffs + j];
                    raw[j] = Median(column);
                }
            }
        }
        int padWidth = lag + (Options.Center ? Options.NFft / (2 * Options.HopLength) : 0);
        int length = Options.Center ? frames : padWidth + diffs;
        var env = new float[length];
        for (int j = 0; j < diffs && padWidth + j < length; j++) env[padWidth + j] = raw[j];
        return env;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void PositiveDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d)
    {
        int n = d.Length, i = 0;
        for (; i + 8 <= n; i += 8)
            System.Runtime.Intrinsics.Vector256.Max(System.Runtime.Intrinsics.Vector256.Create(a.Slice(i, 8)) - System.Runtime.Intrinsics.Vector256.Create(b.Slice(i, 8)), System.Runtime.Intrinsics.Vector256<float>.Zero).CopyTo(d.Slice(i, 8));
        for (; i < n; i++)
        {
            float v = a[i] - b[i];
            d[i] = v > 0f ? v : 0f;
        }
    }

    private static float Median(float[] x)
    {
        // Most differences are clipped to exactly 0: only the positive ones need sorting.
        int n = x.Length, pos = 0;
        if (n == 0) return float.NaN;
        for (int i = 0; i < n; i++)
        {
            if (x[i] > 0f) x[pos++] = x[i];
        }
        int zeros = n - pos;
        if (zeros > n / 2) return 0f;      // both middle elements (or the middle one) are zeros
        Array.Sort(x, 0, pos);
        float At(int i) => i < zeros ? 0f : x[i - zeros];
        if (n % 2 == 1) return At(n / 2);
        float sum = At(n / 2 - 1) + At(n / 2);
        return sum / 2f;
    }

    /// <summary>scipy.ndimage.maximum_filter1d over the band axis (mode 'reflect', origin 0).</summary>
    private static float[] MaximumFilterOverBands(float[] s, int bands, int frames, int size)
    {
        var r = new float[s.Length];
        int before = size / 2;
        for (int b = 0; b < bands; b++)
        {
            for (int t = 0; t < frames; t++)
            {
                float m = float.NegativeInfinity;
                for (int o = -before; o < size - before; o++)
                {
                    int i = Reflect(b + o, bands);
                    m = Math.Max(m, s[i * frames + t]);
                }
                r[b * frames + t] = m;
            }
        }
        return r;
    }

    private static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * n;
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - 1 - i;
    }
}
