using Mmcs.Notebooks.Eda;

namespace Mmcs.Notebooks.Tests.Eda;

public sealed class SeparabilityTests
{
    // Euler–Mascheroni; digamma of integers by hand: ψ(1) = −γ, ψ(n + 1) = ψ(n) + 1/n.
    private const double Gamma = 0.57721566490153286;

    private static double Digamma(int n) => -Gamma + Enumerable.Range(1, n - 1).Sum(i => 1.0 / i);

    [Fact]
    public void Anova_of_three_classes_matches_the_hand_computation()
    {
        // Means 2, 5, 8; grand mean 5. SSB = 3·(9 + 0 + 9) = 54 over 2 df; SSW = 2 + 2 + 2 = 6 over 6 df: F = 27.
        // For df1 = 2, P(F ≥ f) = (1 + 2f/df2)^(−df2/2) = (1 + 9)^(−3) = 0.001.
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        int[] y = [0, 0, 0, 1, 1, 1, 2, 2, 2];

        var r = Separability.Anova(x, y);

        Assert.Equal(27, r.F, 12);
        Assert.Equal(0.001, r.PValue, 12);
        Assert.Equal(2, r.DfBetween);
        Assert.Equal(6, r.DfWithin);
    }

    [Fact]
    public void Anova_of_two_classes_matches_the_closed_form_of_the_f_1_4_tail()
    {
        // A: 0 1 2 (mean 1), B: 10 11 13 (mean 34/3); grand mean 37/6.
        double[] x = [0, 1, 2, 10, 11, 13];
        int[] y = [0, 0, 0, 1, 1, 1];
        double grand = 37.0 / 6, mb = 34.0 / 3;
        double ssb = 3 * Math.Pow(1 - grand, 2) + 3 * Math.Pow(mb - grand, 2);
        double ssw = 2 + Math.Pow(10 - mb, 2) + Math.Pow(11 - mb, 2) + Math.Pow(13 - mb, 2);
        double f = ssb / 1 / (ssw / 4);
        // P(F(1,4) ≥ f) = I_x(2, 1/2) with x = 4 / (4 + f); with s = sqrt(1 − x):
        // I_x(2, 1/2) = (3/4)·(4/3 − 2s + (2/3)s³) (integrate t(1 − t)^(−1/2) and divide by B(2, 1/2) = 4/3).
        double s = Math.Sqrt(1 - 4 / (4 + f));
        double p = 0.75 * (4.0 / 3 - 2 * s + 2.0 / 3 * s * s * s);

        var r = Separability.Anova(x, y);

        Assert.Equal(96.1, Math.Round(f, 1));
        Assert.Equal(f, r.F, 10);
        Assert.Equal(p, r.PValue, 10);
    }

