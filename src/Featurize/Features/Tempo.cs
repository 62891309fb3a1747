using System.Runtime.Intrinsics;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

/// <summary>librosa.feature.tempo / librosa.beat.beat_track tempo parameters (start 120 bpm, std 1 octave, 8 s window, max 320 bpm).</summary>
public sealed record TempoOptions
{
    public int SampleRate { get; init; } = 22050;
    public int HopLength { get; init; } = 512;
    public double StartBpm { get; init; } = 120.0;
    public double StdBpm { get; init; } = 1.0;

    /// <summary>Autocorrelation window in seconds (librosa ac_size).</summary>
    public double AcSize { get; init; } = 8.0;

    /// <summary>Tempi at or above this are never chosen; null disables the limit.</summary>
    public double? MaxTempo { get; init; } = 320.0;

    public void Validate()
    {
        if (SampleRate <= 0 || HopLength <= 0) throw new FeatureOptionsException("tempo: sample rate and hop must be positive");
        if (!(StartBpm > 0)) throw new FeatureOptionsException($"tempo: start_bpm must be strictly positive, got {StartBpm}");
        if (!(StdBpm > 0)) throw new FeatureOptionsException($"tempo: std_bpm must be positive, got {StdBpm}");
        if (WinLength < 1) throw new FeatureOptionsException($"tempo: ac_size {AcSize} s is shorter than one frame");
        if (MaxTempo is <= 0) throw new FeatureOptionsException($"tempo: max_tempo must be positive, got {MaxTempo}");
    }

    /// <summary>Tempogram window in frames: librosa.time_to_frames(ac_size) = floor(ac_size·sr / hop).</summary>
    public int WinLength => (int)Math.Floor(AcSize * SampleRate / HopLength);
}

/// <summary>
/// Global tempo exactly as librosa estimates it: the autocorrelation tempogram of the onset envelope
/// (librosa.feature.tempogram: windows of ac_size seconds centred on each frame, linear-ramp padding, periodic
/// Hann window, autocorrelation, each frame scaled to max 1), averaged over frames, weighted by a log-normal prior
/// around start_bpm and searched below max_tempo; the answer is one of librosa's lag-grid tempi 60·sr/(hop·lag)
/// (e.g. 117.45 bpm at lag 22). The autocorrelations use the batched real FFT (size ≥ 2·win − 1).
/// </summary>
public sealed class TempoEstimator
{
    private readonly int _win;
    private readonly double[] _window;
    private readonly int _fftSize;
    private readonly double[] _bpms;
    private readonly double[] _logPrior;

