using MathNet.Numerics;

namespace Mmcs.Notebooks.Eda;

/// <summary>One-way ANOVA of a feature across classes.</summary>
/// <param name="F">Between-class mean square over within-class mean square (NaN when undefined).</param>
/// <param name="PValue">P(F(df1, df2) ≥ F): the chance of a separation this large if the class means were equal.</param>
/// <param name="DfBetween">Classes − 1.</param>
/// <param name="DfWithin">Samples − classes.</param>
public sealed record AnovaResult(double F, double PValue, int DfBetween, int DfWithin);

/// <summary>
/// How well one feature separates the classes: the one-way ANOVA F test (as scikit-learn's f_classif) and the
/// mutual information between the feature and the class (the k-nearest-neighbour estimator of Ross 2014, as
/// scikit-learn's mutual_info_classif, without its jitter).
/// </summary>
public static class Separability
{
    /// <summary>
    /// One-way ANOVA: F = (SSB / (k − 1)) / (SSW / (N − k)) over the classes present, with its upper-tail p-value
    /// from the regularised incomplete beta function (accurate for tiny p, unlike 1 − CDF). NaN values are ignored.
    /// </summary>
    public static AnovaResult Anova(IReadOnlyList<double> values, IReadOnlyList<int> classes)
    {
        var groups = Groups(values, classes);
        int k = groups.Count;
        int n = groups.Sum(g => g.Count);
        int df1 = k - 1, df2 = n - k;
        if (k < 2 || df2 < 1) return new AnovaResult(double.NaN, double.NaN, Math.Max(df1, 0), Math.Max(df2, 0));
        double grand = groups.Sum(g => g.Sum()) / n;
        double ssb = 0, ssw = 0;
        foreach (var g in groups)
        {
            double mean = g.Average();
            ssb += g.Count * (mean - grand) * (mean - grand);
            foreach (var x in g) ssw += (x - mean) * (x - mean);
        }
        if (ssw == 0) return new AnovaResult(ssb == 0 ? double.NaN : double.PositiveInfinity, ssb == 0 ? double.NaN : 0, df1, df2);
        double f = ssb / df1 / (ssw / df2);
        return new AnovaResult(f, FUpperTail(f, df1, df2), df1, df2);
    }

    /// <summary>P(X ≥ f) for X ~ F(df1, df2) = I_{df2/(df2 + df1 f)}(df2/2, df1/2).</summary>
    public static double FUpperTail(double f, int df1, int df2)
    {
        if (double.IsNaN(f)) return double.NaN;
        if (f <= 0) return 1;
        if (double.IsPositiveInfinity(f)) return 0;
        double x = df2 / (df2 + df1 * f);
        return SpecialFunctions.BetaRegularized(df2 / 2.0, df1 / 2.0, x);
    }

    /// <summary>
    /// Mutual information I(feature; class) in nats, estimated with k nearest neighbours (Ross 2014):
    /// I = ψ(N) + ⟨ψ(k_i)⟩ − ⟨ψ(N_c(i))⟩ − ⟨ψ(m_i)⟩, where d_i is the distance from sample i to its k_i-th nearest
    /// neighbour of the same class (k_i = min(k, N_c − 1)), and m_i counts the other samples, of any class, within
    /// d_i. Samples alone in their class and NaN values are left out; negative estimates are clipped to 0.
    /// As scikit-learn does, the feature is scaled to unit variance and a tiny jitter (1e-10 of its mean magnitude,
    /// from a fixed seed, so the result is reproducible) breaks ties: without it a feature with repeated values (key,
    /// mode, tempo on librosa's grid) would count whole tie groups as neighbours and read as 0.
    /// </summary>
    public static double MutualInformation(IReadOnlyList<double> values, IReadOnlyList<int> classes, int neighbours = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(neighbours, 1);
        var groups = Groups(Jittered(values), classes).Where(g => g.Count > 1).Select(g => g.Order().ToArray()).ToList();
        int n = groups.Sum(g => g.Length);
        if (groups.Count < 2) return 0;
        var all = groups.SelectMany(g => g).Order().ToArray();
        double sumK = 0, sumNc = 0, sumM = 0;
        foreach (var g in groups)
        {
            int k = Math.Min(neighbours, g.Length - 1);
            for (int i = 0; i < g.Length; i++)
            {
                double d = KthNeighbourDistance(g, i, k);
                // Other samples within d of g[i] in the whole (sorted) data: the points in [x − d, x + d], less itself.
                int m = CountWithin(all, g[i], d) - 1;
                sumK += SpecialFunctions.DiGamma(k);
                sumNc += SpecialFunctions.DiGamma(g.Length);
                sumM += SpecialFunctions.DiGamma(m);
            }
        }
        double mi = SpecialFunctions.DiGamma(n) + (sumK - sumNc - sumM) / n;
        return Math.Max(0, mi);
    }

