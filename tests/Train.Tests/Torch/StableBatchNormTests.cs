using Mmcs.Train.Cnn.Models;
using Mmcs.Train.Tabular.Conv1d;
using Mmcs.Train.Tabular.Mlp;
using Mmcs.Train.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Mmcs.Train.Tests.Torch;

public class StableBatchNormTests
{
    private static double MaxDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().item<double>();
    }

    // explicit Scalars held through the native calls (see StableBatchNorm)
    private static readonly Scalar Three = 3.0.ToScalar(), Offset = 1.5.ToScalar(), Two = 2.0.ToScalar();

    private static Tensor Batch(long[] shape, int seed) => randn(shape, generator: new Generator((ulong)seed)).mul_(Three).add_(Offset, Three);

    public static TheoryData<int, long[]> Shapes => new()
    {
        { 1, [16, 5] },
        { 1, [8, 5, 7] },
        { 2, [6, 5, 4, 3] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void It_computes_what_torch_batch_norm_computes_in_training_and_evaluation(int dims, long[] shape)
    {
        TorchRuntime.EnsureInitialized();
        using var ours = new StableBatchNorm(shape[1], dims);
        using nn.Module<Tensor, Tensor> theirs = dims == 1 ? nn.BatchNorm1d(shape[1]) : nn.BatchNorm2d(shape[1]);
        using (no_grad())
        {
            // a non-trivial affine part, the same in both
            ours.weight.copy_(linspace(0.5, 2.0, shape[1]));
            ours.bias!.copy_(linspace(-1.0, 1.0, shape[1]));
        }
        theirs.load_state_dict(ours.state_dict());
        ours.train();
        theirs.train();
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            var x = Batch(shape, 100 + step);
            var xa = x.detach().requires_grad_(true);
            var xb = x.detach().requires_grad_(true);
            var ya = ours.call(xa);
            var yb = theirs.call(xb);
            Assert.True(MaxDiff(ya, yb) < 1e-5, $"training output, step {step}");
            ya.pow(Two).sum().backward();
            yb.pow(Two).sum().backward();
            Assert.True(MaxDiff(xa.grad!, xb.grad!) < 1e-4, $"input gradient, step {step}");
        }
        var a = ours.state_dict();
        var b = theirs.state_dict();
        Assert.Equal(b.Keys.OrderBy(k => k, StringComparer.Ordinal), a.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var key in b.Keys)
        {
            Assert.Equal(b[key].dtype, a[key].dtype);
            Assert.True(MaxDiff(a[key], b[key]) < 1e-5, key);
        }
        Assert.Equal(5L, a["num_batches_tracked"].item<long>());
        Assert.True(MaxDiff(ours.weight.grad!, ((TorchSharp.Modules.BatchNorm)theirs).weight.grad!) < 1e-4);

        ours.eval();
        theirs.eval();
        using var test = Batch(shape, 7);
        using var evalA = ours.call(test);
        using var evalB = theirs.call(test);
        Assert.True(MaxDiff(evalA, evalB) < 1e-5, "evaluation output");
        Assert.Equal(5L, ours.num_batches_tracked!.item<long>()); // evaluation does not count batches
    }

    [Fact]
    public void Weights_saved_from_torchsharps_batch_norm_load_into_it_and_back()
    {
        TorchRuntime.EnsureInitialized();
        var dir = Directory.CreateTempSubdirectory("mmcs-bn-");
        try
        {
            using var theirs = nn.Sequential(("lin", nn.Linear(4, 3)), ("norm", nn.BatchNorm1d(3)));
            theirs.train();
            using (var scope = NewDisposeScope())
                for (int i = 0; i < 3; i++) theirs.call(Batch([10, 4], i));
            theirs.eval();
            string path = Path.Combine(dir.FullName, "theirs.bin");
            theirs.save(path);

            using var ours = nn.Sequential(("lin", nn.Linear(4, 3)), ("norm", StableBatchNorm.OneD(3)));
            ours.load(path);
            ours.eval();
            using var x = Batch([5, 4], 9);
            using var ya = ours.call(x);
            using var yb = theirs.call(x);
            Assert.True(MaxDiff(ya, yb) < 1e-6);
            Assert.Equal(3L, ((StableBatchNorm)ours[1]).num_batches_tracked!.item<long>());

            string back = Path.Combine(dir.FullName, "ours.bin");
            ours.save(back);
            using var again = nn.Sequential(("lin", nn.Linear(4, 3)), ("norm", nn.BatchNorm1d(3)));
            again.load(back);
            again.eval();
            using var yc = again.call(x);
            Assert.True(MaxDiff(yc, yb) < 1e-6);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void An_input_of_the_wrong_rank_is_refused()
    {
        TorchRuntime.EnsureInitialized();
        using var one = StableBatchNorm.OneD(3);
        using var two = StableBatchNorm.TwoD(3);
        using var flat = zeros(4, 3);
        using var image = zeros(2, 3, 4, 4);
        Assert.Contains("2D or 3D", Assert.Throws<ArgumentException>(() => one.call(image)).Message);
        Assert.Contains("4D", Assert.Throws<ArgumentException>(() => two.call(flat)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StableBatchNorm(3, 3));
    }

    [Fact]
    public void The_networks_normalise_with_it_and_with_no_torchsharp_batch_norm()
    {
        TorchRuntime.EnsureInitialized();
        using var mlp = new MlpNetwork(new MlpArchitecture(), 12, 4, seed: 1);
        using var conv1d = new Conv1dNetwork(new Conv1dArchitecture(), 12, 4, seed: 1);
        using var cnn = new Cnn2dNetwork(Cnn.SyntheticImages.Tiny, Cnn.SyntheticImages.Size16, 4, seed: 1);
        foreach (nn.Module network in new nn.Module[] { mlp, conv1d, cnn })
        {
            var norms = network.modules().OfType<TorchSharp.Modules.BatchNorm>().ToList();
            Assert.NotEmpty(norms);
            Assert.All(norms, m => Assert.IsType<StableBatchNorm>(m));
            Assert.Contains(network.state_dict().Keys, k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        }
    }
}
