using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Cnn;

/// <summary>Small synthetic image sets for the CNN tests.</summary>
internal static class SyntheticImages
{
    public static readonly string[] Labels = ["happy", "angry", "sad", "relaxed"];

    /// <summary>A tiny architecture for 16x16 images (three blocks pooling 2x2 leave 2x2 maps).</summary>
    public static Cnn2dArchitecture Tiny { get; } = new() { Filters = [4, 4, 8], PoolRows = 2, PoolCols = 2, Dense = [16, 8] };

    public static ImageSize Size16 { get; } = new(16, 16);

    /// <summary>Fast training options for tests: few epochs, a fast rate, two threads.</summary>
    public static Cnn2dTrainingOptions FastTraining { get; } = new()
    {
        LearningRate = 3e-3,
        BatchSize = 8,
        MaxEpochs = 6,
        Patience = 0,
        Seed = 11,
        Threads = 2,
    };

    /// <summary>
    /// Images whose class is the band of rows that is bright (class c: rows c*R/4 .. (c+1)*R/4), plus noise:
    /// learnable by the flatten head in a few epochs. <paramref name="offset"/> shifts every value.
    /// </summary>
    public static InMemoryImageSource Bands(int perClass, int seed, ImageSize? size = null, string prefix = "song",
        float offset = 0, float noise = 0.5f, ImageKind kind = ImageKind.Mel, Func<int, int>? labelOf = null,
        Func<int, string>? groupOf = null)
    {
        size ??= Size16;
        var rng = new Random(seed);
        var items = new List<ImageItem>();
        int n = perClass * Labels.Length;
        for (int i = 0; i < n; i++)
        {
            int cls = i % Labels.Length;
            var image = BandImage(cls, size, rng, offset, noise);
            string id = $"{prefix}{i}";
            items.Add(new ImageItem(id, groupOf?.Invoke(i), labelOf?.Invoke(cls) ?? cls, image));
        }
        return new InMemoryImageSource(kind, size, Labels, items);
    }

    public static FeatureMatrix BandImage(int cls, ImageSize size, Random rng, float offset = 0, float noise = 0.5f)
    {
        var image = new FeatureMatrix(size.Rows, size.Cols);
        int band = size.Rows / Labels.Length;
        for (int r = 0; r < size.Rows; r++)
        {
            bool bright = r / band == cls;
            for (int c = 0; c < size.Cols; c++)
                image[r, c] = offset + (bright ? 2f : 0f) + noise * (float)(rng.NextDouble() * 2 - 1);
        }
        return image;
    }

    /// <summary>A <see cref="ClipFeatures"/> carrying <paramref name="image"/> as its <paramref name="kind"/> image.</summary>
    public static ClipFeatures Clip(FeatureMatrix image, ImageKind kind, FeatureMatrix? other = null)
    {
        other ??= new FeatureMatrix(1, 1);
        var images = new FeatureImages(
            kind == ImageKind.Spectrogram ? image : other,
            kind == ImageKind.Mfcc ? image : other,
            kind == ImageKind.Mel ? image : other);
        return new ClipFeatures(new FeatureVector(["x"], [0]), images);
    }

    public static FeatureMatrix ReadImage(IImageSource source, int index)
    {
        var m = new FeatureMatrix(source.Size.Rows, source.Size.Cols);
        source.ReadImage(index, m.Data);
        return m;
    }
}