    /// <summary>The values scaled to unit (population) standard deviation plus N(0, 1) · 1e-10 · max(1, mean |x|),
    /// from a fixed seed (scikit-learn's mutual_info_classif does the same with a random one).</summary>
    internal static double[] Jittered(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        double mean = finite.Length > 0 ? finite.Average() : 0;
        double sd = finite.Length > 1 ? Math.Sqrt(finite.Sum(x => (x - mean) * (x - mean)) / finite.Length) : 0;
        double scale = sd > 0 ? 1 / sd : 1;
        double magnitude = finite.Length > 0 ? finite.Average(x => Math.Abs(x * scale)) : 0;
        double amplitude = 1e-10 * Math.Max(1, magnitude);
        var random = new Random(20140220); // fixed: the same table gives the same estimate
        var result = new double[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            // Box–Muller: a standard normal from two uniforms.
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            double normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            result[i] = values[i] * scale + amplitude * normal;
        }
        return result;
    }

    /// <summary>Pearson correlation of two equally long series (pairs with a NaN are skipped; NaN when undefined).</summary>
    public static double Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException("the series differ in length");
        double sa = 0, sb = 0;
        int n = 0;
        for (int i = 0; i < a.Count; i++)
        {
            if (double.IsNaN(a[i]) || double.IsNaN(b[i])) continue;
            sa += a[i];
            sb += b[i];
            n++;
        }
        if (n < 2) return double.NaN;
        double ma = sa / n, mb = sb / n, sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Count; i++)
        {
            if (double.IsNaN(a[i]) || double.IsNaN(b[i])) continue;
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        return saa == 0 || sbb == 0 ? double.NaN : Math.Clamp(sab / Math.Sqrt(saa * sbb), -1, 1);
    }

    /// <summary>Distance from sorted[i] to its k-th nearest other element of <paramref name="sorted"/> (k ≥ 1).</summary>
    private static double KthNeighbourDistance(double[] sorted, int i, int k)
    {
        int left = i - 1, right = i + 1;
        double d = 0;
        for (int taken = 0; taken < k; taken++)
        {
            double dl = left >= 0 ? sorted[i] - sorted[left] : double.PositiveInfinity;
            double dr = right < sorted.Length ? sorted[right] - sorted[i] : double.PositiveInfinity;
            if (dl <= dr)
            {
                d = dl;
                left--;
            }
            else
            {
                d = dr;
                right++;
            }
        }
        return d;
    }

    /// <summary>How many elements y of <paramref name="sorted"/> have |y − x| ≤ d, with the distance computed exactly as
    /// the neighbour distances were (x + d may round differently from the neighbour it came from).</summary>
    private static int CountWithin(double[] sorted, double x, double d)
    {
        int lo = LowerBound(sorted, x - d);
        while (lo > 0 && Math.Abs(x - sorted[lo - 1]) <= d) lo--;
        while (lo < sorted.Length && Math.Abs(x - sorted[lo]) > d) lo++;
        int hi = UpperBound(sorted, x + d);
        while (hi < sorted.Length && Math.Abs(sorted[hi] - x) <= d) hi++;
        while (hi > lo && Math.Abs(sorted[hi - 1] - x) > d) hi--;
        return hi - lo;
    }

    /// <summary>First index whose value is ≥ x.</summary>
    private static int LowerBound(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>First index whose value is > x.</summary>
    private static int UpperBound(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static List<List<double>> Groups(IReadOnlyList<double> values, IReadOnlyList<int> classes)
    {
        if (values.Count != classes.Count)
            throw new ArgumentException($"{values.Count} values but {classes.Count} class labels");
        var byClass = new SortedDictionary<int, List<double>>();
        for (int i = 0; i < values.Count; i++)
        {
            if (double.IsNaN(values[i])) continue;
            if (!byClass.TryGetValue(classes[i], out var list)) byClass[classes[i]] = list = new List<double>();
            list.Add(values[i]);
        }
        return byClass.Values.ToList();
    }
}
