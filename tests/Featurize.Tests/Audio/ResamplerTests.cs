using Mmcs.Featurize.Audio;
using Xunit.Abstractions;

namespace Mmcs.Featurize.Tests.Audio;

public class ResamplerTests(ITestOutputHelper output)
{
    private static float[] Sine(double freq, int rate, double seconds, double amplitude = 0.5)
    {
        var x = new float[(int)(rate * seconds)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * freq * i / rate + 0.3));
        return x;
    }

    /// <summary>Amplitude of the component at <paramref name="freq"/> by a least-squares sine/cosine fit over the middle half.</summary>
    private static double Amplitude(float[] y, double freq, int rate)
    {
        int a = y.Length / 4, b = 3 * y.Length / 4;
        double ss = 0, sc = 0, cc = 0, ys = 0, yc = 0;
        for (int i = a; i < b; i++)
        {
            double w = 2 * Math.PI * freq * i / rate;
            double s = Math.Sin(w), c = Math.Cos(w);
            ss += s * s; sc += s * c; cc += c * c; ys += y[i] * s; yc += y[i] * c;
        }
        double det = ss * cc - sc * sc;
        double ka = (ys * cc - yc * sc) / det, kb = (yc * ss - ys * sc) / det;
        return Math.Sqrt(ka * ka + kb * kb);
    }

    private static double RmsMiddle(float[] y)
    {
        double s = 0;
        int a = y.Length / 4, b = 3 * y.Length / 4;
        for (int i = a; i < b; i++) s += (double)y[i] * y[i];
        return Math.Sqrt(s / (b - a));
    }

    public static TheoryData<int, int> Pairs => new()
    {
        { 44100, 22050 },
        { 32000, 22050 },
        { 16000, 22050 },
        { 48000, 22050 },
        { 22050, 44100 },
        { 44056, 22050 }, // L = 11025: the interpolated-phase path
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void The_output_has_librosas_length_ceil_n_times_the_ratio(int from, int to)
    {
        var r = Resampler.For(from, to);
        foreach (int n in new[] { 1, 2, 7, 1000, 12345 })
        {
            long expected = (long)Math.Ceiling(n * (double)to / from - 1e-12);
            Assert.Equal(expected, r.Process(new float[n]).LongLength);
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void A_sine_in_the_passband_keeps_its_amplitude_within_a_hundredth_of_a_dB(int from, int to)
    {
        double nyqLow = 0.5 * Math.Min(from, to);
        foreach (double frac in new[] { 0.05, 0.3, 0.6, 0.85, 0.9 })
        {
            double f = frac * nyqLow;
            var y = Resampler.For(from, to).Process(Sine(f, from, 1.0));
            double db = 20 * Math.Log10(Amplitude(y, f, to) / 0.5);
            output.WriteLine($"{from}->{to} {f:F0} Hz: {db:+0.00000;-0.00000} dB");
            Assert.True(Math.Abs(db) < 0.01, $"{from}->{to}: {f} Hz changed by {db} dB");
        }
    }

    [Theory]
    [InlineData(44100, 22050, 11500)]
    [InlineData(44100, 22050, 15000)]
    [InlineData(32000, 22050, 11100)]
    [InlineData(32000, 22050, 14000)]
    [InlineData(48000, 22050, 20000)]
    [InlineData(44056, 22050, 12000)]
    public void A_sine_above_the_new_nyquist_is_attenuated_by_at_least_80_dB(int from, int to, double freq)
    {
        var y = Resampler.For(from, to).Process(Sine(freq, from, 1.0));
        double db = 20 * Math.Log10(RmsMiddle(y) * Math.Sqrt(2) / 0.5);
        output.WriteLine($"{from}->{to} {freq} Hz: {db:F1} dB");
        Assert.True(db <= -80, $"{freq} Hz leaks at {db:F1} dB");
    }

    [Fact]
    public void Upsampling_creates_no_image_above_the_old_nyquist()
    {
        // 16 kHz -> 22.05 kHz: a 7 kHz tone must not image to 16000 - 7000 = 9 kHz.
        var y = Resampler.For(16000, 22050).Process(Sine(7000, 16000, 1.0));
        double image = Amplitude(y, 9000, 22050);
        Assert.True(20 * Math.Log10(image / 0.5) < -80);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void A_constant_stays_constant_away_from_the_ends(int from, int to)
    {
        var x = Enumerable.Repeat(0.25f, from).ToArray();
        var y = Resampler.For(from, to).Process(x);
        for (int i = 200; i < y.Length - 200; i++) Assert.Equal(0.25f, y[i], 1e-6f);
    }

    [Theory]
    [InlineData(32000, 22050)]
    [InlineData(16000, 22050)]
    [InlineData(44056, 22050)]
    public void The_polyphase_tables_agree_with_a_direct_evaluation_of_the_windowed_sinc(int from, int to)
    {
        var r = new Resampler(from, to);
        var rnd = new Random(5);
        var x = new float[3000];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rnd.NextDouble() * 2 - 1);
        var fast = r.Process(x);

        // Slow and obvious: y[n] = sum_k x[k] h(t_n - k) / sum_k h(t_n - k), t_n = n * from / to, in double.
        double nyq = 0.5 * Math.Min(1.0, (double)to / from);
        double cutoff = 0.5 * (0.913 + 1.0) * nyq;
        double i0 = Resampler.BesselI0(r.Beta);
        for (int n = 0; n < fast.Length; n += 7)
        {
            double t = (double)n * from / to;
            double acc = 0, norm = 0;
            for (int k = (int)Math.Floor(t - r.HalfWidth) - 1; k <= (int)Math.Ceiling(t + r.HalfWidth) + 1; k++)
            {
                double h = Resampler.Kernel(t - k, cutoff, r.HalfWidth, r.Beta, i0);
                norm += h;
                if (k >= 0 && k < x.Length) acc += x[k] * h;
            }
            double tol = from == 44056 ? 2e-4 : 2e-5; // the interpolated path approximates the phase
            Assert.True(Math.Abs(acc / norm - fast[n]) < tol, $"n={n}: direct {acc / norm}, polyphase {fast[n]}");
        }
    }

    [Fact]
    public void The_output_bits_do_not_depend_on_where_the_input_lies_in_memory()
    {
        var rnd = new Random(8);
        var x = new float[20000];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rnd.NextDouble() - 0.5);
        var r = Resampler.For(44100, 22050);
        var reference = r.Process(x);
        for (int offset = 1; offset < 9; offset++)
        {
            var big = new float[x.Length + offset];
            x.CopyTo(big, offset);
            Assert.True(reference.AsSpan().SequenceEqual(r.Process(big.AsSpan(offset))), $"offset {offset}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(31)]
    [InlineData(296)]
    [InlineData(1001)]
    public void The_dot_product_matches_a_double_precision_sum(int n)
    {
        var rnd = new Random(n);
        var a = Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() - 0.5)).ToArray();
        double expected = 0;
        for (int i = 0; i < n; i++) expected += (double)a[i] * b[i];
        Assert.Equal(expected, Resampler.DotProduct(a, b), 1e-5);
    }

    [Fact]
    public void Equal_rates_copy_the_signal_and_the_ratio_is_reduced()
    {
        var x = Sine(440, 22050, 0.1);
        Assert.Equal(x, Resampler.For(22050, 22050).Process(x));
        var r = Resampler.For(32000, 22050);
        Assert.Equal((441, 640), (r.Up, r.Down));
        Assert.Equal((1, 2), (Resampler.For(44100, 22050).Up, Resampler.For(44100, 22050).Down));
    }

    [Fact]
    public void An_impossible_design_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new Resampler(44100, 22050, new ResamplerQuality { PassbandEdge = 1.0, StopbandEdge = 0.9 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resampler(0, 22050));
    }
}
