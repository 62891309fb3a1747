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
        if (x.Length != y.Length) throw new ArgumentException($"{x.Length} rows but {y.Length} labels");
        if (x.Length < 2) throw new MmcsException(ErrorCodes.DataInvalid, $"1D CNN: cannot train on {x.Length} row(s)");
        TorchRuntime.EnsureInitialized();
        var network = new Conv1dNetwork(architecture, x[0].Length, classes, options.Seed);
        try
        {
            var losses = TorchTabularTraining.Fit(network, x, y,
                new MiniBatchSettings("1D CNN", options.LearningRate, 0, options.Epochs, options.BatchSize, options.Seed, options.Threads), cancellationToken);
            return new Conv1dTrainingResult(new Conv1dModel(network, options), losses);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}

/// <summary>A trained 1D CNN (evaluation mode); thread-safe prediction.</summary>
public sealed class Conv1dModel : IFittedModel
{
    internal const string WeightsFile = "conv1d.weights";
    internal const string ConfigFile = "conv1d.json";
    private readonly Conv1dNetwork _network;
    private readonly object _gate = new();

    internal Conv1dModel(Conv1dNetwork network, Conv1dTrainingOptions options)
    {
        _network = network;
        Options = options;
    }

    public string Trainer => Conv1dCandidate.TrainerName;

    public Conv1dTrainingOptions Options { get; }

    public Conv1dArchitecture Architecture => _network.Architecture;

    public double[][] PredictProbabilities(float[][] x)
    {
        lock (_gate) return TorchTabularTraining.Predict(_network, x, _network.InputLength, _network.Classes, "1D CNN");
    }

    public void Save(string directory)
    {
        lock (_gate) _network.save(Path.Combine(directory, WeightsFile));
        ClassifierStoreJson.Write(Path.Combine(directory, ConfigFile),
            new Conv1dSavedConfig(_network.InputLength, _network.Classes, _network.Architecture, Options));
    }

    internal static Conv1dModel Load(string directory)
    {
        TorchRuntime.EnsureInitialized();
        var config = ClassifierStoreJson.Read<Conv1dSavedConfig>(Path.Combine(directory, ConfigFile));
        var network = new Conv1dNetwork(config.Architecture, config.InputLength, config.Classes, config.Options.Seed);
        try
        {
            network.load(Path.Combine(directory, WeightsFile));
            network.eval();
            return new Conv1dModel(network, config.Options);
        }
        catch (Exception e) when (e is not MmcsException)
        {
            network.Dispose();
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{Path.Combine(directory, WeightsFile)}: cannot load the 1D CNN weights: {e.Message}", e);
        }
    }

    public void Dispose() => _network.Dispose();
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