    public TempoEstimator(TempoOptions? options = null)
    {
        options ??= new TempoOptions();
        options.Validate();
        Options = options;
        _win = options.WinLength;
        _window = Windows.HannPeriodic(_win);
        _fftSize = Math.Max(4, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(2 * _win - 1)));
        _bpms = Frequencies.Tempo(_win, options.HopLength, options.SampleRate);
        _logPrior = new double[_win];
        double log2Start = Math.Log2(options.StartBpm);
        for (int k = 0; k < _win; k++)
        {
            double z = (Math.Log2(_bpms[k]) - log2Start) / options.StdBpm;
            _logPrior[k] = -0.5 * z * z;
        }
        if (options.MaxTempo is double maxTempo)
        {
            int maxIdx = 0;
            for (int k = 0; k < _win; k++)
            {
                if (_bpms[k] < maxTempo)
                {
                    maxIdx = k;
                    break;
                }
            }
            for (int k = 0; k < maxIdx; k++) _logPrior[k] = double.NegativeInfinity;
        }
    }

    public TempoOptions Options { get; }

    /// <summary>BPM of each tempogram row (row 0 is +inf).</summary>
    public IReadOnlyList<double> Bpms => _bpms;

    /// <summary>The tempo (bpm) of an onset envelope.</summary>
    public double Estimate(ReadOnlySpan<float> onsetEnvelope) => TempoFromMean(MeanTempogram(onsetEnvelope));

    /// <summary>
    /// The tempo librosa.beat.beat_track reports: 0 when the envelope has no onset at all, else <see cref="Estimate"/>.
    /// (beat_track feeds it a median-aggregated onset envelope.)
    /// </summary>
    public double BeatTrackTempo(ReadOnlySpan<float> onsetEnvelope)
    {
        bool any = false;
        foreach (float v in onsetEnvelope)
        {
            if (v != 0f)
            {
                any = true;
                break;
            }
        }
        return any ? Estimate(onsetEnvelope) : 0.0;
    }

    /// <summary>argmax over lags of log1p(1e6·tg) + log prior, as a bpm.</summary>
    public double TempoFromMean(ReadOnlySpan<double> meanTempogram)
    {
        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int k = 0; k < _win; k++)
        {
            double score = Math.Log(1.0 + 1e6 * meanTempogram[k]) + _logPrior[k];
            // np.argmax: first maximum; NaN wins (numpy treats NaN as maximal).
            if (double.IsNaN(score))
            {
                best = k;
                break;
            }
            if (score > bestScore)
            {
                bestScore = score;
                best = k;
            }
        }
        return _bpms[best];
    }

    /// <summary>The frame-averaged autocorrelation tempogram (length win_length).</summary>
    public double[] MeanTempogram(ReadOnlySpan<float> onsetEnvelope)
    {
        var mean = new double[_win];
        int n = onsetEnvelope.Length;
        if (n == 0)
        {
            Array.Fill(mean, double.NaN);
            return mean;
        }
        var sum = new Vector256<double>[_win];
        Tempogram(onsetEnvelope, (t0, valid, ac) =>
        {
            for (int k = 0; k < _win; k++)
            {
                var v = ac[k];
                if (valid < 8) v = Vector256.ConditionalSelect(ValidMask(valid), v, Vector256<float>.Zero);
                var (lo, hi) = Vector256.Widen(v);
                sum[k] += lo + hi;
            }
        });
        for (int k = 0; k < _win; k++) mean[k] = Vector256.Sum(sum[k]) / n;
        return mean;
    }

    /// <summary>The full tempogram [win_length × frames] (each column scaled to max 1), float32.</summary>
    public FeatureMatrix Tempogram(ReadOnlySpan<float> onsetEnvelope)
    {
        int n = onsetEnvelope.Length;
        var tg = new FeatureMatrix(_win, n);
        Tempogram(onsetEnvelope, (t0, valid, ac) =>
        {
            for (int k = 0; k < _win; k++)
            {
                for (int l = 0; l < valid; l++) tg.Data[k * n + t0 + l] = ac[k].GetElement(l);
            }
        });
        return tg;
    }

    private static Vector256<float> ValidMask(int valid)
    {
        Span<int> m = stackalloc int[8];
        for (int l = 0; l < 8; l++) m[l] = l < valid ? -1 : 0;
        return Vector256.Create<int>(m).AsSingle();
    }

    /// <summary>
    /// Runs the tempogram 8 frames at a time (one per SIMD lane, float32 FFTs); <paramref name="consume"/> gets the
    /// first frame, the number of valid lanes and the column-normalised autocorrelations (lag k in element k).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Tempogram(ReadOnlySpan<float> env, Action<int, int, Vector256<float>[]> consume)
    {
        int n = env.Length, win = _win, half = win / 2;
        const int lanes = 8;
        // Linear-ramp padding (numpy.pad mode='linear_ramp', end values 0), in the envelope's float32,
        // plus room for the last batch's lanes.
        var padded = new float[n + 2 * half + lanes];
        double first = env[0], last = env[n - 1];
        for (int i = 0; i < half; i++)
        {
            padded[i] = (float)(i * (first / half));
            padded[half + n + i] = (float)((half - 1 - i) * (last / half));
        }
        env.CopyTo(padded.AsSpan(half));

        var plan = BatchRealFft<float>.Get(_fftSize);
        var ws = plan.CreateWorkspace();
        var ws2 = plan.CreateWorkspace();
        var window = Array.ConvertAll(_window, v => (float)v);
        var ac = new Vector256<float>[win];
        int m = _fftSize, bins = m / 2;
        var invM = Vector256.Create(1f / m);
        for (int t0 = 0; t0 < n; t0 += lanes)
        {
            int valid = Math.Min(lanes, n - t0);
            // Lane l holds frame t0 + l: padded[t0 + l + j]·w[j]; consecutive frames are consecutive samples.
            for (int j = 0; j < win; j++) ws.Input[j] = Vector256.Create(padded.AsSpan(t0 + j, lanes)) * Vector256.Create(window[j]);
            Array.Clear(ws.Input, win, m - win);
            plan.Forward(ws);
            // Power spectrum, mirrored into an even real sequence; its forward FFT is m × the autocorrelation.
            for (int k = 0; k <= bins; k++)
            {
                var p = ws.Re[k] * ws.Re[k] + ws.Im[k] * ws.Im[k];
                ws2.Input[k] = p;
                if (k > 0 && k < bins) ws2.Input[m - k] = p;
            }
            plan.Forward(ws2);
            var max = Vector256<float>.Zero;
            for (int k = 0; k < win; k++)
            {
                ac[k] = ws2.Re[k] * invM;
                max = Vector256.Max(max, Vector256.Abs(ac[k]));
            }
            // util.normalize: columns whose maximum is below tiny stay unnormalised.
            var divisor = Vector256.ConditionalSelect(Vector256.LessThan(max, Vector256.Create(1.17549435e-38f)), Vector256<float>.One, max);
            for (int k = 0; k < win; k++) ac[k] /= divisor;
            consume(t0, valid, ac);
        }
    }
}
