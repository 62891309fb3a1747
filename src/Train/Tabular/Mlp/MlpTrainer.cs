using Mmcs.Core;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Trainers;
using Mmcs.Train.Torch;

namespace Mmcs.Train.Tabular.Mlp;

/// <summary>Training options of the MLP: AdamW with weight decay, cross-entropy, shuffled mini-batches.</summary>
public sealed record MlpTrainingOptions
{
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 1e-3;
    public int Epochs { get; init; } = 40;
    public int BatchSize { get; init; } = 64;
    public int Seed { get; init; } = 1;

    /// <summary>libtorch intra-op threads while training (small networks: one is as fast and leaves cores free).</summary>
    public int Threads { get; init; } = 1;

    public void Validate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"MLP: learning rate must be > 0, got {LearningRate}");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"MLP: weight decay must be >= 0, got {WeightDecay}");
        if (Epochs < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"MLP: epochs must be >= 1, got {Epochs}");
        if (BatchSize < 2) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"MLP: batch size must be >= 2, got {BatchSize}");
        if (Threads < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"MLP: threads must be >= 1, got {Threads}");
    }
}

/// <summary>What training produced: the model and the mean training loss of every epoch.</summary>
public sealed record MlpTrainingResult(MlpModel Model, IReadOnlyList<double> EpochLosses);

public static class MlpTrainer
{
    public static MlpTrainingResult Train(float[][] x, int[] y, int classes, MlpArchitecture architecture,
        MlpTrainingOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        architecture.Validate();
        var (network, losses) = TorchTabularTraining.Train(width => new MlpNetwork(architecture, width, classes, options.Seed), x, y,
            new MiniBatchSettings("MLP", options.LearningRate, options.WeightDecay, options.Epochs, options.BatchSize, options.Seed, options.Threads), cancellationToken);
        return new MlpTrainingResult(new MlpModel(network, options), losses);
    }
}

/// <summary>A trained MLP (evaluation mode); thread-safe prediction.</summary>
public sealed class MlpModel : TorchTabularModel<MlpNetwork>
{
    internal MlpModel(MlpNetwork network, MlpTrainingOptions options)
        : base(network) => Options = options;

    public override string Trainer => MlpCandidate.TrainerName;

    public MlpTrainingOptions Options { get; }

    public MlpArchitecture Architecture => Network.Architecture;

    private const string Name = "MLP", Weights = "mlp.weights", Config = "mlp.json";

    protected override string What => Name;

    protected override string WeightsFile => Weights;

    protected override string ConfigFile => Config;

    protected override void WriteConfig(string path) =>
        ClassifierStoreJson.Write(path, new MlpSavedConfig(Network.InputLength, Network.Classes, Network.Architecture, Options));

    internal static MlpModel Load(string directory) =>
        LoadFrom<MlpSavedConfig, MlpModel>(directory, Weights, Config, Name,
            c => new MlpNetwork(c.Architecture, c.InputLength, c.Classes, c.Options.Seed), (n, c) => new MlpModel(n, c.Options));
}

internal sealed record MlpSavedConfig(int InputLength, int Classes, MlpArchitecture Architecture, MlpTrainingOptions Options);

/// <summary>The MLP as a pipeline-search candidate (width, depth, dropout, learning rate, weight decay, epochs, batch size).</summary>
public sealed class MlpCandidate : TrainerCandidate
{
    public const string TrainerName = "mlp";

    public override string Name => TrainerName;

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new IntParameter("width", 32, 512, 128, Log: true),
        new IntParameter("layers", 1, 3, 2),
        new FloatParameter("dropout", 0, 0.6, 0.3),
        new FloatParameter("learning_rate", 1e-4, 1e-2, 1e-3, Log: true),
        new FloatParameter("weight_decay", 1e-5, 0.3, 1e-3, Log: true),
        new IntParameter("epochs", 10, 200, 40, Log: true),
        new IntParameter("batch_size", 16, 256, 64, Log: true),
    ];

    // about 1.5 ms per batch of a 128-wide, two-layer net on 57 features, plus set-up
    protected override double BaseSeconds(Configuration c) =>
        0.1 + 0.0015 * c.GetInt("epochs") * Math.Ceiling(360.0 / c.GetInt("batch_size")) * (c.GetInt("width") / 128.0 + 0.5);

    public override IFittedModel Fit(TrainingSet data, Configuration configuration, CancellationToken cancellationToken)
    {
        CheckTrainingSet(data);
        var architecture = new MlpArchitecture
        {
            Width = configuration.GetInt("width"),
            Layers = configuration.GetInt("layers"),
            Dropout = configuration.GetDouble("dropout"),
        };
        var options = new MlpTrainingOptions
        {
            LearningRate = configuration.GetDouble("learning_rate"),
            WeightDecay = configuration.GetDouble("weight_decay"),
            Epochs = configuration.GetInt("epochs"),
            BatchSize = configuration.GetInt("batch_size"),
            Seed = data.Seed,
        };
        return MlpTrainer.Train(data.X, data.Y, data.Classes, architecture, options, cancellationToken).Model;
    }

    public override IFittedModel Load(string directory) => MlpModel.Load(directory);
}
