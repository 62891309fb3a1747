using Mmcs.Core;

namespace Mmcs.Train.Evaluation;

/// <summary>
/// Learning curves: how a cross-validated score grows with the size of the training folds. <see cref="TrainingShare"/>
/// draws a smaller training set inside a fold (the test fold stays the same); <see cref="Fit"/> fits the scores with
/// a straight line in log2(training size), the usual shape of such curves over a few doublings.
/// </summary>
public sealed record LearningCurve(double Intercept, double SlopePerDoubling, double ResidualSd)
{
    // log2 of the fitted sizes: their mean, sum of squared deviations and count (for intervals)
    private double _meanLog2;
    private double _sxx;
    private int _points;

    /// <summary>
    /// A share of a fold's training rows, whole groups at a time (an artist's songs stay together) and class by class:
    /// groups in a seeded random order, each taken only if no class then exceeds its share of the training rows
    /// (rounded up), until the share of all rows is reached. Share 1 returns every row. Sorted row indices.
    /// </summary>
    /// <param name="rows">The fold's training rows (indices into <paramref name="labels"/> and <paramref name="groups"/>).</param>
    public static int[] TrainingShare(IReadOnlyList<int> rows, IReadOnlyList<int> labels, IReadOnlyList<string> groups, double share, int seed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(groups);
        if (!(share > 0 && share <= 1))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"a training share must be above 0 and at most 1, got {share.ToString(Invariant.Culture)}");
        if (labels.Count != groups.Count) throw new ArgumentException($"{groups.Count} groups for {labels.Count} labels", nameof(groups));
        if (share >= 1) return [.. rows.Order()];
        var quota = rows.GroupBy(r => labels[r]).ToDictionary(g => g.Key, g => (int)Math.Ceiling(share * g.Count()));
        int target = (int)Math.Round(share * rows.Count);
        var taken = new Dictionary<int, int>();
        var kept = new List<int>();
        var rng = new Random(seed);
        // ordinal order first, so that the seeded shuffle does not depend on the order rows came in
        var shuffled = rows.GroupBy(r => groups[r]).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (Group: g, Key: rng.Next()))
            .OrderBy(t => t.Key).Select(t => t.Group);
        foreach (var group in shuffled)
        {
            if (kept.Count >= target) break;
            var counts = group.GroupBy(r => labels[r]).ToDictionary(g => g.Key, g => g.Count());
            if (counts.Any(c => taken.GetValueOrDefault(c.Key) + c.Value > quota[c.Key])) continue;
            foreach (var (c, n) in counts) taken[c] = taken.GetValueOrDefault(c) + n;
            kept.AddRange(group);
        }
        return [.. kept.Order()];
    }

    /// <summary>Least squares of score = intercept + slope · log2(size) over two or more distinct sizes.</summary>
    public static LearningCurve Fit(IReadOnlyList<(double Size, double Score)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Any(p => !(p.Size > 0) || !double.IsFinite(p.Score)))
            throw new ArgumentException("learning-curve sizes must be positive and scores finite", nameof(points));
        var x = points.Select(p => Math.Log2(p.Size)).ToArray();
        var y = points.Select(p => p.Score).ToArray();
        double mx = x.Average(), my = y.Average();
        double sxx = x.Sum(v => (v - mx) * (v - mx));
        if (points.Count < 2 || sxx <= 0) throw new ArgumentException("a learning curve needs at least two distinct training sizes", nameof(points));
        double slope = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum() / sxx;
        double intercept = my - slope * mx;
        double residual = points.Count > 2
            ? Math.Sqrt(x.Zip(y, (a, b) => Math.Pow(b - (intercept + slope * a), 2)).Sum() / (points.Count - 2))
            : double.NaN;
        return new LearningCurve(intercept, slope, residual) { _meanLog2 = mx, _sxx = sxx, _points = points.Count };
    }

    /// <summary>
    /// The confidence interval of the fitted line at a training size (Student's t with points − 2 degrees of freedom):
    /// how well the points pin the line down there, assuming the curve stays straight in log2(size), which beyond the
    /// measured sizes is an assumption, not something the points show. Needs three points or more.
    /// </summary>
    public (double Low, double High) Interval(double size, double level = 0.95)
    {
        if (_points < 3) throw new InvalidOperationException("an interval needs a fit of three points or more");
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "a confidence level is in (0, 1)");
        double at = At(size);
        double d = Math.Log2(size) - _meanLog2;
        double se = ResidualSd * Math.Sqrt(1.0 / _points + d * d / _sxx);
        double t = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, _points - 2, 1 - (1 - level) / 2);
        return (at - t * se, at + t * se);
    }

    /// <summary>The fitted score at a training size (beyond the measured sizes it is an extrapolation).</summary>
    public double At(double size) => size > 0 ? Intercept + SlopePerDoubling * Math.Log2(size)
        : throw new ArgumentOutOfRangeException(nameof(size), size, "a training size must be positive");
}
