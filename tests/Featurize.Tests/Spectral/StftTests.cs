using Mmcs.Featurize.Features;
using Mmcs.Featurize.Spectral;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Spectral;

public class StftTests
{
    /// <summary>The slow obvious STFT: zero-pad n/2 each side, window, naive DFT, magnitude.</summary>
    private static double[,] NaiveStftMagnitude(float[] y, int n, int hop, double[] window)
    {
        int frames = 1 + y.Length / hop;
        var mag = new double[n / 2 + 1, frames];
        for (int t = 0; t < frames; t++)
        {
            var frame = new double[n];
            for (int j = 0; j < n; j++)
            {
                int i = t * hop - n / 2 + j;
                frame[j] = i >= 0 && i < y.Length ? y[i] * window[j] : 0.0;
            }
            var (re, im) = BatchRealFftTests.NaiveDft(frame);
            for (int k = 0; k <= n / 2; k++) mag[k, t] = Math.Sqrt(re[k] * re[k] + im[k] * im[k]);
        }
        return mag;
    }

    [Theory]
    [InlineData(64, 16, 300)]
    [InlineData(128, 32, 1000)]
    [InlineData(256, 100, 777)]
    [InlineData(64, 16, 10)]
    public void The_magnitude_equals_a_naive_centred_STFT(int n, int hop, int length)
    {
        var rng = new Random(length);
        var y = new float[length];
        for (int i = 0; i < length; i++) y[i] = (float)(rng.NextDouble() * 2 - 1);
        var stft = new Stft(new StftOptions { NFft = n, HopLength = hop });
        var s = stft.Compute(y);
        var naive = NaiveStftMagnitude(y, n, hop, Windows.HannPeriodic(n));
        Assert.Equal(naive.GetLength(1), s.Frames);
        Assert.Equal(n / 2 + 1, s.Bins);
        for (int k = 0; k < s.Bins; k++)
        {
            for (int t = 0; t < s.Frames; t++)
            {
                double m = s.Magnitude[k * s.Frames + t];
                Assert.True(Math.Abs(m - naive[k, t]) <= 1e-6 * Math.Max(1, naive[k, t]), $"bin {k} frame {t}: {m} vs {naive[k, t]}");
                Assert.Equal((float)(m * m), s.Power[k * s.Frames + t], 1e-6f * Math.Max(1, (float)(m * m)));
            }
        }
    }

    [Fact]
    public void The_periodic_hann_window_matches_scipy()
    {
        var w = Windows.HannPeriodic(8);
        double[] scipy = [0.0, 0.14644660940672627, 0.5, 0.8535533905932737, 1.0, 0.8535533905932737, 0.5, 0.14644660940672627];
        for (int i = 0; i < 8; i++) Assert.Equal(scipy[i], w[i], 15);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public void Invalid_options_are_refused_with_a_typed_error(int nfft)
    {
        var e = Assert.Throws<FeatureOptionsException>(() => new Stft(new StftOptions { NFft = nfft }));
        Assert.Contains("n_fft", e.Message);
        Assert.Throws<FeatureOptionsException>(() => new Stft(new StftOptions { HopLength = 0 }));
    }

    public static TheoryData<string> Clips() => new(LibrosaFixtures.Clips);

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_magnitude_matches_librosa_on_every_fixture_clip(string clip)
    {
        var y = LibrosaFixtures.LoadClip(clip);
        var expected = LibrosaFixtures.Array(clip, "stft_mag");
        var s = new Stft(new StftOptions()).Compute(y);
        Assert.Equal(expected.Shape, new[] { s.Bins, s.Frames });
        Close.Assert($"{clip} stft_mag", expected.ToDoubles(), s.Magnitude, 1e-5);
    }
}
