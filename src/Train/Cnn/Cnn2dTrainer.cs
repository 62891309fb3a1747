using System.Diagnostics;
using MathNet.Numerics.Distributions;
using Mmcs.Core;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Cnn.Models;
using Mmcs.Train.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Mmcs.Train.Cnn;

/// <summary>The trained model and how training went.</summary>
/// <param name="Model">The classifier with the best epoch's weights (the caller disposes it).</param>
/// <param name="History">Every epoch's metrics.</param>
/// <param name="BestEpoch">The epoch (1-based) with the lowest validation loss, whose weights the model holds.</param>
/// <param name="StoppedEarly">Whether patience ran out before the last epoch.</param>
public sealed record Cnn2dTrainingResult(Cnn2dClassifier Model, IReadOnlyList<EpochMetrics> History, int BestEpoch, bool StoppedEarly)
    : IDisposable
{
    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();

    /// <summary>Mean wall time of an epoch.</summary>
    public double SecondsPerEpoch => History.Count == 0 ? 0 : History.Average(h => h.Seconds);

    /// <summary>The best epoch's metrics.</summary>
    public EpochMetrics Best => History[BestEpoch - 1];
}

/// <summary>
/// Trains a 2D CNN: Adam with a schedule, mini-batches streamed from the training source in a seeded shuffle,
/// optional SpecAugment masking and mixup, the L2 penalty on the dense layers, and early stopping on the
/// validation loss with the best epoch's weights restored at the end (the original study kept the last epoch).
/// The normaliser is fitted on the training source alone. With the same seed, data and thread count the weights
/// come out identical.
/// </summary>
public static class Cnn2dTrainer
{
    public static Cnn2dTrainingResult Train(CnnSplit split, Cnn2dVariant variant, ITrainingObserver? observer = null,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default) =>
        Train(split.Train, split.Validation, variant.Architecture, variant.Training, observer, progress, cancellationToken, variant.Name);

    public static Cnn2dTrainingResult Train(IImageSource train, IImageSource validation, Cnn2dArchitecture architecture,
        Cnn2dTrainingOptions options, ITrainingObserver? observer = null, IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellationToken = default, string? variantName = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        options.Validate();
        architecture.Validate(train.Size);
        ImageSources.CheckCompatible(train, validation, "training and validation");
        if (train.Count < 2) throw new MmcsException(ErrorCodes.DataInvalid, $"cannot train on {train.Count} clip(s)");
        if (validation.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, "the validation split is empty");
        observer ??= TrainingObservers.None;
        progress ??= Core.Progress.None;

        var normalizer = ImageNormalizer.Fit(train, options.Normalization, cancellationToken);
        return TorchRuntime.ExclusiveFit(options.Threads ?? Environment.ProcessorCount,
            () => new Cnn2dNetwork(architecture, train.Size, train.Labels.Count, options.Seed),
            network =>
            {
                var (history, bestEpoch, stoppedEarly) = Fit(network, normalizer, train, validation, options, observer, progress,
                    cancellationToken);
                var summary = new Cnn2dTrainingSummary(variantName, options, bestEpoch, history.Count, train.Count, validation.Count);
                var model = new Cnn2dClassifier(network, normalizer, train.Kind, train.Labels, summary);
                return new Cnn2dTrainingResult(model, history, bestEpoch, stoppedEarly);
            }, cancellationToken);
    }

