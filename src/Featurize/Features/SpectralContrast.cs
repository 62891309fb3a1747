using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>Options of librosa.feature.spectral_contrast (fmin 200 Hz, 6 octave bands + the rest, quantile 0.02, dB).</summary>
public sealed record ContrastOptions
{
    public double FMin { get; init; } = 200.0;
    public int NBands { get; init; } = 6;
    public double Quantile { get; init; } = 0.02;

    /// <summary>Return peak − valley instead of the difference of their power_to_db values.</summary>
    public bool Linear { get; init; }

    public void Validate()
    {
        if (NBands < 1) throw new FeatureOptionsException($"spectral contrast: n_bands must be positive, got {NBands}");
        if (!(Quantile > 0 && Quantile < 1)) throw new FeatureOptionsException($"spectral contrast: quantile must lie in (0, 1), got {Quantile}");
        if (!(FMin > 0)) throw new FeatureOptionsException($"spectral contrast: fmin must be positive, got {FMin}");
    }
}

/// <summary>
/// librosa.feature.spectral_contrast: per octave band (0..fmin, fmin..2fmin, …, the last band up to Nyquist),
/// the mean of the top and of the bottom quantile of magnitudes; contrast = power_to_db(peak) − power_to_db(valley)
/// (each converted as a whole array, top_db 80, as librosa does). Output [(n_bands + 1) × frames].
/// Band edges follow librosa exactly (each band after the first also takes the bin just below it, each band but
/// the last drops its top bin).
/// </summary>
public sealed class SpectralContrast
{
    private readonly int[] _lo;
    private readonly int[] _hi;
    private readonly int[] _count;
    private readonly Stft _stft;

    public SpectralContrast(SpectralOptions? options = null, ContrastOptions? contrast = null)
    {
        options ??= new SpectralOptions();
        contrast ??= new ContrastOptions();
        options.Validate();
        contrast.Validate();
        Options = options;
        Contrast = contrast;
        _stft = new Stft(options.Stft);

        var freq = options.BinFrequencies();
        int n = contrast.NBands;
        var octa = new double[n + 2];
        for (int i = 1; i < n + 2; i++) octa[i] = contrast.FMin * Math.Pow(2.0, i - 1);
        for (int i = 0; i < n + 1; i++)
        {
            if (octa[i] >= 0.5 * options.SampleRate)
                throw new FeatureOptionsException("spectral contrast: a frequency band exceeds Nyquist; reduce fmin or n_bands");
        }
        _lo = new int[n + 1];
        _hi = new int[n + 1];
        _count = new int[n + 1];
        for (int k = 0; k <= n; k++)
        {
            double fLow = octa[k], fHigh = octa[k + 1];
            int first = -1, last = -1;
            for (int b = 0; b < freq.Length; b++)
            {
                if (freq[b] >= fLow && freq[b] <= fHigh)
                {
                    if (first < 0) first = b;
                    last = b;
                }
            }
            if (first < 0) throw new FeatureOptionsException($"spectral contrast: band {k} holds no FFT bin; increase n_fft");
            int lo = k > 0 ? first - 1 : first;
            int hi = k == n ? freq.Length : last + 1;      // exclusive
            int members = hi - lo;                        // np.sum(current_band)
            if (k < n) hi -= 1;                           // sub_band[..., :-1, :]
            _lo[k] = lo;
            _hi[k] = hi;
            _count[k] = Math.Max(1, (int)Math.Round(contrast.Quantile * members, MidpointRounding.ToEven));
        }
    }

    public SpectralOptions Options { get; }
    public ContrastOptions Contrast { get; }

