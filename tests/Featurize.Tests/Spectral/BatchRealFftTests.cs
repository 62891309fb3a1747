using System.Numerics;
using System.Runtime.Intrinsics;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Tests.Spectral;

public class BatchRealFftTests
{
    /// <summary>The slow obvious DFT: X[k] = Σ x[n] e^(-2πikn/N).</summary>
    internal static (double[] Re, double[] Im) NaiveDft(double[] x)
    {
        int n = x.Length, bins = n / 2 + 1;
        var re = new double[bins];
        var im = new double[bins];
        for (int k = 0; k < bins; k++)
        {
            double sr = 0, si = 0;
            for (int j = 0; j < n; j++)
            {
                double a = -2.0 * Math.PI * ((long)k * j % n) / n;
                sr += x[j] * Math.Cos(a);
                si += x[j] * Math.Sin(a);
            }
            re[k] = sr;
            im[k] = si;
        }
        return (re, im);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(512)]
    [InlineData(1024)]
    [InlineData(2048)]
    public void Every_lane_of_the_double_transform_equals_the_naive_DFT(int n)
    {
        var plan = BatchRealFft<double>.Get(n);
        var ws = plan.CreateWorkspace();
        int lanes = BatchRealFft<double>.Lanes;
        var rng = new Random(n);
        var signals = new double[lanes][];
        for (int l = 0; l < lanes; l++)
        {
            signals[l] = new double[n];
            for (int j = 0; j < n; j++) signals[l][j] = rng.NextDouble() * 2 - 1;
        }
        for (int j = 0; j < n; j++)
        {
            var v = new double[lanes];
            for (int l = 0; l < lanes; l++) v[l] = signals[l][j];
            ws.Input[j] = Vector256.Create(v);
        }
        plan.Forward(ws);
        for (int l = 0; l < lanes; l++)
        {
            var (re, im) = NaiveDft(signals[l]);
            for (int k = 0; k < plan.Bins; k++)
            {
                Assert.True(Math.Abs(ws.Re[k].GetElement(l) - re[k]) < 1e-9 * n, $"n={n} lane={l} bin={k} re");
                Assert.True(Math.Abs(ws.Im[k].GetElement(l) - im[k]) < 1e-9 * n, $"n={n} lane={l} bin={k} im");
            }
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(256)]
    [InlineData(1024)]
    public void The_float_transform_equals_the_naive_DFT_to_single_precision(int n)
    {
        var plan = BatchRealFft<float>.Get(n);
        var ws = plan.CreateWorkspace();
        int lanes = BatchRealFft<float>.Lanes;
        var rng = new Random(7 * n);
        var signals = new double[lanes][];
        for (int l = 0; l < lanes; l++)
        {
            signals[l] = new double[n];
            for (int j = 0; j < n; j++) signals[l][j] = (float)(rng.NextDouble() * 2 - 1);
        }
        for (int j = 0; j < n; j++)
        {
            var v = new float[lanes];
            for (int l = 0; l < lanes; l++) v[l] = (float)signals[l][j];
            ws.Input[j] = Vector256.Create(v);
        }
        plan.Forward(ws);
        for (int l = 0; l < lanes; l++)
        {
            var (re, im) = NaiveDft(signals[l]);
            for (int k = 0; k < plan.Bins; k++)
            {
                Assert.True(Math.Abs(ws.Re[k].GetElement(l) - re[k]) < 2e-6 * n, $"n={n} lane={l} bin={k} re");
                Assert.True(Math.Abs(ws.Im[k].GetElement(l) - im[k]) < 2e-6 * n, $"n={n} lane={l} bin={k} im");
            }
        }
    }

    [Fact]
    public void A_unit_impulse_has_a_flat_spectrum_and_a_cosine_lands_in_its_bin()
    {
        var plan = BatchRealFft<double>.Get(64);
        var ws = plan.CreateWorkspace();
        for (int j = 0; j < 64; j++)
            ws.Input[j] = Vector256.Create(j == 0 ? 1.0 : 0.0, Math.Cos(2 * Math.PI * 5 * j / 64), 0, 0);
        plan.Forward(ws);
        for (int k = 0; k < plan.Bins; k++)
        {
            Assert.Equal(1.0, ws.Re[k].GetElement(0), 12);
            Assert.Equal(0.0, ws.Im[k].GetElement(0), 12);
            Assert.Equal(k == 5 ? 32.0 : 0.0, ws.Re[k].GetElement(1), 9);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(48)]
    public void Sizes_that_are_not_powers_of_two_are_refused(int n)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchRealFft<double>.Get(n));
    }

    [Fact]
    public void Plans_are_shared()
    {
        Assert.Same(BatchRealFft<double>.Get(512), BatchRealFft<double>.Get(512));
        Assert.True(BitOperations.IsPow2(BatchRealFft<float>.Get(512).Size));
    }
}
