using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace Mmcs.Featurize.Features;

/// <summary>Options of <see cref="ModulationSpectrum"/>: the envelopes' frame rate and the modulation bands.</summary>
public sealed record ModulationOptions
{
    public int SampleRate { get; init; } = 22050;
    public int HopLength { get; init; } = 512;

    /// <summary>Band edges in Hz, ascending: band b is [edges[b], edges[b+1]). The default octaves from 0.5 to 16 Hz
    /// cover phrase, beat and roughness-like fluctuation rates (a fluctuation pattern, after Pampalk).</summary>
    public IReadOnlyList<double> BandEdges { get; init; } = [0.5, 1, 2, 4, 8, 16];

    /// <summary>Frames per second of the envelopes (sr / hop).</summary>
    public double FrameRate => (double)SampleRate / HopLength;

    public void Validate()
    {
        if (SampleRate <= 0) throw new FeatureOptionsException($"modulation: sample rate must be positive, got {SampleRate}");
        if (HopLength < 1) throw new FeatureOptionsException($"modulation: hop_length must be positive, got {HopLength}");
        if (BandEdges.Count < 2) throw new FeatureOptionsException("modulation: at least two band edges are needed");
        for (int i = 0; i < BandEdges.Count; i++)
        {
            if (!(BandEdges[i] > 0) || (i > 0 && !(BandEdges[i] > BandEdges[i - 1])))
                throw new FeatureOptionsException($"modulation: band edges must be positive and ascending, got {string.Join(", ", BandEdges)}");
        }
        if (BandEdges[^1] > FrameRate / 2)
            throw new FeatureOptionsException($"modulation: the top edge {BandEdges[^1]} Hz is above the envelopes' Nyquist rate {FrameRate / 2:F2} Hz");
    }
}

/// <summary>
/// How strongly each envelope (row) of a [rows × frames] matrix, e.g. mel-band energies in dB, fluctuates in each
/// modulation band: the row minus its mean, Hann-windowed and zero-padded to the next power of two M, is Fourier
/// transformed over time; its periodogram |X_k|² / Σ w² is averaged over the bins whose frequency k·rate/M lies in
/// the band. Output [rows × bands]. A band narrower than the frequency resolution of a short input takes the bin
/// nearest its centre.
/// </summary>
public sealed class ModulationSpectrum
{
    public ModulationSpectrum(ModulationOptions? options = null)
    {
        options ??= new ModulationOptions();
        options.Validate();
        Options = options;
    }

    public ModulationOptions Options { get; }

    public int Bands => Options.BandEdges.Count - 1;

    public FeatureMatrix Compute(FeatureMatrix envelopes)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        int rows = envelopes.Rows, n = envelopes.Cols;
        if (n < 4) throw new FeatureInputException($"modulation spectrum needs at least 4 frames, got {n}");
        var window = MathNet.Numerics.Window.Hann(n);
        double windowPower = window.Sum(w => w * w);
        var result = new FeatureMatrix(rows, Bands);
        int m = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)n);
        var buffer = new Complex[m];
        var (lo, hi) = BandBins(m);
        for (int r = 0; r < rows; r++)
        {
            var row = envelopes.Row(r);
            double mean = 0;
            foreach (float v in row) mean += v;
            mean /= n;
            for (int t = 0; t < n; t++) buffer[t] = new Complex((row[t] - mean) * window[t], 0);
            Array.Clear(buffer, n, m - n);
            Fourier.Forward(buffer, FourierOptions.NoScaling);
            for (int b = 0; b < Bands; b++)
            {
                double sum = 0;
                for (int k = lo[b]; k <= hi[b]; k++) sum += buffer[k].Real * buffer[k].Real + buffer[k].Imaginary * buffer[k].Imaginary;
                result[r, b] = (float)(sum / (hi[b] - lo[b] + 1) / windowPower);
            }
        }
        return result;
    }

    /// <summary>The first and last bin of every band for a transform of length N.</summary>
    internal (int[] Lo, int[] Hi) BandBins(int n)
    {
        double rate = Options.FrameRate;
        var lo = new int[Bands];
        var hi = new int[Bands];
        for (int b = 0; b < Bands; b++)
        {
            lo[b] = (int)Math.Ceiling(Options.BandEdges[b] * n / rate);
            hi[b] = (int)Math.Ceiling(Options.BandEdges[b + 1] * n / rate) - 1;
            if (hi[b] < lo[b])
            {
                int centre = (int)Math.Round(Math.Sqrt(Options.BandEdges[b] * Options.BandEdges[b + 1]) * n / rate);
                lo[b] = hi[b] = Math.Clamp(centre, 1, n / 2);
            }
            lo[b] = Math.Max(lo[b], 1);
            hi[b] = Math.Min(hi[b], n / 2);
        }
        return (lo, hi);
    }
}
