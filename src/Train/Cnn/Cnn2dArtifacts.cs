using Mmcs.Train.Evaluation;
using Mmcs.Train.Plots;

namespace Mmcs.Train.Cnn;

/// <summary>The PNG charts logged as run artifacts for a trained CNN.</summary>
public static class Cnn2dArtifacts
{
    public const string LossCurveFileName = "training_loss.png";
    public const string AccuracyCurveFileName = "training_accuracy.png";
    public const string ConfusionMatrixFileName = "confusion_matrix.png";

    /// <summary>Writes the loss and accuracy curves (train and validation per epoch, the best epoch marked) into
    /// <paramref name="directory"/>; returns the files written.</summary>
    public static IReadOnlyList<string> WriteTrainingCurves(string directory, Cnn2dTrainingResult result, string title)
    {
        Directory.CreateDirectory(directory);
        var loss = Path.Combine(directory, LossCurveFileName);
        var accuracy = Path.Combine(directory, AccuracyCurveFileName);
        Charts.Curves(loss, $"{title}: loss", "epoch", "cross-entropy", new Dictionary<string, IReadOnlyList<double>>
        {
            ["train"] = result.History.Select(h => h.TrainLoss).ToArray(),
            ["validation"] = result.History.Select(h => h.ValidationLoss).ToArray(),
        }, result.BestEpoch);
        Charts.Curves(accuracy, $"{title}: accuracy", "epoch", "accuracy", new Dictionary<string, IReadOnlyList<double>>
        {
            ["train"] = result.History.Select(h => h.TrainAccuracy).ToArray(),
            ["validation"] = result.History.Select(h => h.ValidationAccuracy).ToArray(),
        }, result.BestEpoch);
        return [loss, accuracy];
    }

    /// <summary>Writes the confusion matrix of a report as a PNG; returns its path.</summary>
    public static string WriteConfusionMatrix(string directory, ClassificationReport report, string title)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, ConfusionMatrixFileName);
        Charts.ConfusionMatrix(path, report.Confusion, report.Labels, title);
        return path;
    }
}
