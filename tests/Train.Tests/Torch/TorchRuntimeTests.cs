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
}
