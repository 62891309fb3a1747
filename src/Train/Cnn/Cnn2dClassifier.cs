using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Cnn.Models;
using Mmcs.Train.Models;
using Mmcs.Train.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Mmcs.Train.Cnn;

/// <summary>How a saved 2D CNN was trained (for people and for retraining; not needed to predict).</summary>
/// <param name="Variant">The option-search candidate it came from, if any.</param>
/// <param name="Training">The training options.</param>
/// <param name="BestEpoch">The epoch whose weights were kept (1-based).</param>
/// <param name="EpochsRun">Epochs trained before stopping.</param>
/// <param name="TrainClips">Training clips, augmented copies included.</param>
/// <param name="ValidationClips">Validation clips.</param>
public sealed record Cnn2dTrainingSummary(string? Variant, Cnn2dTrainingOptions Training, int BestEpoch, int EpochsRun,
    int TrainClips, int ValidationClips);

/// <summary>
/// A trained 2D CNN over one kind of image: kind "cnn2d". Holds the network, the normaliser fitted on its
/// training split, the image kind and size, and the labels; saves all of them, and reloads to identical outputs.
/// </summary>
public sealed class Cnn2dClassifier : IMoodClassifier
{
    public const string KindName = "cnn2d";
    internal const string StateFileName = "cnn2d.json";
    internal const string WeightsFileName = "weights.bin";
    private const int FormatVersion = 1;

    private readonly Cnn2dNetwork _network;
    private readonly object _gate = new();
    private bool _disposed;

    internal Cnn2dClassifier(Cnn2dNetwork network, ImageNormalizer normalizer, ImageKind imageKind,
        IReadOnlyList<string> labels, Cnn2dTrainingSummary? summary)
    {
        if (labels.Count != network.Classes)
            throw new ArgumentException($"{labels.Count} labels for a network of {network.Classes} outputs", nameof(labels));
        _network = network;
        _network.eval();
        Normalizer = normalizer;
        ImageKind = imageKind;
        Labels = labels.ToArray();
        Summary = summary;
        Requirements = new FeatureRequirements { Images = new Dictionary<ImageKind, ImageSize?> { [imageKind] = network.Input } };
    }

    public string Kind => KindName;
    public IReadOnlyList<string> Labels { get; }
    public FeatureRequirements Requirements { get; }
    public ImageKind ImageKind { get; }
    public ImageSize ImageSize => _network.Input;
    public Cnn2dArchitecture Architecture => _network.Architecture;
    public ImageNormalizer Normalizer { get; }
    public Cnn2dTrainingSummary? Summary { get; }

    /// <summary>The network (for tests and inspection; do not train it).</summary>
    internal Cnn2dNetwork Network => _network;

    public double[][] PredictProbabilities(IReadOnlyList<ClipFeatures> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        return PredictProbabilities(new ClipFeaturesImageSource(clips, ImageKind, ImageSize, Labels));
    }

    /// <summary>Class probabilities of every clip of <paramref name="source"/>, streamed in batches.</summary>
    public double[][] PredictProbabilities(IImageSource source, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        if (source.Kind != ImageKind || source.Size != ImageSize)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"this model reads {ImageKind} images of {ImageSize.Rows}x{ImageSize.Cols}, not {source.Kind} images of {source.Size.Rows}x{source.Size.Cols}");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var logProbabilities = Evaluate(_network, Normalizer, source, Math.Max(2, batchSize), 1, cancellationToken);
            return logProbabilities.Select(row => row.Select(Math.Exp).ToArray()).ToArray();
        }
    }

    /// <summary>Log-probabilities of every clip of a source, in eval mode (the caller holds the network).</summary>
    internal static double[][] Evaluate(Cnn2dNetwork network, ImageNormalizer normalizer, IImageSource source, int batchSize,
        int prefetch, CancellationToken cancellationToken)
    {
        TorchRuntime.EnsureInitialized();
        network.eval();
        var result = new double[source.Count][];
        var order = Enumerable.Range(0, source.Count).ToArray();
        long rows = source.Size.Rows, cols = source.Size.Cols;
        using var noGrad = no_grad();
        foreach (var batch in BatchStream.Read(source, order, batchSize, normalizer, prefetch, cancellationToken))
        {
            using var scope = NewDisposeScope();
            var x = batch.ImagesTensor(rows, cols);
            var logp = nn.functional.log_softmax(network.call(x), 1).to_type(ScalarType.Float64);
            var values = logp.data<double>().ToArray();
            int classes = network.Classes;
            for (int k = 0; k < batch.Count; k++)
                result[batch.Indices[k]] = values.AsSpan(k * classes, classes).ToArray();
        }
        return result;
    }

    public void Save(string directory)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _network.save(Path.Combine(directory, WeightsFileName));
        }
        var state = new Cnn2dState(FormatVersion, ImageKind, ImageSize.Rows, ImageSize.Cols, Architecture,
            Normalizer.ToState(), Summary);
        ClassifierStore.WriteJson(Path.Combine(directory, StateFileName), state);
        ClassifierStore.WriteHeader(directory, new ClassifierHeader(Kind, Labels, Requirements, new Dictionary<string, string>
        {
            ["image_kind"] = ImageKind.ToString(),
            ["image_size"] = $"{ImageSize.Rows.ToString(Invariant.Culture)}x{ImageSize.Cols.ToString(Invariant.Culture)}",
            ["filters"] = string.Join("/", Architecture.Filters.Select(f => f.ToString(Invariant.Culture))),
            ["head"] = Architecture.Head.ToString(),
        }));
    }

    internal static Cnn2dClassifier Load(string directory, ClassifierHeader header)
    {
        string statePath = Path.Combine(directory, StateFileName);
        string weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(statePath) || !File.Exists(weightsPath))
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"'{directory}' is not a complete {KindName} model: it needs {StateFileName} and {WeightsFileName}");
        var state = ClassifierStore.ReadJson<Cnn2dState>(statePath);
        if (state.FormatVersion != FormatVersion)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{statePath}: format version {state.FormatVersion} is not supported (expected {FormatVersion})");
        if (state.Architecture is null || state.Normalizer is null)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{statePath}: the architecture or the normaliser is missing");
        TorchRuntime.EnsureInitialized();
        var size = new ImageSize(state.Rows, state.Cols);
        var network = new Cnn2dNetwork(state.Architecture, size, header.Labels.Count, seed: 0);
        try
        {
            network.load(weightsPath);
        }
        catch (Exception e) when (e is not MmcsException)
        {
            network.Dispose();
            throw new MmcsException(ErrorCodes.DataInvalid, $"{weightsPath}: cannot load the weights: {e.Message}", e);
        }
        return new Cnn2dClassifier(network, ImageNormalizer.FromState(state.Normalizer), state.ImageKind, header.Labels, state.Summary);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _network.Dispose();
        }
    }
}

/// <summary>cnn2d.json.</summary>
internal sealed record Cnn2dState(int FormatVersion, ImageKind ImageKind, int Rows, int Cols, Cnn2dArchitecture Architecture,
    NormalizerState Normalizer, Cnn2dTrainingSummary? Summary);

/// <summary>Loads "cnn2d" classifiers.</summary>
public sealed class Cnn2dClassifierLoader : IMoodClassifierLoader
{
    public string Kind => Cnn2dClassifier.KindName;

    public IMoodClassifier Load(string directory, ClassifierHeader header) => Cnn2dClassifier.Load(directory, header);
}
