using Mmcs.Train.Cnn;
using Mmcs.Train.Evaluation;

namespace Mmcs.Train.Tests.Cnn;

public sealed class Cnn2dArtifactsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-cnn2d-artifacts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Training_curves_and_the_confusion_matrix_are_written_as_pngs()
    {
        var train = SyntheticImages.Bands(perClass: 3, seed: 1);
        var validation = SyntheticImages.Bands(perClass: 2, seed: 2, prefix: "val");
        using var result = Cnn2dTrainer.Train(train, validation, SyntheticImages.Tiny, SyntheticImages.FastTraining with { MaxEpochs = 3 });
        var files = Cnn2dArtifacts.WriteTrainingCurves(_dir, result, "mel");
        var p = result.Model.PredictProbabilities(validation);
        var report = ClassificationReport.Compute(Enumerable.Range(0, validation.Count).Select(validation.Label).ToArray(),
            ClassificationReport.ArgMax(p), validation.Labels);
        var confusion = Cnn2dArtifacts.WriteConfusionMatrix(_dir, report, "mel");

        Assert.Equal(["training_loss.png", "training_accuracy.png"], files.Select(Path.GetFileName));
        foreach (var path in files.Append(confusion))
        {
            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 2000, $"{path} has only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    [Fact]
    public void Metric_steps_name_every_epoch_metric_with_the_epoch_as_step()
    {
        var logged = new List<(string Key, double Value, long Step)>();
        var observer = TrainingObservers.MetricSteps((k, v, s) => logged.Add((k, v, s)), "mel_");
        observer.OnEpoch(new EpochMetrics(3, 1.2, 0.4, 1.3, 0.35, 1e-4, 2.5));
        Assert.Equal(
            [("mel_train_loss", 1.2, 3L), ("mel_train_accuracy", 0.4, 3L), ("mel_val_loss", 1.3, 3L), ("mel_val_accuracy", 0.35, 3L),
             ("mel_learning_rate", 1e-4, 3L), ("mel_epoch_seconds", 2.5, 3L)],
            logged);
    }
}
