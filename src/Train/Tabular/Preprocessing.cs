using Mmcs.Core;
using Mmcs.Train.Data;

namespace Mmcs.Train.Tabular;

/// <summary>How numeric features are rescaled (fitted on the training rows only).</summary>
public static class Normalizers
{
    public const string None = "none";
    public const string MinMax = "minmax";
    public const string Standard = "standard";
    public const string Robust = "robust";

    /// <summary>sign(x)·log(1 + |x|), then standardised: tames heavy tails.</summary>
    public const string LogStandard = "log_standard";

    public static IReadOnlyList<string> All { get; } = [None, MinMax, Standard, Robust, LogStandard];
}

/// <summary>Optional feature selection (fitted on the training rows only).</summary>
public static class Selectors
{
    public const string None = "none";

    /// <summary>Keep the columns with the largest one-way ANOVA F statistic against the class.</summary>
    public const string AnovaF = "anova_f";

    /// <summary>Keep the columns with the largest mutual information with the class (values binned by training quantiles).</summary>
    public const string MutualInformation = "mutual_info";

    public static IReadOnlyList<string> All { get; } = [None, AnovaF, MutualInformation];
}

/// <summary>The preprocessing choices of one pipeline.</summary>
/// <param name="Normalizer">One of <see cref="Normalizers"/>.</param>
/// <param name="Selector">One of <see cref="Selectors"/>.</param>
/// <param name="SelectFraction">The share of encoded columns kept by the selector, in (0, 1].</param>
public sealed record PreprocessOptions(string Normalizer = Normalizers.None, string Selector = Selectors.None, double SelectFraction = 1)
{
    /// <summary>Input columns whose names start with one of these are left out of the model's inputs (still imputed,
    /// encoded and scaled with the rest, so the fitted state keeps every input column; the selector chooses among the
    /// others and its fraction counts them only).</summary>
    public IReadOnlyList<string> DropColumns { get; init; } = [];

    public void Validate()
    {
        if (DropColumns.Any(string.IsNullOrWhiteSpace))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "a column prefix to drop is empty");
        if (!Normalizers.All.Contains(Normalizer))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"unknown normaliser '{Normalizer}' (known: {string.Join(", ", Normalizers.All)})");
        if (!Selectors.All.Contains(Selector))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"unknown feature selector '{Selector}' (known: {string.Join(", ", Selectors.All)})");
        if (!(SelectFraction > 0 && SelectFraction <= 1))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"selection fraction must be in (0, 1], got {SelectFraction}");
    }
}

/// <summary>
/// The fitted state of a pipeline's preprocessing: median imputation of numeric columns, one-hot encoding of
/// categorical ones (levels of the training rows; unseen levels encode as all zeros), a per-column affine scaler
/// (after an optional signed log) and the indices of the kept encoded columns. Serialisable as JSON; every
/// parameter comes from the rows it was fitted on.
/// </summary>
public sealed record FittedPreprocessor
{
    /// <summary>The input columns, in frame order, with their kinds.</summary>
    public required IReadOnlyList<string> InputColumns { get; init; }

    public required IReadOnlyList<ColumnKind> InputKinds { get; init; }

    /// <summary>Median of each numeric input column over the training rows (NaN entries for categorical columns).</summary>
    public required IReadOnlyList<double> Medians { get; init; }

    /// <summary>Levels of each categorical input column seen in training, in sorted order (empty for numeric columns).</summary>
    public required IReadOnlyList<IReadOnlyList<string>> Levels { get; init; }

    /// <summary>Names of the encoded columns (numeric columns keep their names; one-hot columns are "name=level").</summary>
    public required IReadOnlyList<string> EncodedNames { get; init; }

    public required string Normalizer { get; init; }

    /// <summary>Whether the signed log is applied before the affine scaling (of numeric columns only).</summary>
    public bool SignedLog { get; init; }

    /// <summary>(x − Offset) · Scale per encoded column.</summary>
    public required IReadOnlyList<double> Offset { get; init; }

    public required IReadOnlyList<double> Scale { get; init; }

    /// <summary>Indices into the encoded columns that the model reads, ascending.</summary>
    public required IReadOnlyList<int> Selected { get; init; }