    [Fact]
    public void Anova_ignores_missing_values_and_is_undefined_for_a_constant_feature()
    {
        var withNaN = Separability.Anova([1, 2, 3, double.NaN, 4, 5, 6, 7, 8, 9], [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
        Assert.Equal(27, withNaN.F, 12);

        var constant = Separability.Anova([3, 3, 3, 3], [0, 0, 1, 1]);
        Assert.True(double.IsNaN(constant.F));
        Assert.True(double.IsNaN(constant.PValue));
    }

    [Fact]
    public void Mutual_information_with_one_neighbour_matches_the_hand_computation()
    {
        // A: 0 1 3, B: 3.5 10 11 (no two distances tie). With k = 1 the nearest same-class distances are
        // 1 1 2 | 6.5 1 1, and the other points within them number m = 1 1 2 | 4 1 1 (3.5's radius 6.5 reaches
        // 0, 1, 3 and 10). I = ψ(6) + ψ(1) − ψ(3) − (4ψ(1) + ψ(2) + ψ(4))/6 = (1/3 + 1/4 + 1/5) − 17/36.
        double[] x = [0, 1, 3, 3.5, 10, 11];
        int[] y = [0, 0, 0, 1, 1, 1];
        double expected = Digamma(6) + Digamma(1) - Digamma(3) - (4 * Digamma(1) + Digamma(2) + Digamma(4)) / 6;

        double mi = Separability.MutualInformation(x, y, neighbours: 1);

        Assert.Equal(1.0 / 3 + 1.0 / 4 + 1.0 / 5 - 17.0 / 36, expected, 12);
        Assert.Equal(expected, mi, 9);
    }

    [Fact]
    public void Mutual_information_with_three_neighbours_uses_at_most_class_size_minus_one()
    {
        // A: 0 1 3, B: 10 11 13. Classes of 3 give k_i = 2: radii 3 2 3 | 3 2 3, every m_i = 2,
        // so I = ψ(6) + ψ(2) − ψ(3) − ψ(2).
        double[] x = [0, 1, 3, 10, 11, 13];
        int[] y = [0, 0, 0, 1, 1, 1];

        double mi = Separability.MutualInformation(x, y);

        Assert.Equal(Digamma(6) - Digamma(3), mi, 9);
    }

    [Fact]
    public void A_feature_with_repeated_values_that_equals_the_class_has_the_class_entropy()
    {
        // 100 zeros for one class, 100 ones for the other: I = ln 2. The jitter breaks the ties the estimator
        // cannot handle; it is fixed, so the estimate is reproducible.
        var x = Enumerable.Range(0, 200).Select(i => (double)(i % 2)).ToArray();
        var y = Enumerable.Range(0, 200).Select(i => i % 2).ToArray();

        double mi = Separability.MutualInformation(x, y);

        Assert.InRange(mi, Math.Log(2) - 0.03, Math.Log(2) + 0.03);
        Assert.Equal(mi, Separability.MutualInformation(x, y));
    }

    [Fact]
    public void Mutual_information_agrees_with_a_brute_force_estimator_on_random_data()
    {
        var random = new Random(7);
        int n = 240;
        var y = Enumerable.Range(0, n).Select(i => i % 4).ToArray();
        var x = y.Select(c => c * 0.7 + random.NextDouble() * 2).ToArray();

        double fast = Separability.MutualInformation(x, y);

        Assert.Equal(BruteForceMi(x, y, 3), fast, 10);
        Assert.InRange(fast, 0.2, Math.Log(4));
    }

    [Fact]
    public void Mutual_information_of_a_feature_unrelated_to_the_class_is_near_zero()
    {
        var random = new Random(11);
        var x = Enumerable.Range(0, 400).Select(_ => random.NextDouble()).ToArray();
        var y = Enumerable.Range(0, 400).Select(_ => random.Next(4)).ToArray();

        Assert.InRange(Separability.MutualInformation(x, y), 0, 0.05);
    }

    [Fact]
    public void Pearson_correlation_matches_the_hand_computation()
    {
        // x = 1 2 3 4, y = 2 4 5 9: deviations −1.5 −0.5 0.5 1.5 and −3 −1 0 4; Σdxdy = 11, Σdx² = 5, Σdy² = 26.
        Assert.Equal(11 / Math.Sqrt(5 * 26), Separability.Pearson([1, 2, 3, 4], [2, 4, 5, 9]), 12);
        Assert.Equal(-1, Separability.Pearson([1, 2, 3], [3, 2, 1]), 12);
        Assert.True(double.IsNaN(Separability.Pearson([1, 1, 1], [1, 2, 3])));
    }

    /// <summary>Ross 2014 written out with O(n²) loops: the second opinion.</summary>
    private static double BruteForceMi(double[] x, int[] y, int k)
    {
        int n = x.Length;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            var same = Enumerable.Range(0, n).Where(j => j != i && y[j] == y[i]).Select(j => Math.Abs(x[j] - x[i])).Order().ToArray();
            int ki = Math.Min(k, same.Length);
            double d = same[ki - 1];
            int m = Enumerable.Range(0, n).Count(j => j != i && Math.Abs(x[j] - x[i]) <= d);
            int nc = same.Length + 1;
            sum += MathNet.Numerics.SpecialFunctions.DiGamma(ki) - MathNet.Numerics.SpecialFunctions.DiGamma(nc)
                   - MathNet.Numerics.SpecialFunctions.DiGamma(m);
        }
        return Math.Max(0, MathNet.Numerics.SpecialFunctions.DiGamma(n) + sum / n);
    }
}
