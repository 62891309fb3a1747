using Mmcs.Core;
using Mmcs.Train.Data;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Trainers;

namespace Mmcs.Train.Tabular;

/// <summary>
/// A pipeline fitted on some rows: preprocessing (imputation, one-hot, scaler, feature selection) and a model, all
/// fitted on those rows only.
/// </summary>
public sealed class FittedPipeline : IDisposable
{
    internal FittedPipeline(TrainerCandidate trainer, Configuration configuration, FittedPreprocessor preprocessor, IFittedModel model)
    {
        Trainer = trainer;
        Configuration = configuration;
        Preprocessor = preprocessor;
        Model = model;
    }

    public TrainerCandidate Trainer { get; }
    public Configuration Configuration { get; }
    public FittedPreprocessor Preprocessor { get; }
    public IFittedModel Model { get; }

    /// <summary>Fits on <paramref name="rows"/> of <paramref name="data"/> (all rows when null); the model reads none
    /// of the columns whose names start with one of <paramref name="dropColumns"/>.</summary>
    public static FittedPipeline Fit(TabularDataset data, IReadOnlyList<int>? rows, TrainerCandidate trainer, Configuration configuration,
        int seed, CancellationToken cancellationToken = default, IReadOnlyList<string>? dropColumns = null)
    {
        rows ??= Enumerable.Range(0, data.RowCount).ToArray();
        var preprocessor = FittedPreprocessor.Fit(data.Frame, data.Labels, data.ClassNames.Count, rows, trainer.Preprocessing(configuration, dropColumns));
        var x = preprocessor.Transform(data.Frame, rows);
        var y = rows.Select(r => data.Labels[r]).ToArray();
        cancellationToken.ThrowIfCancellationRequested();
        var model = trainer.Fit(new TrainingSet(x, y, data.ClassNames.Count, seed), configuration, cancellationToken);
        return new FittedPipeline(trainer, configuration, preprocessor, model);
    }

    /// <summary>Class probabilities of the given rows of a frame with the training columns (by name).</summary>
    public double[][] PredictProbabilities(TabularFrame frame, IReadOnlyList<int>? rows = null)
    {
        var aligned = Preprocessor.Align(frame);
        return Model.PredictProbabilities(Preprocessor.Transform(aligned, rows));
    }

    public void Dispose() => Model.Dispose();
}

/// <summary>Out-of-fold results of one pipeline configuration.</summary>
public sealed class CrossValidationResult : IDisposable
{
    internal CrossValidationResult(IReadOnlyList<(int[] Train, int[] Test)> folds, double[][] probabilities, int[] predicted,
        IReadOnlyList<double> foldAccuracy, IReadOnlyList<double> foldMacroF1, IReadOnlyList<FittedPipeline>? pipelines)
    {
        Folds = folds;
        OutOfFoldProbabilities = probabilities;
        OutOfFoldPredictions = predicted;
        FoldAccuracy = foldAccuracy;
        FoldMacroF1 = foldMacroF1;
        FoldPipelines = pipelines;
    }

    public IReadOnlyList<(int[] Train, int[] Test)> Folds { get; }

    /// <summary>Each row's probabilities from the fold model that did not train on it.</summary>
    public double[][] OutOfFoldProbabilities { get; }

    public int[] OutOfFoldPredictions { get; }
    public IReadOnlyList<double> FoldAccuracy { get; }
    public IReadOnlyList<double> FoldMacroF1 { get; }

    /// <summary>The pipelines fitted per fold (kept only when asked: for permutation importance and tests).</summary>
    public IReadOnlyList<FittedPipeline>? FoldPipelines { get; }

    public void Dispose()
    {
        if (FoldPipelines == null) return;
        foreach (var p in FoldPipelines) p.Dispose();
    }
}

/// <summary>K-fold cross-validation of a pipeline over fixed folds; every fold fits its own preprocessing.</summary>
public static class CrossValidation
{
    public static CrossValidationResult Run(TabularDataset data, IReadOnlyList<(int[] Train, int[] Test)> folds, TrainerCandidate trainer,
        Configuration configuration, int seed, bool keepPipelines = false, CancellationToken cancellationToken = default,
        IReadOnlyList<string>? dropColumns = null)
    {
        int n = data.RowCount;
        var probabilities = new double[n][];
        var pipelines = new List<FittedPipeline>();
        var foldAccuracy = new List<double>();
        var foldMacroF1 = new List<double>();
        try
        {
            foreach (var (train, test) in folds)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var pipeline = FittedPipeline.Fit(data, train, trainer, configuration, seed, cancellationToken, dropColumns);
                try
                {
                    var p = pipeline.Model.PredictProbabilities(pipeline.Preprocessor.Transform(data.Frame, test));
                    for (int i = 0; i < test.Length; i++)
                    {
                        if (p[i].Any(v => !double.IsFinite(v)))
                            throw new MmcsException(ErrorCodes.InvalidState, $"{trainer.Name} produced a non-finite probability");
                        probabilities[test[i]] = p[i];
                    }
                    var report = ClassificationReport.Compute(test.Select(r => data.Labels[r]).ToArray(), ClassificationReport.ArgMax(p), data.ClassNames);
                    foldAccuracy.Add(report.Accuracy);
                    foldMacroF1.Add(report.MacroF1);
                }
                finally
                {
                    if (keepPipelines) pipelines.Add(pipeline);
                    else pipeline.Dispose();
                }
            }
        }
        catch
        {
            foreach (var p in pipelines) p.Dispose();
            throw;
        }
        if (probabilities.Any(p => p == null))
            throw new InvalidOperationException("the folds do not cover every row");
        return new CrossValidationResult(folds, probabilities, ClassificationReport.ArgMax(probabilities), foldAccuracy, foldMacroF1,
            keepPipelines ? pipelines : null);
    }
}