    /// <summary>Selector scores of every encoded column (empty when nothing was selected).</summary>
    public IReadOnlyList<double> SelectionScores { get; init; } = [];

    public int OutputWidth => Selected.Count;

    /// <summary>Names of the columns the model reads.</summary>
    public IReadOnlyList<string> OutputNames => Selected.Select(i => EncodedNames[i]).ToArray();

    /// <summary>Fits on the given rows of <paramref name="frame"/> (labels are used by the selector only).</summary>
    public static FittedPreprocessor Fit(TabularFrame frame, IReadOnlyList<int> labels, int classes, IReadOnlyList<int> rows,
        PreprocessOptions options)
    {
        options.Validate();
        if (rows.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, "cannot fit preprocessing on zero rows");
        var medians = new double[frame.Columns.Count];
        var levels = new IReadOnlyList<string>[frame.Columns.Count];
        var names = new List<string>();
        var isNumeric = new List<bool>();
        var allowed = new List<int>(); // the encoded columns the model may read: all but those of the dropped input columns
        for (int j = 0; j < frame.Columns.Count; j++)
        {
            var col = frame.Columns[j];
            int firstEncoded = names.Count;
            if (col.Kind == ColumnKind.Numeric)
            {
                var values = rows.Select(r => col.Numbers![r]).Where(v => !double.IsNaN(v)).ToArray();
                medians[j] = values.Length == 0 ? 0 : Median(values);
                levels[j] = [];
                names.Add(col.Name);
                isNumeric.Add(true);
            }
            else
            {
                medians[j] = 0; // not used (JSON has no NaN)
                levels[j] = rows.Select(r => col.Categories![r]).Where(v => v != null).Select(v => v!)
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
                foreach (var level in levels[j])
                {
                    names.Add(col.Name + "=" + level);
                    isNumeric.Add(false);
                }
            }
            if (!options.DropColumns.Any(p => col.Name.StartsWith(p, StringComparison.Ordinal)))
                allowed.AddRange(Enumerable.Range(firstEncoded, names.Count - firstEncoded));
        }
        var partial = new FittedPreprocessor
        {
            InputColumns = frame.ColumnNames,
            InputKinds = frame.Columns.Select(c => c.Kind).ToArray(),
            Medians = medians,
            Levels = levels,
            EncodedNames = names,
            Normalizer = options.Normalizer,
            SignedLog = options.Normalizer == Normalizers.LogStandard,
            Offset = new double[names.Count],
            Scale = Enumerable.Repeat(1.0, names.Count).ToArray(),
            Selected = Enumerable.Range(0, names.Count).ToArray(),
        };
        if (allowed.Count == 0)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"dropping the columns starting with {string.Join(", ", options.DropColumns)} leaves none of the {frame.Columns.Count}");
        var encoded = partial.Encode(frame, rows);
        var (offset, scale) = FitScaler(encoded, isNumeric, options.Normalizer);
        var fitted = partial with { Offset = offset, Scale = scale, Selected = allowed.ToArray() };
        if (options.Selector == Selectors.None || options.SelectFraction >= 1 || allowed.Count <= 1) return fitted;

