using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Models;
using Mmcs.Train.Models;
using Mmcs.Train.Torch;
using static TorchSharp.torch;

namespace Mmcs.Train.Tests.Cnn;

public class Cnn2dNetworkTests
{
    public static TheoryData<ImageKind, int, int, int, int> PresetSizes => new()
    {
        // kind, rows, cols, expected map rows, expected map cols after three pools
        { ImageKind.Mfcc, 120, 600, 15, 22 },       // the original study's sizes: 120/2/2/2, 600/3/3/3
        { ImageKind.Spectrogram, 300, 300, 11, 11 },
        { ImageKind.Mel, 300, 400, 37, 14 },
        { ImageKind.Mfcc, 20, 60, 2, 2 },           // smaller
        { ImageKind.Spectrogram, 32, 40, 1, 1 },
        { ImageKind.Mel, 64, 96, 8, 3 },
    };

    [Theory]
    [MemberData(nameof(PresetSizes))]
    public void Each_preset_maps_a_batch_of_images_to_one_logit_per_class(ImageKind kind, int rows, int cols, int mapRows, int mapCols)
    {
        TorchRuntime.EnsureInitialized();
        var architecture = Cnn2dArchitecture.Original(kind);
        var size = new ImageSize(rows, cols);
        Assert.Equal((mapRows, mapCols), architecture.OutputMapSize(size));
        using var scope = NewDisposeScope();
        using var network = new Cnn2dNetwork(architecture, size, 4, seed: 1);
        network.eval();
        using var _ = no_grad();
        var output = network.call(randn(2, 1, rows, cols));
        Assert.Equal(new long[] { 2, 4 }, output.shape);
        // flatten head: the first dense layer reads filters × map rows × map cols values
        var firstDense = network.DenseWeights().First();
        Assert.Equal(new long[] { 64, architecture.Filters[^1] * mapRows * mapCols }, firstDense.shape);
    }

    [Fact]
    public void The_presets_are_the_original_studys_filters_and_pools()
    {
        var mfcc = Cnn2dArchitecture.Original(ImageKind.Mfcc);
        var spectrogram = Cnn2dArchitecture.Original(ImageKind.Spectrogram);
        var mel = Cnn2dArchitecture.Original(ImageKind.Mel);
        Assert.Equal([8, 8, 16], mfcc.Filters);
        Assert.Equal((2, 3), (mfcc.PoolRows, mfcc.PoolCols));
        Assert.Equal([5, 8, 16], spectrogram.Filters);
        Assert.Equal((3, 3), (spectrogram.PoolRows, spectrogram.PoolCols));
        Assert.Equal([8, 8, 16], mel.Filters);
        Assert.Equal((2, 3), (mel.PoolRows, mel.PoolCols));
        foreach (var a in new[] { mfcc, spectrogram, mel })
        {
            Assert.Equal([64, 32], a.Dense);
            Assert.Equal(0.2, a.Dropout);
            Assert.Equal(Cnn2dHead.Flatten, a.Head);
        }
    }

    [Fact]
    public void The_global_average_pooling_head_reads_any_size_with_the_same_weights()
    {
        TorchRuntime.EnsureInitialized();
        var architecture = Cnn2dArchitecture.Original(ImageKind.Mel) with { Head = Cnn2dHead.GlobalAveragePooling };
        using var network = new Cnn2dNetwork(architecture, new ImageSize(40, 60), 4, seed: 1);
        network.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Assert.Equal(new long[] { 3, 4 }, network.call(randn(3, 1, 40, 60)).shape);
        Assert.Equal(new long[] { 1, 4 }, network.call(randn(1, 1, 80, 300)).shape);
        Assert.Equal(new long[] { 64, 16 }, network.DenseWeights().First().shape);
    }

    [Fact]
    public void Images_too_small_for_the_pools_are_refused_with_the_minimum_size()
    {
        var e = Assert.Throws<MmcsException>(() => Cnn2dArchitecture.Original(ImageKind.Spectrogram).Validate(new ImageSize(20, 300)));
        Assert.Equal(ErrorCodes.InvalidParameterValue, e.ErrorCode);
        Assert.Contains("27x27", e.Message);
    }

    [Fact]
    public void The_same_seed_initialises_the_same_weights_and_another_seed_other_weights()
    {
        TorchRuntime.EnsureInitialized();
        using var a = new Cnn2dNetwork(SyntheticImages.Tiny, SyntheticImages.Size16, 4, seed: 5);
        using var b = new Cnn2dNetwork(SyntheticImages.Tiny, SyntheticImages.Size16, 4, seed: 5);
        using var c = new Cnn2dNetwork(SyntheticImages.Tiny, SyntheticImages.Size16, 4, seed: 6);
        var pa = a.parameters().ToArray();
        var pb = b.parameters().ToArray();
        var pc = c.parameters().ToArray();
        Assert.All(Enumerable.Range(0, pa.Length), i => Assert.True(pa[i].allclose(pb[i], 0, 0)));
        Assert.Contains(Enumerable.Range(0, pa.Length), i => !pa[i].allclose(pc[i], 0, 0));
    }

    [Fact]
    public void Dropout_is_active_in_training_mode_only()
    {
        TorchRuntime.EnsureInitialized();
        using var network = new Cnn2dNetwork(SyntheticImages.Tiny with { Dropout = 0.5 }, SyntheticImages.Size16, 4, seed: 5);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = randn(4, 1, 16, 16);
        network.eval();
        Assert.True(network.call(x).allclose(network.call(x), 0, 0));
        network.train();
        // batch norm uses batch statistics in both training calls; only dropout differs between them
        Assert.False(network.call(x).allclose(network.call(x), 0, 0));
    }
}
