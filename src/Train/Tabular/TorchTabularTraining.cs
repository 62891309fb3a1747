using Mmcs.Core;
using Mmcs.Train.Tabular.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mmcs.Train.Tabular;

/// <summary>Mini-batch settings shared by the TorchSharp tabular networks (the 1D CNN and the MLP).</summary>
internal sealed record MiniBatchSettings(string What, double LearningRate, double WeightDecay, int Epochs, int BatchSize, int Seed, int Threads);

/// <summary>
/// The training loop of the TorchSharp tabular networks: cross-entropy on shuffled mini-batches (order from a seeded
/// <see cref="Random"/>), Adam (AdamW when weight decay is set; <see cref="Torch.StableAdam"/>), a dispose scope around every batch, train() while
/// fitting and eval() at the end. Returns the mean training loss of every epoch.
/// </summary>
internal static class TorchTabularTraining
{
    /// <summary>Builds a network (after checking the rows) and trains it; the network is disposed if training fails.</summary>
    public static (TNetwork Network, List<double> Losses) Train<TNetwork>(Func<int, TNetwork> build, float[][] x, int[] y, MiniBatchSettings s,
        CancellationToken cancellationToken) where TNetwork : nn.Module<Tensor, Tensor>
    {
        if (x.Length != y.Length) throw new ArgumentException($"{x.Length} rows but {y.Length} labels");
        if (x.Length < 2) throw new MmcsException(ErrorCodes.DataInvalid, $"{s.What}: cannot train on {x.Length} row(s)");
        return Torch.TorchRuntime.ExclusiveFit(s.Threads, () => build(x[0].Length), network => (network, Fit(network, x, y, s, cancellationToken)),
            cancellationToken);
    }

    /// <summary>The training loop (inside <see cref="Torch.TorchRuntime.ExclusiveFit"/>, which sets the thread count).</summary>
    private static List<double> Fit(nn.Module<Tensor, Tensor> network, float[][] x, int[] y, MiniBatchSettings s, CancellationToken cancellationToken)
    {
        int width = x[0].Length;
        var rng = new Random(s.Seed);
        var losses = new List<double>();
        var flat = new float[x.Length * width];
        for (int i = 0; i < x.Length; i++) x[i].CopyTo(flat, i * width);
        using var allX = tensor(flat, [x.Length, width]);
        using var allY = tensor(y.Select(v => (long)v).ToArray());
        using var optimizer = new Torch.StableAdam(network.parameters(), s.LearningRate, s.WeightDecay);
        var order = Enumerable.Range(0, x.Length).ToArray();
        for (int epoch = 0; epoch < s.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            network.train();
            rng.Shuffle(order);
            double sum = 0;
            int seen = 0;
            for (int start = 0; start < order.Length; start += s.BatchSize)
            {
                int count = Math.Min(s.BatchSize, order.Length - start);
                if (count < 2 && order.Length >= 2) continue; // batch norm needs two rows; the row is seen next epoch
                using var scope = NewDisposeScope();
                var index = tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray());
                var logits = network.call(allX.index_select(0, index));
                var loss = nn.functional.cross_entropy(logits, allY.index_select(0, index));
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.Step();
                sum += loss.item<float>() * count;
                seen += count;
            }
            double mean = sum / Math.Max(1, seen);
            if (!double.IsFinite(mean))
                throw new MmcsException(ErrorCodes.InvalidState, $"{s.What}: the loss diverged at epoch {epoch + 1} (learning rate {s.LearningRate})");
            losses.Add(mean);
        }
        network.eval();
        return losses;
    }

    /// <summary>Inverted dropout with a mask drawn from a seeded generator (training only), so that training depends
    /// on the seed alone, not on libtorch's global random state.</summary>
    public static Tensor SeededDropout(Tensor x, double p, Generator generator)
    {
        if (p <= 0) return x;
        // explicit Scalars held through the native calls (operators with numbers make temporaries the finalizer may
        // free mid-call; see Torch.StableAdam)
        using var threshold = p.ToScalar();
        using var scale = (1 / (1 - p)).ToScalar();
        var keep = torch.rand(x.shape, generator: generator).ge(threshold);
        return x.mul(keep.to(x.dtype)).mul(scale);
    }

    /// <summary>Fills a weight with values uniform in [−bound, bound) from a seeded generator (explicit Scalars).</summary>
    public static void UniformInit(Tensor weight, double bound, Generator generator)
    {
        using var width = (2 * bound).ToScalar();
        using var offset = bound.ToScalar();
        using var scope = NewDisposeScope();
        weight.copy_(torch.rand(weight.shape, generator: generator).mul(width).sub(offset));
    }

    /// <summary>Softmax probabilities of an eval-mode network, one row per input row.</summary>
    public static double[][] Predict(nn.Module<Tensor, Tensor> network, float[][] x, int width, int classes, string what)
    {
        if (x.Length == 0) return [];
        if (x[0].Length != width) throw new MmcsException(ErrorCodes.DataInvalid, $"the {what} reads {width} features, got {x[0].Length}");
        var flat = new float[x.Length * width];
        for (int i = 0; i < x.Length; i++) x[i].CopyTo(flat, i * width);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        network.eval();
        var p = nn.functional.softmax(network.call(tensor(flat, [x.Length, width])), 1).to_type(ScalarType.Float64);
        var values = p.data<double>().ToArray();
        return Enumerable.Range(0, x.Length).Select(i => values.AsSpan(i * classes, classes).ToArray()).ToArray();
    }
}

