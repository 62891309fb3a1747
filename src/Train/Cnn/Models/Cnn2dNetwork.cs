using Mmcs.Featurize;
using Mmcs.Train.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mmcs.Train.Cnn.Models;

/// <summary>
/// The 2D CNN: for each block Conv2D 3x3 (same padding) → ReLU → MaxPool → BatchNorm, then (flatten or global
/// average pooling) → dense layers with ReLU and dropout → logits. Input [batch, 1, rows, cols].
/// Weights are initialised Glorot-uniform (Keras' default, as the original study had) and dropout masks drawn from
/// a seeded managed generator, so training depends on the seed alone, never on libtorch's random state (global, and
/// shared with whatever else runs in the process).
/// </summary>
public sealed class Cnn2dNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Sequential head;
    private readonly Random _random;

    public Cnn2dNetwork(Cnn2dArchitecture architecture, ImageSize input, int classes, long seed)
        : base(nameof(Cnn2dNetwork))
    {
        architecture.Validate(input);
        Architecture = architecture;
        Input = input;
        Classes = classes;
        _random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));

        var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
        long channels = 1;
        for (int b = 0; b < architecture.Filters.Count; b++)
        {
            long filters = architecture.Filters[b];
            blocks.Add(($"conv{b + 1}", nn.Conv2d(channels, filters, (3, 3), Padding.Same)));
            blocks.Add(($"relu{b + 1}", nn.ReLU()));
            blocks.Add(($"pool{b + 1}", nn.MaxPool2d((architecture.PoolRows, architecture.PoolCols))));
            blocks.Add(($"norm{b + 1}", StableBatchNorm.TwoD(filters)));
            channels = filters;
        }
        features = nn.Sequential(blocks);

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long width;
        if (architecture.Head == Cnn2dHead.GlobalAveragePooling)
        {
            layers.Add(("gap", nn.AdaptiveAvgPool2d(1)));
            width = channels;
        }
        else
        {
            var (rows, cols) = architecture.OutputMapSize(input);
            width = channels * rows * cols;
        }
        layers.Add(("flatten", nn.Flatten()));
        for (int d = 0; d < architecture.Dense.Count; d++)
        {
            layers.Add(($"dense{d + 1}", nn.Linear(width, architecture.Dense[d])));
            layers.Add(($"dense{d + 1}_relu", nn.ReLU()));
            if (architecture.Dropout > 0) layers.Add(($"dense{d + 1}_dropout", new SeededDropout(architecture.Dropout, _random)));
            width = architecture.Dense[d];
        }
        layers.Add(("logits", nn.Linear(width, classes)));
        head = nn.Sequential(layers);

        RegisterComponents();
        InitializeWeights();
    }

    public Cnn2dArchitecture Architecture { get; }
    public ImageSize Input { get; }
    public int Classes { get; }

    /// <summary>The weights of the dense layers (logits included), which the L2 penalty applies to.</summary>
    public IEnumerable<Parameter> DenseWeights() =>
        head.modules().OfType<Linear>().Select(l => l.weight!);

    public override Tensor forward(Tensor input) => head.call(features.call(input));

    private void InitializeWeights()
    {
        using var _ = no_grad();
        foreach (var module in modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    GlorotUniform(conv.weight!, conv.in_channels * 9, conv.out_channels * 9);
                    conv.bias?.zero_();
                    break;
                case Linear linear:
                    GlorotUniform(linear.weight!, linear.in_features, linear.out_features);
                    linear.bias?.zero_();
                    break;
            }
        }
    }

    private void GlorotUniform(Tensor weight, long fanIn, long fanOut)
    {
        double bound = Math.Sqrt(6.0 / (fanIn + fanOut));
        var values = new float[weight.numel()];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((_random.NextDouble() * 2 - 1) * bound);
        weight.data<float>().CopyFrom(values);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            features.Dispose();
            head.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Inverted dropout drawing its masks from a given seeded generator (libtorch's draws from its global one).</summary>
internal sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _p;
    private readonly Random _random;

    public SeededDropout(double p, Random random)
        : base(nameof(SeededDropout))
    {
        _p = p;
        _random = random;
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || _p == 0) return input.alias();
        var mask = new float[input.numel()];
        float keep = (float)(1 / (1 - _p));
        for (int i = 0; i < mask.Length; i++) mask[i] = _random.NextDouble() < _p ? 0f : keep;
        using var maskTensor = tensor(mask, input.shape);
        return input * maskTensor;
    }
}