        var scaled = fitted.Apply(encoded);
        var y = rows.Select(r => labels[r]).ToArray();
        var scores = options.Selector == Selectors.AnovaF ? AnovaF(scaled, y, classes) : MutualInformation(scaled, y, classes);
        int keep = Math.Max(1, (int)Math.Round(options.SelectFraction * allowed.Count));
        var selected = allowed.OrderByDescending(i => scores[i]).ThenBy(i => i).Take(keep).Order().ToArray();
        return fitted with { Selected = selected, SelectionScores = scores };
    }

    /// <summary>The model inputs of the given rows (all rows when null).</summary>
    public float[][] Transform(TabularFrame frame, IReadOnlyList<int>? rows = null)
    {
        rows ??= Enumerable.Range(0, frame.RowCount).ToArray();
        var scaled = Apply(Encode(frame, rows));
        var output = new float[rows.Count][];
        for (int i = 0; i < rows.Count; i++)
        {
            var o = new float[Selected.Count];
            for (int k = 0; k < Selected.Count; k++) o[k] = (float)scaled[i][Selected[k]];
            output[i] = o;
        }
        return output;
    }

    /// <summary>Checks that <paramref name="frame"/> has the columns this was fitted on, by name and kind; returns it reordered.</summary>
    public TabularFrame Align(TabularFrame frame)
    {
        var columns = new FrameColumn[InputColumns.Count];
        for (int j = 0; j < InputColumns.Count; j++)
        {
            int index = frame.IndexOf(InputColumns[j]);
            if (index < 0)
                throw new MmcsException(ErrorCodes.DataInvalid, $"the input has no column '{InputColumns[j]}', which the model was trained on");
            if (frame.Columns[index].Kind != InputKinds[j])
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"column '{InputColumns[j]}' is {frame.Columns[index].Kind.ToString().ToLowerInvariant()} but the model was trained on it as {InputKinds[j].ToString().ToLowerInvariant()}");
            columns[j] = frame.Columns[index];
        }
        return new TabularFrame(columns);
    }

    private double[][] Encode(TabularFrame frame, IReadOnlyList<int> rows)
    {
        var result = new double[rows.Count][];
        for (int i = 0; i < rows.Count; i++)
        {
            var e = new double[EncodedNames.Count];
            int k = 0;
            for (int j = 0; j < InputColumns.Count; j++)
            {
                var col = frame.Columns[j];
                if (InputKinds[j] == ColumnKind.Numeric)
                {
                    double v = col.Numbers![rows[i]];
                    e[k++] = double.IsNaN(v) ? Medians[j] : v;
                }
                else
                {
                    string? v = col.Categories![rows[i]];
                    var lv = Levels[j];
                    for (int l = 0; l < lv.Count; l++) e[k + l] = v != null && string.Equals(lv[l], v, StringComparison.Ordinal) ? 1 : 0;
                    k += lv.Count;
                }
            }
            result[i] = e;
        }
        return result;
    }

    private double[][] Apply(double[][] encoded)
    {
        var numeric = NumericMask();
        var result = new double[encoded.Length][];
        for (int i = 0; i < encoded.Length; i++)
        {
            var r = new double[encoded[i].Length];
            for (int k = 0; k < r.Length; k++)
            {
                double v = encoded[i][k];
                if (SignedLog && numeric[k]) v = Math.Sign(v) * Math.Log(1 + Math.Abs(v));
                r[k] = Scaled(v, Offset[k], Scale[k]);
            }
            result[i] = r;
        }
        return result;
    }

    private bool[] NumericMask()
    {
        var mask = new bool[EncodedNames.Count];
        int k = 0;
        for (int j = 0; j < InputColumns.Count; j++)
        {
            if (InputKinds[j] == ColumnKind.Numeric) mask[k++] = true;
            else k += Levels[j].Count;
        }
        return mask;
    }

    /// <summary>(v − offset) · scale, without overflowing where v and the offset are far apart near ±1e308.</summary>
    private static double Scaled(double v, double offset, double scale)
    {
        double r = (v - offset) * scale;
        return double.IsFinite(r) || !double.IsFinite(v) ? r : v * scale - offset * scale;
    }

    /// <summary>1 / (hi − lo) for a positive spread, computed from halves where hi − lo overflows (±1e308); else 1.</summary>
    private static double InverseSpread(double hi, double lo, double floor)
    {
        double spread = hi - lo;
        if (double.IsFinite(spread)) return spread > floor ? 1 / spread : 1;
        return 0.5 / (hi / 2 - lo / 2);
    }

    private static (double[] Offset, double[] Scale) FitScaler(double[][] encoded, IReadOnlyList<bool> isNumeric, string normalizer)
    {
        int d = isNumeric.Count;
        var offset = new double[d];
        var scale = Enumerable.Repeat(1.0, d).ToArray();
        if (normalizer == Normalizers.None) return (offset, scale);
        for (int k = 0; k < d; k++)
        {
            if (!isNumeric[k]) continue; // one-hot columns stay 0/1
            var v = encoded.Select(r => r[k]).ToArray();
            if (normalizer == Normalizers.LogStandard) v = v.Select(x => Math.Sign(x) * Math.Log(1 + Math.Abs(x))).ToArray();
            switch (normalizer)
            {
                case Normalizers.MinMax:
                {
                    double min = v.Min(), max = v.Max();
                    offset[k] = min;
                    scale[k] = InverseSpread(max, min, 0);
                    break;
                }
                case Normalizers.Standard or Normalizers.LogStandard:
                {
                    double mean = v.Average();
                    double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
                    if (!double.IsFinite(mean) || !double.IsFinite(sd))
                    {
                        // values near ±1e308 overflow the sums: the same in units of the largest magnitude
                        double unit = v.Max(Math.Abs);
                        double m = v.Average(x => x / unit);
                        mean = m * unit;
                        sd = Math.Sqrt(v.Sum(x => (x / unit - m) * (x / unit - m)) / v.Length) * unit;
                    }
                    offset[k] = mean;
                    scale[k] = sd > 1e-12 ? 1 / sd : 1;
                    break;
                }
                case Normalizers.Robust:
                {
                    var sorted = v.Order().ToArray();
                    offset[k] = Quantile(sorted, 0.5);
                    scale[k] = InverseSpread(Quantile(sorted, 0.75), Quantile(sorted, 0.25), 1e-12);
                    break;
                }
            }
        }
        return (offset, scale);
    }

    /// <summary>One-way ANOVA F of every column against the classes (0 for constant columns).</summary>
    internal static double[] AnovaF(double[][] x, int[] y, int classes)
    {
        int n = x.Length, d = n == 0 ? 0 : x[0].Length;
        var f = new double[d];
        var counts = new int[classes];
        foreach (int c in y) counts[c]++;
        int present = counts.Count(c => c > 0);
        for (int k = 0; k < d; k++)
        {
            double grand = 0;
            var sums = new double[classes];
            for (int i = 0; i < n; i++)
            {
                grand += x[i][k];
                sums[y[i]] += x[i][k];
            }
            grand /= n;
            double between = 0, within = 0;
            for (int c = 0; c < classes; c++)
            {
                if (counts[c] == 0) continue;
                double mean = sums[c] / counts[c];
                between += counts[c] * (mean - grand) * (mean - grand);
            }
            for (int i = 0; i < n; i++)
            {
                double mean = sums[y[i]] / counts[y[i]];
                within += (x[i][k] - mean) * (x[i][k] - mean);
            }
            double dfBetween = present - 1, dfWithin = n - present;
            if (dfBetween <= 0 || dfWithin <= 0 || between <= 0) f[k] = 0;
            else f[k] = within <= 1e-300 ? double.MaxValue : between / dfBetween / (within / dfWithin);
        }
        return f;
    }

    /// <summary>Mutual information (nats) between each column, binned into up to 10 quantile bins, and the class.</summary>
    internal static double[] MutualInformation(double[][] x, int[] y, int classes)
    {
        int n = x.Length, d = n == 0 ? 0 : x[0].Length;
        var mi = new double[d];
        var py = new double[classes];
        foreach (int c in y) py[c] += 1.0 / n;
        int bins = Math.Max(2, Math.Min(10, n / 5));
        for (int k = 0; k < d; k++)
        {
            var sorted = x.Select(r => r[k]).Order().ToArray();
            var edges = Enumerable.Range(1, bins - 1).Select(b => Quantile(sorted, (double)b / bins)).Distinct().ToArray();
            var joint = new double[edges.Length + 1, classes];
            var px = new double[edges.Length + 1];
            for (int i = 0; i < n; i++)
            {
                int b = Array.BinarySearch(edges, x[i][k]);
                b = b >= 0 ? b + 1 : ~b;
                joint[b, y[i]] += 1.0 / n;
                px[b] += 1.0 / n;
            }
            double sum = 0;
            for (int b = 0; b < px.Length; b++)
            {
                for (int c = 0; c < classes; c++)
                {
                    if (joint[b, c] > 0) sum += joint[b, c] * Math.Log(joint[b, c] / (px[b] * py[c]));
                }
            }
            mi[k] = sum;
        }
        return mi;
    }

    private static double Median(double[] values) => Quantile(values.Order().ToArray(), 0.5);

    private static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return 0;
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
