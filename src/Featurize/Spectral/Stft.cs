using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mmcs.Featurize.Features;

namespace Mmcs.Featurize.Spectral;

/// <summary>The analysis window of an STFT.</summary>
public enum StftWindow
{
    /// <summary>Periodic Hann (librosa's default, scipy get_window('hann', fftbins=True)).</summary>
    Hann,

    /// <summary>Rectangular (librosa window='ones', used by the constant-Q transform).</summary>
    Ones,
}

/// <summary>
/// STFT parameters; the defaults are librosa 0.11's: n_fft 2048, hop 512, Hann, center=True with zero
/// ('constant') padding of n_fft/2 on both sides.
/// </summary>
public sealed record StftOptions
{
    public int NFft { get; init; } = 2048;
    public int HopLength { get; init; } = 512;
    public StftWindow Window { get; init; } = StftWindow.Hann;

    /// <summary>Pad n_fft/2 zeros on both sides so frame t is centred on sample t·hop.</summary>
    public bool Center { get; init; } = true;

    /// <summary>Throws <see cref="FeatureOptionsException"/> when the options cannot work.</summary>
    public void Validate()
    {
        if (NFft < 4 || !BitOperations.IsPow2(NFft))
            throw new FeatureOptionsException($"STFT n_fft must be a power of two >= 4, got {NFft}");
        if (HopLength < 1)
            throw new FeatureOptionsException($"STFT hop_length must be positive, got {HopLength}");
    }
}

/// <summary>A real spectrogram laid out like librosa's: [bins × frames], row-major, float32.</summary>
public sealed class Spectrogram
{
    internal Spectrogram(int bins, int frames, int nFft, float[] magnitude, float[]? power = null)
    {
        Bins = bins;
        Frames = frames;
        NFft = nFft;
        Magnitude = magnitude;
        _power = power;
    }

    private float[]? _power;

    /// <summary>Frequency bins (n_fft/2 + 1).</summary>
    public int Bins { get; }

    /// <summary>Frames.</summary>
    public int Frames { get; }

    /// <summary>FFT size the spectrogram came from.</summary>
    public int NFft { get; }

    /// <summary>|STFT| as float32 (numpy's abs of the complex64 STFT), [Bins × Frames].</summary>
    public float[] Magnitude { get; }

    /// <summary>
    /// |STFT|² computed in float32 from <see cref="Magnitude"/> (librosa: np.abs(D)**2), [Bins × Frames]; made on
    /// first use (the library's own consumers square the magnitude on the fly instead).
    /// </summary>
    public float[] Power
    {
        get
        {
            var p = Volatile.Read(ref _power);
            if (p != null) return p;
            p = GC.AllocateUninitializedArray<float>(Magnitude.Length);
            for (int i = 0; i < p.Length; i++) p[i] = Magnitude[i] * Magnitude[i];
            Interlocked.CompareExchange(ref _power, p, null);
            return _power!;
        }
    }

    /// <summary>Magnitude as a <see cref="FeatureMatrix"/> (shares the array).</summary>
    public FeatureMatrix MagnitudeMatrix => new(Bins, Frames, Magnitude);

    /// <summary>Power as a <see cref="FeatureMatrix"/> (shares the array).</summary>
    public FeatureMatrix PowerMatrix => new(Bins, Frames, Power);

    private float[]? _magnitudeSums;

    /// <summary>
    /// Per-frame sums of <see cref="Magnitude"/> in float32, accumulated from bin 0 upwards (numpy's order for a sum
    /// over axis -2); computed once, shared by the spectral centroid, bandwidth and roll-off.
    /// </summary>
    public float[] MagnitudeColumnSums
    {
        get
        {
            var sums = Volatile.Read(ref _magnitudeSums);
            if (sums != null) return sums;
            sums = new float[Frames];
            for (int k = 0; k < Bins; k++)
                Simd.Add(sums, Magnitude.AsSpan(k * Frames, Frames));
            Interlocked.CompareExchange(ref _magnitudeSums, sums, null);
            return _magnitudeSums!;
        }
    }
}

/// <summary>A band of complex STFT bins, rounded to complex64 like librosa's stft(dtype=complex64): [bins × frames].</summary>
public sealed class ComplexBand
{
    internal ComplexBand(int firstBin, int bins, int frames, float[] re, float[] im)
    {
        FirstBin = firstBin;
        Bins = bins;
        Frames = frames;
        Re = re;
        Im = im;
    }

    public int FirstBin { get; }
    public int Bins { get; }
    public int Frames { get; }
    public float[] Re { get; }
    public float[] Im { get; }
}

