using Mmcs.Core;
using Mmcs.Train.Cnn.Data;

namespace Mmcs.Train.Cnn;

/// <summary>How images are standardised before the network sees them.</summary>
public enum NormalizationMode
{
    /// <summary>Left as they are.</summary>
    None,

    /// <summary>One mean and standard deviation over every value.</summary>
    Global,

    /// <summary>A mean and standard deviation per row (frequency bin / coefficient) over every frame of every image.</summary>
    PerRow,
}

/// <summary>
/// Standardises images with statistics fitted on the training split only and saved with the model (the original
/// study fitted its scalers on every split, test included: a leak). Immutable once fitted.
/// </summary>
public sealed class ImageNormalizer
{
    /// <summary>Standard deviations below this are treated as this (constant rows do not blow up).</summary>
    public const double MinStd = 1e-6;

    private readonly float[] _mean;
    private readonly float[] _invStd;

    public ImageNormalizer(NormalizationMode mode, int rows, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        int expected = mode switch { NormalizationMode.None => 0, NormalizationMode.Global => 1, _ => rows };
        if (mean.Count != expected || std.Count != expected)
            throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"a {mode} normaliser of {rows} rows needs {expected} means and deviations, got {mean.Count} and {std.Count}");
        if (mean.Any(m => !double.IsFinite(m)) || std.Any(s => !double.IsFinite(s) || s <= 0))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "normaliser statistics must be finite with positive deviations");
        Mode = mode;
        Rows = rows;
        Mean = mean.ToArray();
        Std = std.ToArray();
        _mean = Mean.Select(m => (float)m).ToArray();
        _invStd = Std.Select(s => (float)(1 / s)).ToArray();
    }

    public NormalizationMode Mode { get; }
    public int Rows { get; }
    public IReadOnlyList<double> Mean { get; }
    public IReadOnlyList<double> Std { get; }

    /// <summary>Fits the statistics on every image of <paramref name="training"/>, streaming (one image in memory).</summary>
    public static ImageNormalizer Fit(IImageSource training, NormalizationMode mode, CancellationToken cancellationToken = default)
    {
        int rows = training.Size.Rows, cols = training.Size.Cols;
        if (mode == NormalizationMode.None) return new ImageNormalizer(mode, rows, [], []);
        if (training.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, "cannot fit a normaliser on no images");
        int stats = mode == NormalizationMode.Global ? 1 : rows;
        // Per-image sums are shifted by the first image's row means, so that dB-scale values (around -40) do not
        // lose precision in the sum of squares.
        var shift = new double[stats];
        var sum = new double[stats];
        var sumSq = new double[stats];
        var image = new float[rows * cols];
        for (int i = 0; i < training.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            training.ReadImage(i, image);
            for (int r = 0; r < rows; r++)
            {
                int s = mode == NormalizationMode.Global ? 0 : r;
                var row = image.AsSpan(r * cols, cols);
                if (i == 0 && (mode == NormalizationMode.PerRow || r == 0))
                {
                    double m = 0;
                    foreach (float v in row) m += v;
                    shift[s] = m / cols;
                }
                double a = 0, b = 0, c = shift[s];
                foreach (float v in row)
                {
                    if (!float.IsFinite(v))
                        throw new MmcsException(ErrorCodes.DataInvalid, $"clip '{training.ItemId(i)}': its {training.Kind} image holds {v}");
                    double d = v - c;
                    a += d;
                    b += d * d;
                }
                sum[s] += a;
                sumSq[s] += b;
            }
        }
        double perStat = (double)training.Count * cols * (mode == NormalizationMode.Global ? rows : 1);
        var mean = new double[stats];
        var std = new double[stats];
        for (int s = 0; s < stats; s++)
        {
            double m = sum[s] / perStat;
            mean[s] = shift[s] + m;
            std[s] = Math.Max(MinStd, Math.Sqrt(Math.Max(0, sumSq[s] / perStat - m * m)));
        }
        return new ImageNormalizer(mode, rows, mean, std);
    }

    /// <summary>Standardises one image in place ([rows × cols], row-major).</summary>
    public void Apply(Span<float> image)
    {
        if (Mode == NormalizationMode.None) return;
        int cols = image.Length / Rows;
        if (cols * Rows != image.Length)
            throw new ArgumentException($"an image of {image.Length} values is not {Rows} rows", nameof(image));
        for (int r = 0; r < Rows; r++)
        {
            int s = Mode == NormalizationMode.Global ? 0 : r;
            float m = _mean[s], k = _invStd[s];
            var row = image.Slice(r * cols, cols);
            for (int c = 0; c < row.Length; c++) row[c] = (row[c] - m) * k;
        }
    }

    internal NormalizerState ToState() => new(Mode, Rows, Mean.ToArray(), Std.ToArray());

    internal static ImageNormalizer FromState(NormalizerState state) => new(state.Mode, state.Rows, state.Mean, state.Std);
}

/// <summary>The saved form of an <see cref="ImageNormalizer"/>.</summary>
internal sealed record NormalizerState(NormalizationMode Mode, int Rows, double[] Mean, double[] Std);
