using Mmcs.Core;
using static TorchSharp.torch;

namespace Mmcs.Train.Tabular;

/// <summary>Mini-batch settings shared by the TorchSharp tabular networks (the 1D CNN and the MLP).</summary>
internal sealed record MiniBatchSettings(string What, double LearningRate, double WeightDecay, int Epochs, int BatchSize, int Seed, int Threads);

/// <summary>
/// The training loop of the TorchSharp tabular networks: cross-entropy on shuffled mini-batches (order from a seeded
/// <see cref="Random"/>), Adam (AdamW when weight decay is set), a dispose scope around every batch, train() while
/// fitting and eval() at the end. Returns the mean training loss of every epoch.
/// </summary>
internal static class TorchTabularTraining
{
    public static List<double> Fit(nn.Module<Tensor, Tensor> network, float[][] x, int[] y, MiniBatchSettings s, CancellationToken cancellationToken)
    {
        int width = x[0].Length;
        set_num_threads(s.Threads);
        var rng = new Random(s.Seed);
        var losses = new List<double>();
        var flat = new float[x.Length * width];
        for (int i = 0; i < x.Length; i++) x[i].CopyTo(flat, i * width);
        using var allX = tensor(flat, [x.Length, width]);
        using var allY = tensor(y.Select(v => (long)v).ToArray());
        using var optimizer = s.WeightDecay > 0
            ? (optim.Optimizer)optim.AdamW(network.parameters(), lr: s.LearningRate, weight_decay: s.WeightDecay)
            : optim.Adam(network.parameters(), lr: s.LearningRate);
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
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
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
