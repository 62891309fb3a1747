using Mmcs.Core;
using Mmcs.Train.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mmcs.Train.Tabular.Conv1d;

/// <summary>
/// The shape of the original study's 1D CNN over a feature vector treated as a one-channel sequence: Conv1D blocks
/// (16, 32, 32 filters; kernels 5, 7, 7; same padding) each followed by batch norm, ReLU and max-pooling by 2, then
/// dense layers of 128 and 64 units with ReLU and dropout, then the logits.
/// </summary>
public sealed record Conv1dArchitecture
{
    public IReadOnlyList<int> Filters { get; init; } = [16, 32, 32];
    public IReadOnlyList<int> Kernels { get; init; } = [5, 7, 7];
    public IReadOnlyList<int> Dense { get; init; } = [128, 64];
    public double Dropout { get; init; } = 0.2;

    public void Validate()
    {
        if (Filters.Count == 0 || Filters.Count != Kernels.Count || Filters.Any(f => f < 1) || Kernels.Any(k => k < 1 || k % 2 == 0))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "1D CNN: one odd kernel size per conv block, filters >= 1");
        if (Dense.Any(d => d < 1)) throw new MmcsException(ErrorCodes.InvalidParameterValue, "1D CNN: dense layers need >= 1 unit");
        if (!(Dropout >= 0 && Dropout < 1)) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"1D CNN: dropout must be in [0, 1), got {Dropout}");
    }

    /// <summary>The sequence length after the conv blocks (each pools by 2 while the length is at least 2).</summary>
    public int OutputLength(int inputLength)
    {
        int length = inputLength;
        foreach (var _ in Filters) length = length >= 2 ? length / 2 : length;
        return length;
    }
}

/// <summary>
/// The 1D CNN module (input [batch, features], output logits [batch, classes]). Weights are initialised from a
/// seeded generator and dropout masks drawn from it, so that training depends on the seed alone, not on libtorch's
/// global random state.
/// </summary>
public sealed class Conv1dNetwork : nn.Module<Tensor, Tensor>, ITabularNetwork
{
    private readonly Sequential blocks;
    private readonly ModuleList<Linear> dense;
    private readonly Linear logits;
    private readonly Generator _generator;

    public Conv1dNetwork(Conv1dArchitecture architecture, int inputLength, int classes, long seed)
        : base(nameof(Conv1dNetwork))
    {
        architecture.Validate();
        if (inputLength < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, "1D CNN: no input features");
        Architecture = architecture;
        InputLength = inputLength;
        Classes = classes;
        _generator = new Generator((ulong)seed);

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long channels = 1;
        int length = inputLength;
        for (int b = 0; b < architecture.Filters.Count; b++)
        {
            long filters = architecture.Filters[b];
            int k = architecture.Kernels[b];
            layers.Add(($"conv{b + 1}", nn.Conv1d(channels, filters, k, padding: k / 2)));
            layers.Add(($"norm{b + 1}", StableBatchNorm.OneD(filters)));
            layers.Add(($"relu{b + 1}", nn.ReLU()));
            if (length >= 2)
            {
                layers.Add(($"pool{b + 1}", nn.MaxPool1d(2)));
                length /= 2;
            }
            channels = filters;
        }
        blocks = nn.Sequential(layers);
        long width = channels * length;
        var denseLayers = new List<Linear>();
        foreach (int units in architecture.Dense)
        {
            denseLayers.Add(nn.Linear(width, units));
            width = units;
        }
        dense = nn.ModuleList(denseLayers.ToArray());
        logits = nn.Linear(width, classes);
        RegisterComponents();
        InitializeWeights();
    }

    public Conv1dArchitecture Architecture { get; }
    public int InputLength { get; }
    public int Classes { get; }

    public override Tensor forward(Tensor input)
    {
        var x = blocks.call(input.unsqueeze(1)).flatten(1);
        foreach (var layer in dense)
        {
            x = nn.functional.relu(layer.call(x));
            if (training) x = TorchTabularTraining.SeededDropout(x, Architecture.Dropout, _generator);
        }
        return logits.call(x);
    }

    private void InitializeWeights()
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("weight", StringComparison.Ordinal) && p.dim() > 1)
            {
                // Glorot uniform (Keras' default, as the original study had): fans include the kernel width.
                long receptive = p.dim() == 3 ? p.shape[2] : 1;
                double bound = Math.Sqrt(6.0 / ((p.shape[1] + p.shape[0]) * receptive));
                TorchTabularTraining.UniformInit(p, bound, _generator);
            }
            else if (name.EndsWith("bias", StringComparison.Ordinal) && !name.StartsWith("blocks.norm", StringComparison.Ordinal))
                nn.init.zeros_(p);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _generator.Dispose();
        base.Dispose(disposing);
    }
}
