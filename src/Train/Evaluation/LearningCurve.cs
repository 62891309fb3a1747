using Mmcs.Core;

namespace Mmcs.Train.Evaluation;

/// <summary>
/// Learning curves: how a cross-validated score grows with the size of the training folds. <see cref="TrainingShare"/>
/// draws a smaller training set inside a fold (the test fold stays the same); <see cref="Fit"/> fits the scores with
/// a straight line in log2(training size), the usual shape of such curves over a few doublings.
/// </summary>
public sealed class LearningCurve
{
    private LearningCurve(double intercept, double slope, double residualSd, int points, double meanLog2Size, double log2SizeSumOfSquares)
    {
        Intercept = intercept;
        SlopePerDoubling = slope;
        ResidualSd = residualSd;
        Points = points;
        MeanLog2Size = meanLog2Size;
        Log2SizeSumOfSquares = log2SizeSumOfSquares;
    }

    /// <summary>The score at size 1 (log2 size 0).</summary>
    public double Intercept { get; }

    /// <summary>The score gained per doubling of the training size.</summary>
    public double SlopePerDoubling { get; }

    /// <summary>The residual standard deviation about the line (points − 2 degrees of freedom); NaN for two points.</summary>
    public double ResidualSd { get; }

    /// <summary>The fitted points, the mean of their log2 sizes and the sum of squared deviations from it.</summary>
    public int Points { get; }
    public double MeanLog2Size { get; }
    public double Log2SizeSumOfSquares { get; }

    /// <summary>
    /// A share of a fold's training rows, whole groups at a time (an artist's songs stay together), with no class above
    /// its share of the training rows (rounded up): groups in a seeded random order, each taken only if no class then
    /// exceeds its share, until the share of all rows is reached or no group is left. Share 1 returns every row.
    /// Sorted row indices. Groups larger than their class's share are never taken, so at small shares the draw leans
    /// to artists with few songs.
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
        if (points.Any(p => !(p.Size > 0 && double.IsFinite(p.Size)) || !double.IsFinite(p.Score)))
            throw new ArgumentException("learning-curve sizes must be positive and finite, and scores finite", nameof(points));
        if (points.Select(p => p.Size).Distinct().Count() < 2)
            throw new ArgumentException("a learning curve needs at least two distinct training sizes", nameof(points));
        var x = points.Select(p => Math.Log2(p.Size)).ToArray();
        var y = points.Select(p => p.Score).ToArray();
        double mx = x.Average(), my = y.Average();
        double sxx = x.Sum(v => (v - mx) * (v - mx));
        double slope = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum() / sxx;
        double intercept = my - slope * mx;
        double residual = points.Count > 2
            ? Math.Sqrt(x.Zip(y, (a, b) => Math.Pow(b - (intercept + slope * a), 2)).Sum() / (points.Count - 2))
            : double.NaN;
        return new LearningCurve(intercept, slope, residual, points.Count, mx, sxx);
    }

    /// <summary>
    /// The confidence interval of the fitted line (the mean response) at a training size, by Student's t with points − 2
    /// degrees of freedom. It assumes independent errors and a curve that stays straight in log2(size); beyond the
    /// measured sizes that is an assumption the points cannot show, and a new measurement would scatter more (a
    /// prediction interval is wider). Needs three points or more.
    /// </summary>
    public (double Low, double High) Interval(double size, double level = 0.95)
    {
        if (Points < 3) throw new InvalidOperationException("an interval needs a fit of three points or more");
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "a confidence level is in (0, 1)");
        double at = At(size);
        double d = Math.Log2(size) - MeanLog2Size;
        double se = ResidualSd * Math.Sqrt(1.0 / Points + d * d / Log2SizeSumOfSquares);
        double t = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, Points - 2, 1 - (1 - level) / 2);
        return (at - t * se, at + t * se);
    }

    /// <summary>The fitted score at a training size (beyond the measured sizes it is an extrapolation).</summary>
    public double At(double size) => size > 0 && double.IsFinite(size) ? Intercept + SlopePerDoubling * Math.Log2(size)
        : throw new ArgumentOutOfRangeException(nameof(size), size, "a training size must be positive and finite");
}