/// <summary>A TorchSharp network over feature vectors: input [batch, InputLength], logits [batch, Classes].</summary>
public interface ITabularNetwork
{
    int InputLength { get; }
    int Classes { get; }
}

/// <summary>
/// A trained TorchSharp tabular network in evaluation mode (the 1D CNN, the MLP): thread-safe prediction, its
/// weights and a JSON configuration saved side by side, loaded back by <see cref="LoadFrom"/>.
/// </summary>
public abstract class TorchTabularModel<TNetwork> : IFittedModel
    where TNetwork : nn.Module<Tensor, Tensor>, ITabularNetwork
{
    private readonly object _gate = new();

    protected TorchTabularModel(TNetwork network) => Network = network;

    protected TNetwork Network { get; }

    public abstract string Trainer { get; }

    /// <summary>What the model is called in errors ("1D CNN", "MLP").</summary>
    protected abstract string What { get; }

    protected abstract string WeightsFile { get; }

    protected abstract string ConfigFile { get; }

    /// <summary>Writes the configuration that rebuilds the network (sizes, architecture, options).</summary>
    protected abstract void WriteConfig(string path);

    public double[][] PredictProbabilities(float[][] x)
    {
        lock (_gate) return TorchTabularTraining.Predict(Network, x, Network.InputLength, Network.Classes, What);
    }

    public void Save(string directory)
    {
        lock (_gate) Network.save(Path.Combine(directory, WeightsFile));
        WriteConfig(Path.Combine(directory, ConfigFile));
    }

    public void Dispose() => Network.Dispose();

    /// <summary>Reads the configuration, builds the network, loads its weights (a clear error naming the file when
    /// they do not fit) and wraps it.</summary>
    protected static TModel LoadFrom<TConfig, TModel>(string directory, string weightsFile, string configFile, string what,
        Func<TConfig, TNetwork> build, Func<TNetwork, TConfig, TModel> wrap)
    {
        Torch.TorchRuntime.EnsureInitialized();
        var config = ClassifierStoreJson.Read<TConfig>(Path.Combine(directory, configFile));
        var network = build(config);
        try
        {
            network.load(Path.Combine(directory, weightsFile));
            network.eval();
            return wrap(network, config);
        }
        catch (Exception e)
        {
            network.Dispose();
            if (e is MmcsException) throw;
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{Path.Combine(directory, weightsFile)}: cannot load the {what} weights: {e.Message}", e);
        }
    }
}