    private static (List<EpochMetrics> History, int BestEpoch, bool StoppedEarly) Fit(Cnn2dNetwork network,
        ImageNormalizer normalizer, IImageSource train, IImageSource validation, Cnn2dTrainingOptions options,
        ITrainingObserver observer, IProgress<ProgressUpdate> progress, CancellationToken cancellationToken)
    {
        var rng = new Random(options.Seed);
        var history = new List<EpochMetrics>();
        long rows = train.Size.Rows, cols = train.Size.Cols;
        int pixels = train.Pixels();
        var denseWeights = network.DenseWeights().ToList();
        using var optimizer = new StableAdam(network.parameters(), options.LearningRate);
        Dictionary<string, Tensor>? best = null;
        int bestEpoch = 0, sinceBest = 0, sincePlateauBest = 0;
        double bestLoss = double.PositiveInfinity, plateauBest = double.PositiveInfinity;
        double learningRate = options.LearningRate;
        bool stoppedEarly = false;
        try
        {
            for (int epoch = 1; epoch <= options.MaxEpochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                if (options.Schedule == LearningRateSchedule.Cosine)
                    learningRate = options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (epoch - 1) / options.MaxEpochs));
                optimizer.LearningRate = learningRate;

                network.train();
                var order = Enumerable.Range(0, train.Count).ToArray();
                rng.Shuffle(order);
                double lossSum = 0;
                int correct = 0, seen = 0;
                using var l2Scalar = options.L2.ToScalar();
                foreach (var batch in BatchStream.Read(train, order, options.BatchSize, normalizer, options.PrefetchBatches, cancellationToken))
                {
                    using var scope = NewDisposeScope();
                    int n = batch.Count;
                    if (options.SpecAugment is { } masking)
                    {
                        for (int k = 0; k < n; k++) Mask(batch.Images.AsSpan(k * pixels, pixels), (int)rows, (int)cols, masking, rng);
                    }
                    var x = batch.ImagesTensor(rows, cols);
                    var y = batch.LabelsTensor();
                    Tensor loss;
                    Tensor logits;
                    if (options.MixupAlpha > 0)
                    {
                        double lambda = Beta.Sample(rng, options.MixupAlpha, options.MixupAlpha);
                        var permutation = Enumerable.Range(0, n).ToArray();
                        rng.Shuffle(permutation);
                        var index = tensor(permutation.Select(i => (long)i).ToArray());
                        // explicit Scalars that live through the native calls (see the L2 penalty below)
                        using var lambdaScalar = lambda.ToScalar();
                        using var restScalar = (1 - lambda).ToScalar();
                        var mixed = x.mul(lambdaScalar).add(x.index_select(0, index), restScalar);
                        logits = network.call(mixed);
                        loss = nn.functional.cross_entropy(logits, y).mul(lambdaScalar)
                            .add(nn.functional.cross_entropy(logits, y.index_select(0, index)), restScalar);
                    }
                    else
                    {
                        logits = network.call(x);
                        loss = nn.functional.cross_entropy(logits, y);
                    }
                    var total = loss;
                    if (options.L2 > 0)
                    {
                        // total + L2·Σw²: the penalty weight is an explicit Scalar held for the whole training. Operators with
                        // numbers (t + u, t * 0.001, t.pow(2)) and TorchSharp's hidden defaults (t.square() is pow(2),
                        // t.add(u) passes alpha 1) make temporary Scalars whose native memory the finalizer may free during
                        // the native call under GC pressure; seen as libtorch's "Expected false to be true" in
                        // Scalar::toFloat (FinalizerPressureTests).
                        foreach (var w in denseWeights) total = total.add(w.mul(w).sum(), l2Scalar);
                    }
                    optimizer.ZeroGrad();
                    total.backward();
                    optimizer.Step();

                    double batchLoss = loss.item<float>();
                    if (!double.IsFinite(batchLoss))
                        throw new MmcsException(ErrorCodes.InvalidState,
                            $"training diverged at epoch {epoch} (loss {batchLoss}); lower the learning rate");
                    lossSum += batchLoss * n;
                    correct += (int)logits.argmax(1).eq(y).sum().item<long>();
                    seen += n;
                }

                var logp = Cnn2dClassifier.Evaluate(network, normalizer, validation, options.BatchSize, options.PrefetchBatches,
                    cancellationToken);
                var (validationLoss, validationAccuracy) = LossAndAccuracy(logp, validation);
                var metrics = new EpochMetrics(epoch, lossSum / seen, (double)correct / seen, validationLoss, validationAccuracy,
                    learningRate, clock.Elapsed.TotalSeconds);
                history.Add(metrics);
                observer.OnEpoch(metrics);
                progress.Report(new ProgressUpdate("train cnn2d", epoch, options.MaxEpochs,
                    $"epoch {epoch}: loss {Invariant.Format(Math.Round(metrics.TrainLoss, 4))}, " +
                    $"val loss {Invariant.Format(Math.Round(validationLoss, 4))}, val acc {Invariant.Format(Math.Round(validationAccuracy, 4))}"));

                if (validationLoss < bestLoss - options.MinDelta)
                {
                    bestLoss = validationLoss;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    Dispose(best);
                    best = Snapshot(network);
                }
                else
                {
                    sinceBest++;
                }

                if (options.Schedule == LearningRateSchedule.ReduceOnPlateau)
                {
                    if (validationLoss < plateauBest * (1 - 1e-4)) { plateauBest = validationLoss; sincePlateauBest = 0; }
                    else if (++sincePlateauBest > options.PlateauPatience)
                    {
                        learningRate = Math.Max(learningRate * 0.1, 1e-8);
                        sincePlateauBest = 0;
                    }
                }

                if (options.Patience > 0 && sinceBest >= options.Patience && epoch < options.MaxEpochs)
                {
                    stoppedEarly = true;
                    break;
                }
            }
            if (best == null)
                throw new MmcsException(ErrorCodes.InvalidState, "no epoch produced a finite validation loss");
            network.load_state_dict(best);
            network.eval();
            return (history, bestEpoch, stoppedEarly);
        }
        finally
        {
            Dispose(best);
        }
    }

    /// <summary>Mean negative log-likelihood and accuracy of log-probabilities against a source's labels.</summary>
    internal static (double Loss, double Accuracy) LossAndAccuracy(double[][] logProbabilities, IImageSource source)
    {
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < logProbabilities.Length; i++)
        {
            int label = source.Label(i);
            loss -= logProbabilities[i][label];
            if (Evaluation.ClassificationReport.ArgMax(logProbabilities[i]) == label) correct++;
        }
        return (loss / logProbabilities.Length, (double)correct / logProbabilities.Length);
    }

    /// <summary>SpecAugment: bands of rows and of columns set to zero (the mean, after normalisation).</summary>
    internal static void Mask(Span<float> image, int rows, int cols, SpecAugmentOptions options, Random rng)
    {
        int maxRows = (int)Math.Floor(options.MaxFrequencyFraction * rows);
        for (int m = 0; m < options.FrequencyMasks; m++)
        {
            int width = rng.Next(0, maxRows + 1);
            int start = rng.Next(0, rows - width + 1);
            image.Slice(start * cols, width * cols).Clear();
        }
        int maxCols = (int)Math.Floor(options.MaxTimeFraction * cols);
        for (int m = 0; m < options.TimeMasks; m++)
        {
            int width = rng.Next(0, maxCols + 1);
            int start = rng.Next(0, cols - width + 1);
            for (int r = 0; r < rows; r++) image.Slice(r * cols + start, width).Clear();
        }
    }

    private static Dictionary<string, Tensor> Snapshot(Cnn2dNetwork network)
    {
        using var _ = no_grad();
        return network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    private static void Dispose(Dictionary<string, Tensor>? snapshot)
    {
        if (snapshot == null) return;
        foreach (var t in snapshot.Values) t.Dispose();
    }
}
