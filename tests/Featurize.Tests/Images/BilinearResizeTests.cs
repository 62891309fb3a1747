using Mmcs.Featurize.Images;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Images;

public class BilinearResizeTests
{
    /// <summary>The slow obvious bilinear sample at a (fractional, clamped) position.</summary>
    private static double Sample(FeatureMatrix m, double r, double c)
    {
        r = Math.Clamp(r, 0, m.Rows - 1);
        c = Math.Clamp(c, 0, m.Cols - 1);
        int r0 = (int)Math.Floor(r), c0 = (int)Math.Floor(c);
        int r1 = Math.Min(r0 + 1, m.Rows - 1), c1 = Math.Min(c0 + 1, m.Cols - 1);
        double fr = r - r0, fc = c - c0;
        return (1 - fr) * ((1 - fc) * m[r0, c0] + fc * m[r0, c1]) + fr * ((1 - fc) * m[r1, c0] + fc * m[r1, c1]);
    }

    [Theory]
    [InlineData(7, 11, 3, 5)]
    [InlineData(5, 4, 12, 9)]
    [InlineData(1025, 216, 300, 300)]
    public void Resizing_equals_half_pixel_bilinear_sampling(int inRows, int inCols, int outRows, int outCols)
    {
        var rng = new Random(inRows * 31 + outCols);
        var m = new FeatureMatrix(inRows, inCols);
        for (int i = 0; i < m.Data.Length; i++) m.Data[i] = (float)(rng.NextDouble() * 100 - 50);
        var r = BilinearResize.Resize(m, outRows, outCols);
        Assert.Equal(outRows, r.Rows);
        Assert.Equal(outCols, r.Cols);
        for (int i = 0; i < outRows; i++)
        {
            for (int j = 0; j < outCols; j++)
            {
                double sr = (i + 0.5) * inRows / outRows - 0.5, sc = (j + 0.5) * inCols / outCols - 0.5;
                Assert.True(Math.Abs(Sample(m, sr, sc) - r[i, j]) < 1e-4, $"({i}, {j}): {r[i, j]} vs {Sample(m, sr, sc)}");
            }
        }
    }

    [Fact]
    public void Known_values_match_cv2_resize_linear()
    {
        // cv2.resize(np.array([[0, 10], [20, 30]], np.float32), (4, 4), interpolation=cv2.INTER_LINEAR)
        var m = new FeatureMatrix(2, 2, [0, 10, 20, 30]);
        var r = BilinearResize.Resize(m, 4, 4);
        float[] expected = [0, 2.5f, 7.5f, 10, 5, 7.5f, 12.5f, 15, 15, 17.5f, 22.5f, 25, 20, 22.5f, 27.5f, 30];
        Assert.Equal(expected, r.Data);
        // Same size is the identity.
        var same = BilinearResize.Resize(m, 2, 2);
        Assert.Equal(m.Data, same.Data);
        // Halving averages neighbour pairs.
        var wide = new FeatureMatrix(1, 4, [0, 2, 4, 6]);
        Assert.Equal(new float[] { 1, 5 }, BilinearResize.Resize(wide, 1, 2).Data);
    }

    [Fact]
    public void The_featurizer_returns_the_three_images_at_the_requested_sizes()
    {
        var f = new ClipFeaturizer().Extract(LibrosaFixtures.Signal("white_noise_5s"), FeatureSetKind.Seed, ImageOptions.OriginalStudy);
        var img = Assert.IsType<FeatureImages>(f.Images);
        Assert.Equal((300, 300), (img.SpectrogramDb.Rows, img.SpectrogramDb.Cols));
        Assert.Equal((120, 600), (img.Mfcc.Rows, img.Mfcc.Cols));
        Assert.Equal((300, 400), (img.MelDb.Rows, img.MelDb.Cols));
        var native = new ClipFeaturizer().Extract(LibrosaFixtures.Signal("white_noise_5s"), FeatureSetKind.Seed, new ImageOptions()).Images!;
        Assert.Equal((1025, 216), (native.SpectrogramDb.Rows, native.SpectrogramDb.Cols));
        Assert.Equal((20, 216), (native.Mfcc.Rows, native.Mfcc.Cols));
        // The native mel image is librosa's mel_db.
        Close.Assert("mel image", LibrosaFixtures.Array("white_noise_5s", "mel_db").ToDoubles(), native.MelDb.Data, 1e-5);
        Assert.All(native.SpectrogramDb.Data, v => Assert.InRange(v, -100f, 100f));
    }
}
