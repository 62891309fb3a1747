using Mmcs.Train.Svm;

namespace Mmcs.Train.Tests.Svm;

public class MulticlassSvmTests
{
    private static (double[][] X, int[] Y) Blobs(int perClass, int classes, double spread, int seed)
    {
        var rng = new Random(seed);
        var x = new List<double[]>();
        var y = new List<int>();
        for (int c = 0; c < classes; c++)
        {
            double cx = 3 * Math.Cos(2 * Math.PI * c / classes), cy = 3 * Math.Sin(2 * Math.PI * c / classes);
            for (int i = 0; i < perClass; i++)
            {
                x.Add([cx + spread * Gauss(rng), cy + spread * Gauss(rng)]);
                y.Add(c);
            }
        }
        return (x.ToArray(), y.ToArray());
    }

    private static double Gauss(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    [Fact]
    public void Well_separated_classes_are_classified_perfectly_with_confident_probabilities_that_sum_to_one()
    {
        var (x, y) = Blobs(30, 4, 0.4, 1);
        var svm = MulticlassSvm.Fit(x, y, 4, new SvmOptions { C = 10 });
        var (tx, ty) = Blobs(20, 4, 0.4, 2);
        for (int i = 0; i < tx.Length; i++)
        {
            var p = svm.PredictProbabilities(tx[i]);
            Assert.Equal(1.0, p.Sum(), 9);
            Assert.Equal(ty[i], Array.IndexOf(p, p.Max()));
            Assert.True(p.Max() > 0.7, $"max probability {p.Max()}");
        }
    }

    [Fact]
    public void A_problem_no_linear_boundary_solves_is_learned_by_the_rbf_kernel()
    {
        // Class = quadrant parity of (x, y): XOR, which defeats any linear model.
        var rng = new Random(3);
        double[][] Points(int n) => Enumerable.Range(0, n).Select(_ => new[] { rng.NextDouble() * 4 - 2, rng.NextDouble() * 4 - 2 }).ToArray();
        int Label(double[] p) => (p[0] > 0) ^ (p[1] > 0) ? 1 : 0;
        var x = Points(300);
        var y = x.Select(Label).ToArray();
        var svm = MulticlassSvm.Fit(x, y, 2, new SvmOptions { C = 10, Gamma = 1 });
        var test = Points(200);
        int correct = test.Count(p => Array.IndexOf(svm.PredictProbabilities(p), svm.PredictProbabilities(p).Max()) == Label(p));
        Assert.True(correct >= 180, $"{correct}/200");
    }

    [Fact]
    public void The_binary_solution_satisfies_the_dual_constraints_and_the_margin_conditions()
    {
        var (x, y3) = Blobs(25, 2, 1.2, 4);
        var y = y3.Select(v => v == 0 ? (sbyte)1 : (sbyte)-1).ToArray();
        var options = new SvmOptions { C = 1.0, Tolerance = 1e-5 };
        double gamma = MulticlassSvm.ScaleGamma(x);
        var kernel = new float[x.Length, x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = 0; j < x.Length; j++) kernel[i, j] = (float)Math.Exp(-gamma * ((x[i][0] - x[j][0]) * (x[i][0] - x[j][0]) + (x[i][1] - x[j][1]) * (x[i][1] - x[j][1])));
        }
        var rows = Enumerable.Range(0, x.Length).ToArray();
        var m = BinarySvm.Train(x, y, kernel, rows, options, gamma);
        // sum_i alpha_i y_i = 0 and 0 <= alpha_i <= C.
        Assert.Equal(0, m.Coefficients.Sum(), 6);
        Assert.All(m.Coefficients, c => Assert.InRange(Math.Abs(c), 0, options.C + 1e-9));
        // Free support vectors sit on the margin: y f(x) = 1.
        for (int s = 0; s < m.SupportVectors.Length; s++)
        {
            double alpha = Math.Abs(m.Coefficients[s]);
            if (alpha > 1e-6 && alpha < options.C - 1e-6)
            {
                double margin = Math.Sign(m.Coefficients[s]) * m.Decision(m.SupportVectors[s]);
                Assert.Equal(1.0, margin, 2);
            }
        }
        // Rows that are not support vectors lie outside the margin.
        var svSet = m.SupportVectors.ToHashSet();
        for (int i = 0; i < x.Length; i++)
        {
            if (!svSet.Contains(x[i])) Assert.True(y[i] * m.Decision(x[i]) >= 1 - 1e-2);
        }
    }

    [Fact]
    public void Pairwise_coupling_recovers_probabilities_from_consistent_pairwise_ratios()
    {
        double[] truth = [0.5, 0.25, 0.15, 0.1];
        var r = new double[4, 4];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++) r[i, j] = i == j ? 0 : truth[i] / (truth[i] + truth[j]);
        }
        var p = MulticlassSvm.Couple(r, 4);
        for (int i = 0; i < 4; i++) Assert.InRange(p[i], truth[i] - 2e-3, truth[i] + 2e-3); // LIBSVM stops at 0.005/k
    }

    [Fact]
    public void The_platt_fit_recovers_a_known_sigmoid()
    {
        var rng = new Random(5);
        var decisions = new List<double>();
        var labels = new List<sbyte>();
        const double a = -2.0, b = 0.5;
        for (int i = 0; i < 20000; i++)
        {
            double f = rng.NextDouble() * 6 - 3;
            double pPositive = 1 / (1 + Math.Exp(a * f + b));
            decisions.Add(f);
            labels.Add(rng.NextDouble() < pPositive ? (sbyte)1 : (sbyte)-1);
        }
        var (fa, fb) = MulticlassSvm.PlattSigmoid(decisions, labels);
        Assert.Equal(a, fa, 1);
        Assert.Equal(b, fb, 1);
    }

    [Fact]
    public void A_model_rebuilt_from_its_state_predicts_the_same()
    {
        var (x, y) = Blobs(15, 3, 1.0, 6);
        var svm = MulticlassSvm.Fit(x, y, 3, new SvmOptions());
        var copy = MulticlassSvm.FromState(System.Text.Json.JsonSerializer.Deserialize<MulticlassSvm.State>(
            System.Text.Json.JsonSerializer.Serialize(svm.Model))!);
        foreach (var row in x) Assert.Equal(svm.PredictProbabilities(row), copy.PredictProbabilities(row));
    }
}
