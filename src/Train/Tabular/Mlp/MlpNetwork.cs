using Mmcs.Core;
using Mmcs.Train.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mmcs.Train.Tabular.Mlp;

/// <summary>
/// A fully connected network over a feature vector (the "dense" branch of Louro et al. 2024): hidden layers, each
/// a linear layer, batch norm, ReLU and dropout, the first <see cref="Width"/> units wide and every next one half
/// as wide (at least 16), then the logits.
/// </summary>
public sealed record MlpArchitecture
{
    public int Width { get; init; } = 128;
    public int Layers { get; init; } = 2;
    public double Dropout { get; init; } = 0.3;

    public IReadOnlyList<int> HiddenUnits() =>
        Enumerable.Range(0, Layers).Select(i => Math.Max(Math.Min(16, Width), Width >> i)).ToArray();

    public void Validate()
    {
        if (Width < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"MLP: width must be >= 1, got {Width}");
        if (Layers < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"MLP: layers must be >= 1, got {Layers}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"MLP: dropout must be in [0, 1), got {Dropout}");
    }
}

/// <summary>
/// The MLP module (input [batch, features], output logits [batch, classes]). Weights are initialised from a seeded
/// generator and dropout masks drawn from it, so that training depends on the seed alone.
/// </summary>
public sealed class MlpNetwork : nn.Module<Tensor, Tensor>, ITabularNetwork
{
    private readonly ModuleList<Linear> hidden;
    private readonly ModuleList<StableBatchNorm> norms;
    private readonly Linear logits;
    private readonly Generator _generator;

    public MlpNetwork(MlpArchitecture architecture, int inputLength, int classes, long seed)
        : base(nameof(MlpNetwork))
    {
        architecture.Validate();
        if (inputLength < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, "MLP: no input features");
        Architecture = architecture;
        InputLength = inputLength;
        Classes = classes;
        _generator = new Generator((ulong)seed);
        var layers = new List<Linear>();
        var batchNorms = new List<StableBatchNorm>();
        long width = inputLength;
        foreach (int units in architecture.HiddenUnits())
        {
            layers.Add(nn.Linear(width, units));
            batchNorms.Add(StableBatchNorm.OneD(units));
            width = units;
        }
        hidden = nn.ModuleList(layers.ToArray());
        norms = nn.ModuleList(batchNorms.ToArray());
        logits = nn.Linear(width, classes);
        RegisterComponents();
        InitializeWeights();
    }

    public MlpArchitecture Architecture { get; }
    public int InputLength { get; }
    public int Classes { get; }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < hidden.Count; i++)
        {
            x = nn.functional.relu(norms[i].call(hidden[i].call(x)));
            if (training) x = TorchTabularTraining.SeededDropout(x, Architecture.Dropout, _generator);
        }
        return logits.call(x);
    }

    private void InitializeWeights()
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.StartsWith("norms.", StringComparison.Ordinal)) continue; // batch norm: weight 1, bias 0
            if (name.EndsWith("weight", StringComparison.Ordinal))
            {
                // He uniform for the ReLU layers (fan in), from the seeded generator.
                double bound = Math.Sqrt(6.0 / p.shape[1]);
                TorchTabularTraining.UniformInit(p, bound, _generator);
            }
            else if (name.EndsWith("bias", StringComparison.Ordinal)) nn.init.zeros_(p);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _generator.Dispose();
        base.Dispose(disposing);
    }
}
