using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Cnn;

public class ImageNormalizerTests
{
    private static InMemoryImageSource Source(params float[][] images)
    {
        var items = images.Select((data, i) => new ImageItem($"s{i}", null, 0, new FeatureMatrix(2, 3, data)));
        return new InMemoryImageSource(ImageKind.Mel, new ImageSize(2, 3), SyntheticImages.Labels, items);
    }

    [Fact]
    public void Per_row_statistics_are_the_mean_and_population_deviation_of_each_row_over_all_frames()
    {
        var source = Source([-80, -70, -60, 1, 2, 3], [-50, -40, -30, 4, 5, 6]);
        var n = ImageNormalizer.Fit(source, NormalizationMode.PerRow);
        double[] row0 = [-80, -70, -60, -50, -40, -30], row1 = [1, 2, 3, 4, 5, 6];
        Assert.Equal(row0.Average(), n.Mean[0], 10);
        Assert.Equal(row1.Average(), n.Mean[1], 10);
        Assert.Equal(Std(row0), n.Std[0], 10);
        Assert.Equal(Std(row1), n.Std[1], 10);

        var image = new float[] { -55, -55, -55, 3.5f, 3.5f, 3.5f };
        n.Apply(image);
        Assert.All(image, v => Assert.Equal(0, v, 5));
    }

    [Fact]
    public void Global_statistics_cover_every_value_and_constant_data_does_not_divide_by_zero()
    {
        var source = Source([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]);
        var n = ImageNormalizer.Fit(source, NormalizationMode.Global);
        var all = Enumerable.Range(1, 12).Select(v => (double)v).ToArray();
        Assert.Equal(all.Average(), Assert.Single(n.Mean), 10);
        Assert.Equal(Std(all), Assert.Single(n.Std), 10);

        var constant = ImageNormalizer.Fit(Source([5, 5, 5, 5, 5, 5]), NormalizationMode.PerRow);
        var image = new float[] { 5, 5, 5, 6, 6, 6 };
        constant.Apply(image);
        Assert.All(image, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0, image[0]);
    }

    [Fact]
    public void None_leaves_images_unchanged()
    {
        var n = ImageNormalizer.Fit(Source([1, 2, 3, 4, 5, 6]), NormalizationMode.None);
        var image = new float[] { 1, 2, 3, 4, 5, 6 };
        n.Apply(image);
        Assert.Equal([1, 2, 3, 4, 5, 6], image);
    }

    private static double Std(double[] v)
    {
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / v.Length);
    }
}
