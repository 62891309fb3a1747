using Mmcs.Core;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Trainers;
using Mmcs.Train.Torch;
using static TorchSharp.torch;

namespace Mmcs.Train.Tabular.Conv1d;

/// <summary>Training options of the 1D CNN (the original study: Adam, learning rate 1e-4).</summary>
public sealed record Conv1dTrainingOptions
{
    public double LearningRate { get; init; } = 1e-4;
    public int Epochs { get; init; } = 100;
    public int BatchSize { get; init; } = 32;
    public int Seed { get; init; } = 1;

    /// <summary>libtorch intra-op threads while training (tiny networks: one is as fast and leaves cores free).</summary>
    public int Threads { get; init; } = 1;

    public void Validate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"1D CNN: learning rate must be > 0, got {LearningRate}");
        if (Epochs < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"1D CNN: epochs must be >= 1, got {Epochs}");
        if (BatchSize < 2) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"1D CNN: batch size must be >= 2, got {BatchSize}");
        if (Threads < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"1D CNN: threads must be >= 1, got {Threads}");
    }
}

/// <summary>What training produced: the model and the mean training loss of every epoch.</summary>
public sealed record Conv1dTrainingResult(Conv1dModel Model, IReadOnlyList<double> EpochLosses);

/// <summary>Trains <see cref="Conv1dNetwork"/> with Adam and cross-entropy on shuffled mini-batches.</summary>
public static class Conv1dTrainer
{
    public static Conv1dTrainingResult Train(float[][] x, int[] y, int classes, Conv1dArchitecture architecture,
        Conv1dTrainingOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        architecture.Validate();
        var (network, losses) = TorchTabularTraining.Train(width => new Conv1dNetwork(architecture, width, classes, options.Seed), x, y,
            new MiniBatchSettings("1D CNN", options.LearningRate, 0, options.Epochs, options.BatchSize, options.Seed, options.Threads), cancellationToken);
        return new Conv1dTrainingResult(new Conv1dModel(network, options), losses);
    }
}

/// <summary>A trained 1D CNN (evaluation mode); thread-safe prediction.</summary>
public sealed class Conv1dModel : TorchTabularModel<Conv1dNetwork>
{
    internal Conv1dModel(Conv1dNetwork network, Conv1dTrainingOptions options)
        : base(network) => Options = options;

    public override string Trainer => Conv1dCandidate.TrainerName;

    public Conv1dTrainingOptions Options { get; }

    public Conv1dArchitecture Architecture => Network.Architecture;

    private const string Name = "1D CNN", Weights = "conv1d.weights", Config = "conv1d.json";

    protected override string What => Name;

    protected override string WeightsFile => Weights;

    protected override string ConfigFile => Config;

    protected override void WriteConfig(string path) =>
        ClassifierStoreJson.Write(path, new Conv1dSavedConfig(Network.InputLength, Network.Classes, Network.Architecture, Options));

    internal static Conv1dModel Load(string directory) =>
        LoadFrom<Conv1dSavedConfig, Conv1dModel>(directory, Weights, Config, Name,
            c => new Conv1dNetwork(c.Architecture, c.InputLength, c.Classes, c.Options.Seed), (n, c) => new Conv1dModel(n, c.Options));
}

internal sealed record Conv1dSavedConfig(int InputLength, int Classes, Conv1dArchitecture Architecture, Conv1dTrainingOptions Options);

/// <summary>The 1D CNN as a pipeline-search candidate (learning rate, epochs, batch size and dropout searchable).</summary>
public sealed class Conv1dCandidate : TrainerCandidate
{
    public const string TrainerName = "conv1d";

    public override string Name => TrainerName;

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new FloatParameter("learning_rate", 1e-4, 3e-2, 1e-3, Log: true),
        new IntParameter("epochs", 10, 300, 20, Log: true),
        new IntParameter("batch_size", 8, 128, 32, Log: true),
        new FloatParameter("dropout", 0, 0.5, 0.2),
    ];

    protected override double BaseSeconds(Configuration c) =>
        0.25 + 0.034 * c.GetInt("epochs") * (0.5 + 16.0 / c.GetInt("batch_size"));

    public override IFittedModel Fit(TrainingSet data, Configuration configuration, CancellationToken cancellationToken)
    {
        CheckTrainingSet(data);
        var architecture = new Conv1dArchitecture { Dropout = configuration.GetDouble("dropout") };
        var options = new Conv1dTrainingOptions
        {
            LearningRate = configuration.GetDouble("learning_rate"),
            Epochs = configuration.GetInt("epochs"),
            BatchSize = configuration.GetInt("batch_size"),
            Seed = data.Seed,
        };
        return Conv1dTrainer.Train(data.X, data.Y, data.Classes, architecture, options, cancellationToken).Model;
    }

    public override IFittedModel Load(string directory) => Conv1dModel.Load(directory);
}
