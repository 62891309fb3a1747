using Mmcs.Train.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Mmcs.Train.Tests.Torch;

public class TorchRuntimeTests
{
    [Fact]
    public void A_tiny_convolutional_model_trains_and_its_loss_goes_down()
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(7);
        using var scope = NewDisposeScope();
        var model = nn.Sequential(
            ("conv", nn.Conv2d(1, 4, 3, padding: 1)),
            ("relu", nn.ReLU()),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flat", nn.Flatten()),
            ("fc", nn.Linear(4, 2)));
        var x = randn(16, 1, 8, 8);
        // Class 1 images are brighter: learnable in a few steps.
        var y = cat(new[] { zeros(8, dtype: int64), ones(8, dtype: int64) });
        x[TensorIndex.Slice(8, 16)] += 1.5;
        var optimizer = optim.Adam(model.parameters(), lr: 0.05);
        var lossFn = nn.CrossEntropyLoss();
        float first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            optimizer.zero_grad();
            var loss = lossFn.forward(model.forward(x), y);
            loss.backward();
            optimizer.step();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < first * 0.5f, $"loss went from {first} to {last}");
    }

    [Fact]
    public void The_shim_is_loaded_exactly_when_the_build_produced_one()
    {
        TorchRuntime.EnsureInitialized();
        bool shimBuilt = File.Exists(Path.Combine(AppContext.BaseDirectory, TorchRuntime.ShimFileName));
        Assert.Equal(shimBuilt, TorchRuntime.LoadedShim != null);
    }

    [Fact]
    public void OneDnn_is_capped_at_sse41_in_the_native_environment_unless_the_environment_chose_a_cap()
    {
        TorchRuntime.EnsureInitialized();
        string? preset = Environment.GetEnvironmentVariable(TorchRuntime.OneDnnIsaVariable);
        string expected = string.IsNullOrEmpty(preset) ? TorchRuntime.OneDnnIsa : preset;
        Assert.Equal(expected, TorchRuntime.OneDnnIsaLimit);
        Assert.Equal(expected, TorchRuntime.NativeEnvironmentVariable(TorchRuntime.OneDnnIsaVariable)); // what libtorch reads
    }

    [Fact]
    public void The_gradient_towards_a_small_convolutions_input_is_finite_pass_after_pass()
    {
        // With oneDNN's AVX-512 kernels (this machine's default) 112 of 300 such passes gave NaN; none with SSE4.1.
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(1);
        using var conv = nn.Conv2d(4, 8, (3, 3), Padding.Same);
        var rng = new Random(1);
        var data = new float[8 * 4 * 4 * 4];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 4 - 2);
        float[]? first = null;
        for (int pass = 0; pass < 300; pass++)
        {
            using var scope = NewDisposeScope();
            var x = tensor(data, [8, 4, 4, 4]).requires_grad_(true);
            conv.call(x).sum().backward();
            var grad = x.grad!.data<float>().ToArray();
            Assert.True(grad.All(float.IsFinite), $"pass {pass}: the input gradient is not finite");
            first ??= grad;
            Assert.Equal(first, grad);
        }
    }
}
