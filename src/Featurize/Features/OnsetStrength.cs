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
        var column = new float[bands];
        for (int j = 0; j < diffs; j++)
        {
            for (int b = 0; b < bands; b++)
            {
                float d = s[b * frames + j + lag] - reference[b * frames + j];
                column[b] = d > 0f ? d : 0f;
            }
            raw[j] = Options.Aggregate == OnsetAggregate.Mean ? Mean(column) : Median(column);
        }
        int padWidth = lag + (Options.Center ? Options.NFft / (2 * Options.HopLength) : 0);
        int length = Options.Center ? frames : padWidth + diffs;
        var env = new float[length];
        for (int j = 0; j < diffs && padWidth + j < length; j++) env[padWidth + j] = raw[j];
        return env;
    }

    private static float Mean(float[] x)
    {
        double s = 0;
        foreach (float v in x) s += v;
        return (float)(s / x.Length);
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
