using Mmcs.Core;
using Mmcs.Train.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Mmcs.Train.Tests.Torch;

public class StableAdamTests
{
    private static (nn.Module<Tensor, Tensor> A, nn.Module<Tensor, Tensor> B) Twins()
    {
        TorchRuntime.EnsureInitialized();
        manual_seed(11);
        var a = nn.Sequential(("l1", nn.Linear(6, 8)), ("relu", nn.ReLU()), ("l2", nn.Linear(8, 3)));
        var b = nn.Sequential(("l1", nn.Linear(6, 8)), ("relu", nn.ReLU()), ("l2", nn.Linear(8, 3)));
        b.load_state_dict(a.state_dict());
        return (a, b);
    }

    private static void Train(nn.Module<Tensor, Tensor> net, Action zero, Action step, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        zero();
        nn.functional.cross_entropy(net.call(x), y).backward();
        step();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void It_takes_the_same_steps_as_torch_adam_and_adamw(double weightDecay)
    {
        var (a, b) = Twins();
        using var x = randn(32, 6, generator: new Generator(3));
        using var y = randint(0, 3, [32], generator: new Generator(4));
        using var ours = new StableAdam(a.parameters(), 0.01, weightDecay);
        using optim.Optimizer theirs = weightDecay > 0 ? optim.AdamW(b.parameters(), lr: 0.01, weight_decay: weightDecay) : optim.Adam(b.parameters(), lr: 0.01);
        for (int i = 0; i < 20; i++)
        {
            Train(a, ours.ZeroGrad, ours.Step, x, y);
            Train(b, () => theirs.zero_grad(), () => theirs.step(), x, y);
        }
        var pa = a.parameters().ToArray();
        var pb = b.parameters().ToArray();
        Assert.Equal(pb.Length, pa.Length);
        for (int i = 0; i < pa.Length; i++)
        {
            double diff = (pa[i] - pb[i]).abs().max().item<float>();
            Assert.True(diff < 1e-5, $"parameter {i} differs by {diff}");
        }
        a.Dispose();
        b.Dispose();
    }

    [Fact]
    public void The_learning_rate_can_change_between_steps_and_zero_stops_learning()
    {
        var (a, b) = Twins();
        using var x = randn(16, 6, generator: new Generator(5));
        using var y = randint(0, 3, [16], generator: new Generator(6));
        using var ours = new StableAdam(a.parameters(), 0.05);
        Train(a, ours.ZeroGrad, ours.Step, x, y);
        var before = a.parameters().Select(p => p.clone()).ToArray();
        ours.LearningRate = 1e-30;
        Train(a, ours.ZeroGrad, ours.Step, x, y);
        var after = a.parameters().ToArray();
        for (int i = 0; i < after.Length; i++) Assert.True((after[i] - before[i]).abs().max().item<float>() < 1e-20);
        a.Dispose();
        b.Dispose();
    }

    [Fact]
    public void A_parameter_whose_gradient_appears_late_is_bias_corrected_from_its_own_first_step_as_in_torch()
    {
        TorchRuntime.EnsureInitialized();
        manual_seed(12);
        var a1 = nn.Linear(4, 5);
        var a2 = nn.Linear(5, 2);
        var b1 = nn.Linear(4, 5);
        var b2 = nn.Linear(5, 2);
        b1.load_state_dict(a1.state_dict());
        b2.load_state_dict(a2.state_dict());
        using var x = randn(8, 4, generator: new Generator(7));
        using var ours = new StableAdam(a1.parameters().Concat(a2.parameters()), 0.01);
        using var theirs = optim.Adam(b1.parameters().Concat(b2.parameters()), lr: 0.01);
        for (int i = 0; i < 6; i++)
        {
            // the second layer joins the loss only from the fourth step
            using (var scope = NewDisposeScope())
            {
                ours.ZeroGrad();
                (i < 3 ? a1.call(x).square().mean() : a2.call(a1.call(x)).square().mean()).backward();
                ours.Step();
            }
            using (var scope = NewDisposeScope())
            {
                theirs.zero_grad();
                (i < 3 ? b1.call(x).square().mean() : b2.call(b1.call(x)).square().mean()).backward();
                theirs.step();
            }
        }
        var pa = a1.parameters().Concat(a2.parameters()).ToArray();
        var pb = b1.parameters().Concat(b2.parameters()).ToArray();
        for (int i = 0; i < pa.Length; i++) Assert.True((pa[i] - pb[i]).abs().max().item<float>() < 1e-5, $"parameter {i}");
    }

    [Fact]
    public void Invalid_settings_are_refused()
    {
        var (a, b) = Twins();
        Assert.Throws<MmcsException>(() => new StableAdam(a.parameters(), 0));
        Assert.Throws<MmcsException>(() => new StableAdam(a.parameters(), 1e-3, -1));
        Assert.Throws<MmcsException>(() => new StableAdam(a.parameters(), 1e-3, 0, beta1: 1));
        Assert.Throws<MmcsException>(() => new StableAdam(a.parameters(), 1e-3, double.PositiveInfinity));
        Assert.Throws<MmcsException>(() => new StableAdam(a.parameters(), 1e-3, 0, eps: 0));
        a.Dispose();
        b.Dispose();
    }
}
