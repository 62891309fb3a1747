namespace Mmcs.Train.Cnn;

/// <summary>What one epoch of training measured. Losses are mean cross-entropy per clip (without the L2 penalty).</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="TrainLoss">Mean loss over the epoch's training batches (in training mode: dropout, masking, mixup on).</param>
/// <param name="TrainAccuracy">Accuracy over the epoch's training batches (against each clip's own label).</param>
/// <param name="ValidationLoss">Loss on the validation split in evaluation mode.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation split.</param>
/// <param name="LearningRate">The rate the epoch trained with.</param>
/// <param name="Seconds">Wall time of the epoch (training and validation).</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double ValidationLoss,
    double ValidationAccuracy, double LearningRate, double Seconds);

/// <summary>
/// Receives per-epoch metrics while a network trains (a tracking run logs them as metric steps; the CLI prints them).
/// </summary>
public interface ITrainingObserver
{
    void OnEpoch(EpochMetrics metrics);
}

/// <summary>Observers.</summary>
public static class TrainingObservers
{
    /// <summary>An observer that drops everything.</summary>
    public static ITrainingObserver None { get; } = new Delegating(_ => { });

    /// <summary>An observer calling <paramref name="onEpoch"/>.</summary>
    public static ITrainingObserver From(Action<EpochMetrics> onEpoch) => new Delegating(onEpoch);

    /// <summary>
    /// An observer that logs each epoch as metric steps under <paramref name="prefix"/> (e.g. "mel_"): train_loss,
    /// train_accuracy, val_loss, val_accuracy, learning_rate, epoch_seconds, with the epoch as the step.
    /// </summary>
    /// <param name="logMetric">(key, value, step), e.g. a tracking run's metric logger.</param>
    public static ITrainingObserver MetricSteps(Action<string, double, long> logMetric, string prefix = "") =>
        new Delegating(m =>
        {
            logMetric(prefix + "train_loss", m.TrainLoss, m.Epoch);
            logMetric(prefix + "train_accuracy", m.TrainAccuracy, m.Epoch);
            logMetric(prefix + "val_loss", m.ValidationLoss, m.Epoch);
            logMetric(prefix + "val_accuracy", m.ValidationAccuracy, m.Epoch);
            logMetric(prefix + "learning_rate", m.LearningRate, m.Epoch);
            logMetric(prefix + "epoch_seconds", m.Seconds, m.Epoch);
        });

    private sealed class Delegating(Action<EpochMetrics> onEpoch) : ITrainingObserver
    {
        public void OnEpoch(EpochMetrics metrics) => onEpoch(metrics);
    }
}