    public FeatureMatrix Compute(AudioSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        FeatureGuards.RequireRate(signal, Options.SampleRate, "spectral contrast");
        return Compute(_stft.Compute(signal.Samples));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public FeatureMatrix Compute(Spectrogram spectrogram)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        FeatureGuards.RequireBins(spectrogram, Options.NFft, "spectral contrast");
        var s = spectrogram.Magnitude;
        int bins = spectrogram.Bins, frames = spectrogram.Frames, nb = _lo.Length;
        var peak = new double[nb * frames];
        var valley = new double[nb * frames];

        // SIMD over 8 frames at a time: per band, a sorting network keeps the q smallest and the q largest values
        // of each frame while the band's rows stream past.
        int lanes = Vector256<float>.Count;
        int maxCount = _count.Max();
        var low = new Vector256<float>[maxCount];
        var high = new Vector256<float>[maxCount];
        int t0 = 0;
        for (; t0 + lanes <= frames; t0 += lanes)
        {
            for (int b = 0; b < nb; b++)
            {
                int q = Math.Min(_count[b], _hi[b] - _lo[b]);
                for (int i = 0; i < q; i++)
                {
                    low[i] = Vector256.Create(float.PositiveInfinity);
                    high[i] = Vector256.Create(float.NegativeInfinity);
                }
                for (int k = _lo[b]; k < _hi[b]; k++)
                {
                    var v = Vector256.LoadUnsafe(ref s[k * frames + t0]);
                    var w = v;
                    for (int i = 0; i < q; i++)
                    {
                        var l = low[i];
                        low[i] = Vector256.Min(l, v);
                        v = Vector256.Max(l, v);
                        var h = high[i];
                        high[i] = Vector256.Max(h, w);
                        w = Vector256.Min(h, w);
                    }
                }
                // Sum in ascending order, as numpy's mean over the sorted slices does.
                var sl = Vector256<float>.Zero;
                var sh = Vector256<float>.Zero;
                for (int i = 0; i < q; i++) sl += low[i];
                for (int i = q - 1; i >= 0; i--) sh += high[i];
                var qv = Vector256.Create((float)q);
                var vm = sl / qv;
                var pm = sh / qv;
                for (int l = 0; l < lanes; l++)
                {
                    valley[b * frames + t0 + l] = vm.GetElement(l);
                    peak[b * frames + t0 + l] = pm.GetElement(l);
                }
            }
        }
        if (t0 < frames)
        {
            var column = new float[bins];
            var lowS = new float[maxCount];
            var highS = new float[maxCount];
            for (int t = t0; t < frames; t++)
            {
                for (int k = 0; k < bins; k++) column[k] = s[k * frames + t];
                for (int b = 0; b < nb; b++)
                {
                    int q = Math.Min(_count[b], _hi[b] - _lo[b]);
                    Extremes(column.AsSpan(_lo[b], _hi[b] - _lo[b]), q, lowS, highS);
                    float sl = 0, sh = 0;
                    for (int i = 0; i < q; i++) sl += lowS[i];
                    for (int i = q - 1; i >= 0; i--) sh += highS[i];
                    valley[b * frames + t] = sl / q;
                    peak[b * frames + t] = sh / q;
                }
            }
        }

        var result = new float[nb * frames];
        if (Contrast.Linear)
        {
            for (int i = 0; i < result.Length; i++) result[i] = (float)(peak[i] - valley[i]);
        }
        else
        {
            ToDb(peak);
            ToDb(valley);
            for (int i = 0; i < result.Length; i++) result[i] = (float)(peak[i] - valley[i]);
        }
        return new FeatureMatrix(nb, frames, result);
    }

    /// <summary>The q smallest values into low[0..q) and the q largest into high[0..q) (unordered multisets).</summary>
    private static void Extremes(ReadOnlySpan<float> x, int q, float[] low, float[] high)
    {
        int n = Math.Min(q, x.Length);
        // Seed with the first q values, kept sorted (ascending for low, descending for high).
        for (int i = 0; i < n; i++)
        {
            InsertAscending(low, i, x[i]);
            InsertDescending(high, i, x[i]);
        }
        for (int i = n; i < x.Length; i++)
        {
            float v = x[i];
            if (v < low[n - 1]) InsertAscending(low, n - 1, v);
            if (v > high[n - 1]) InsertDescending(high, n - 1, v);
        }
    }

    // Inserts v into a[0..count] sorted ascending, where a[0..count) is sorted and slot count is free (dropped).
    private static void InsertAscending(float[] a, int count, float v)
    {
        int i = count;
        while (i > 0 && a[i - 1] > v)
        {
            a[i] = a[i - 1];
            i--;
        }
        a[i] = v;
    }

    private static void InsertDescending(float[] a, int count, float v)
    {
        int i = count;
        while (i > 0 && a[i - 1] < v)
        {
            a[i] = a[i - 1];
            i--;
        }
        a[i] = v;
    }

    /// <summary>librosa.power_to_db in float64 over a whole array (ref 1, amin 1e-10, top_db 80).</summary>
    private static void ToDb(double[] x)
    {
        double max = double.NegativeInfinity;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = 10.0 * Math.Log10(Math.Max(1e-10, x[i]));
            if (x[i] > max) max = x[i];
        }
        double floor = max - 80.0;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] < floor) x[i] = floor;
        }
    }
}
