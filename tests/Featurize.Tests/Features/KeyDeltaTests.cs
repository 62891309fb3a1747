using Mmcs.Featurize.Features;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Features;

public class KeyDeltaTests
{
    [Theory]
    [InlineData("c_major_120bpm_25s5", "C major")]
    [InlineData("a_minor_pad_70bpm_25s5", "A minor")]
    public void The_key_of_the_chord_clips_is_found(string clip, string key)
    {
        var analysis = new ClipFeaturizer().Analyze(LibrosaFixtures.Signal(clip));
        Assert.Equal(key, analysis.Key.Name);
        // The STFT chroma agrees.
        Assert.Equal(key, KeyEstimator.Estimate(analysis.ChromaStft).Name);
    }

    [Fact]
    public void A_rotated_key_profile_is_recognised_as_its_own_key()
    {
        for (int tonic = 0; tonic < 12; tonic++)
        {
            var major = new double[12];
            var minor = new double[12];
            for (int i = 0; i < 12; i++)
            {
                major[(i + tonic) % 12] = KeyEstimator.MajorProfile[i];
                minor[(i + tonic) % 12] = KeyEstimator.MinorProfile[i];
            }
            var k = KeyEstimator.Estimate(major);
            Assert.Equal((tonic, KeyMode.Major), (k.Tonic, k.Mode));
            Assert.Equal(1.0, k.Correlation, 9);
            var m = KeyEstimator.Estimate(minor);
            Assert.Equal((tonic, KeyMode.Minor), (m.Tonic, m.Mode));
        }
        Assert.Equal("F# minor", new KeyEstimate(6, KeyMode.Minor, 0.5).Name);
    }

    /// <summary>The slow obvious Savitzky–Golay: least-squares polynomial of degree n on each window, n-th derivative at its centre (edge windows evaluated at the edge points).</summary>
    private static double[] SlowSavgol(float[] x, int order, int width)
    {
        int h = width / 2, n = x.Length;
        var y = new double[n];
        for (int t = 0; t < n; t++)
        {
            int start = Math.Clamp(t - h, 0, n - width);
            // Fit p(u) = Σ a_j u^j to (u = i - start - h, x[i]) by normal equations.
            int d = order + 1;
            var ata = new double[d, d];
            var atb = new double[d];
            for (int i = start; i < start + width; i++)
            {
                double u = i - start - h;
                for (int a = 0; a < d; a++)
                {
                    atb[a] += Math.Pow(u, a) * x[i];
                    for (int b = 0; b < d; b++) ata[a, b] += Math.Pow(u, a + b);
                }
            }
            var coef = Solve(ata, atb);
            // n-th derivative of a degree-n polynomial is n!·a_n, constant.
            y[t] = order == 1 ? coef[1] : 2 * coef[2];
        }
        return y;
    }

    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var v = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r, c] / m[c, c];
                for (int k = c; k < n; k++) m[r, k] -= f * m[c, k];
                v[r] -= f * v[c];
            }
        }
        var x = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = v[r];
            for (int k = r + 1; k < n; k++) s -= m[r, k] * x[k];
            x[r] = s / m[r, r];
        }
        return x;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Deltas_equal_a_slow_least_squares_savitzky_golay(int order)
    {
        var rng = new Random(order);
        var x = new float[60];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(Math.Sin(i * 0.3) + rng.NextDouble());
        var d = Delta.Compute(new FeatureMatrix(1, x.Length, x), order);
        var slow = SlowSavgol(x, order, 9);
        for (int t = 0; t < x.Length; t++) Assert.Equal(slow[t], d[0, t], 4);
    }

    [Fact]
    public void The_delta_of_a_ramp_is_its_slope_and_its_second_delta_is_zero()
    {
        var x = new float[30];
        for (int i = 0; i < x.Length; i++) x[i] = 3f * i - 7f;
        var m = new FeatureMatrix(1, 30, x);
        Assert.All(Delta.Compute(m, 1).Data, v => Assert.Equal(3f, v, 4));
        Assert.All(Delta.Compute(m, 2).Data, v => Assert.Equal(0f, v, 4));
        Assert.Throws<FeatureInputException>(() => Delta.Compute(new FeatureMatrix(1, 5), 1));
    }
}