/// <summary>
/// Short-time Fourier transform equal to librosa.stft: frames of n_fft samples every hop, windowed, zero-padded
/// at the edges when centred, transformed in double precision and rounded to float32/complex64 like librosa.
/// Immutable and thread-safe; the FFT plan and window are built once.
/// </summary>
public sealed class Stft
{
    private readonly BatchRealFft<double> _plan;
    private readonly double[] _window;

    public Stft(StftOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _plan = BatchRealFft<double>.Get(options.NFft);
        _window = options.Window == StftWindow.Hann ? Windows.HannPeriodic(options.NFft) : Windows.Ones(options.NFft);
    }

    public StftOptions Options { get; }

    /// <summary>Bins per frame (n_fft/2 + 1).</summary>
    public int Bins => Options.NFft / 2 + 1;

    /// <summary>Number of frames librosa produces for a signal of this length.</summary>
    public int FrameCount(int samples)
    {
        int n = Options.NFft, hop = Options.HopLength;
        if (Options.Center) return 1 + samples / hop;
        return samples < n ? 0 : 1 + (samples - n) / hop;
    }

    /// <summary>Magnitude and power spectrogram of a signal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Spectrogram Compute(ReadOnlySpan<float> y)
    {
        int frames = FrameCount(y.Length);
        int bins = Bins;
        var mag = GC.AllocateUninitializedArray<float>(bins * frames);
        var ws = _plan.CreateWorkspace();
        const int lanes = 4, tileFrames = 16;
        // Results of 16 frames are gathered in a [bins × 16] tile, then copied out one 64-byte row piece per bin:
        // far fewer scattered partial cache-line writes than storing 4 frames at a time.
        var tileMag = new float[bins * tileFrames];
        int offset = Options.Center ? Options.NFft / 2 : 0, hop = Options.HopLength;
        for (int tile0 = 0; tile0 < frames; tile0 += tileFrames)
        {
            int inTile = Math.Min(tileFrames, frames - tile0);
            for (int sub = 0; sub < inTile; sub += lanes)
            {
                int t0 = tile0 + sub;
                int valid = Math.Min(lanes, frames - t0);
                LaneFill.Windowed(y, t0 * hop - offset, hop, valid, _window, ws.Input);
                _plan.Forward(ws);
                var re = ws.Re;
                var im = ws.Im;
                for (int k = 0; k < bins; k++)
                {
                    // Round to complex64 first (librosa's stft output), then |z| in float: numpy's abs of complex64.
                    var r = ToSingle(re[k]);
                    var i = ToSingle(im[k]);
                    var mf = Vector128.Sqrt(r * r + i * i);
                    mf.StoreUnsafe(ref tileMag[k * tileFrames + sub]);
                }
            }
            for (int k = 0; k < bins; k++)
            {
                tileMag.AsSpan(k * tileFrames, inTile).CopyTo(mag.AsSpan(k * frames + tile0, inTile));
            }
        }
        return new Spectrogram(bins, frames, Options.NFft, mag);
    }

    /// <summary>Complex STFT bins [firstBin, firstBin + count) of a signal, rounded to complex64.</summary>
    public ComplexBand ComputeComplex(ReadOnlySpan<float> y, int firstBin, int count)
    {
        if (firstBin < 0 || count < 0 || firstBin + count > Bins)
            throw new ArgumentOutOfRangeException(nameof(count), $"bins [{firstBin}, {firstBin + count}) outside 0..{Bins}");
        int frames = FrameCount(y.Length);
        var reOut = new float[count * frames];
        var imOut = new float[count * frames];
        var ws = _plan.CreateWorkspace();
        const int lanes = 4;
        for (int t0 = 0; t0 < frames; t0 += lanes)
        {
            int valid = Math.Min(lanes, frames - t0);
            LaneFill.Windowed(y, t0 * Options.HopLength - (Options.Center ? Options.NFft / 2 : 0), Options.HopLength, valid, _window, ws.Input);
            _plan.Forward(ws);
            for (int k = 0; k < count; k++)
            {
                var rf = ToSingle(ws.Re[firstBin + k]);
                var imf = ToSingle(ws.Im[firstBin + k]);
                int o = k * frames + t0;
                if (valid == lanes)
                {
                    rf.StoreUnsafe(ref reOut[o]);
                    imf.StoreUnsafe(ref imOut[o]);
                }
                else
                {
                    for (int l = 0; l < valid; l++)
                    {
                        reOut[o + l] = rf.GetElement(l);
                        imOut[o + l] = imf.GetElement(l);
                    }
                }
            }
        }
        return new ComplexBand(firstBin, count, frames, reOut, imOut);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ToSingle(Vector256<double> v) =>
        Avx.IsSupported ? Avx.ConvertToVector128Single(v) : Vector256.Narrow(v, v).GetLower();
}
