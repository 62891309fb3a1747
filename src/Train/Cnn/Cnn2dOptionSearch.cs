using Mmcs.Core;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;

namespace Mmcs.Train.Cnn;

/// <summary>What decides between candidates.</summary>
public enum SelectionMetric
{
    /// <summary>Lowest validation log loss at the best epoch (a proper scoring rule, less noisy on small sets).</summary>
    ValidationLogLoss,

    /// <summary>Highest validation macro-F1 at the best epoch (ties: lower log loss).</summary>
    ValidationMacroF1,
}

/// <summary>How one candidate did on the validation split.</summary>
public sealed record Cnn2dCandidateResult(string Name, double ValidationLogLoss, double ValidationAccuracy,
    double ValidationMacroF1, int BestEpoch, int EpochsRun, double SecondsPerEpoch);

/// <summary>The outcome of a search: every candidate's result and the winner, trained (the caller disposes it).</summary>
public sealed record Cnn2dSearchResult(IReadOnlyList<Cnn2dCandidateResult> Candidates, Cnn2dVariant Winner,
    Cnn2dTrainingResult WinnerTraining);

/// <summary>
/// Chooses between the original study's network and our improvements (global average pooling head, stronger
/// regularisation, SpecAugment masking, mixup) by training each on the training split and comparing them on the
/// validation split: an ablation decided by data, not by taste.
/// </summary>
public static class Cnn2dOptionSearch
{
    /// <summary>
    /// The standard candidates for an input: "original" (the study's preset), then one change at a time on top of
    /// a global-average-pooling head ("gap", "gap+specaugment", "gap+mixup", "gap+regularised"), and all together.
    /// </summary>
    public static IReadOnlyList<Cnn2dVariant> StandardVariants(ImageKind kind, Cnn2dTrainingOptions training)
    {
        var original = Cnn2dArchitecture.Original(kind);
        var gap = original with { Head = Cnn2dHead.GlobalAveragePooling };
        var masking = new SpecAugmentOptions();
        var stronger = gap with { Dropout = 0.4 };
        return
        [
            new("original", original, training),
            new("gap", gap, training),
            new("gap+specaugment", gap, training with { SpecAugment = masking }),
            new("gap+mixup", gap, training with { MixupAlpha = 0.2 }),
            new("gap+regularised", stronger, training with { L2 = training.L2 * 10 }),
            new("gap+all", stronger, training with { L2 = training.L2 * 10, SpecAugment = masking, MixupAlpha = 0.2 }),
        ];
    }

    /// <summary>Trains every candidate and keeps the best by <paramref name="metric"/>.</summary>
    /// <param name="observerFor">An observer for each candidate's epochs (e.g. a nested tracking run), or null.</param>
    public static Cnn2dSearchResult Run(CnnSplit split, IReadOnlyList<Cnn2dVariant> variants,
        SelectionMetric metric = SelectionMetric.ValidationLogLoss, Func<Cnn2dVariant, ITrainingObserver?>? observerFor = null,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        if (variants.Count == 0) throw new MmcsException(ErrorCodes.InvalidParameterValue, "the search has no candidates");
        if (variants.Select(v => v.Name).Distinct(StringComparer.Ordinal).Count() != variants.Count)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "candidate names must be unique");
        progress ??= Core.Progress.None;
        var results = new List<Cnn2dCandidateResult>();
        Cnn2dTrainingResult? bestTraining = null;
        Cnn2dVariant? bestVariant = null;
        Cnn2dCandidateResult? bestResult = null;
        var truth = split.Validation.AllLabels();
        try
        {
            for (int c = 0; c < variants.Count; c++)
            {
                var variant = variants[c];
                progress.Report(new ProgressUpdate("cnn2d option search", c, variants.Count, variant.Name));
                var training = Cnn2dTrainer.Train(split, variant, observerFor?.Invoke(variant), null, cancellationToken);
                var probabilities = training.Model.PredictProbabilities(split.Validation, variant.Training.BatchSize, cancellationToken);
                var report = ClassificationReport.Compute(truth, ClassificationReport.ArgMax(probabilities), split.Validation.Labels);
                var result = new Cnn2dCandidateResult(variant.Name, training.Best.ValidationLoss, report.Accuracy, report.MacroF1,
                    training.BestEpoch, training.History.Count, training.SecondsPerEpoch);
                results.Add(result);
                if (bestResult == null || Better(result, bestResult, metric))
                {
                    bestTraining?.Model.Dispose();
                    bestTraining = training;
                    bestVariant = variant;
                    bestResult = result;
                }
                else
                {
                    training.Model.Dispose();
                }
            }
            progress.Report(new ProgressUpdate("cnn2d option search", variants.Count, variants.Count, bestVariant!.Name));
            return new Cnn2dSearchResult(results, bestVariant, bestTraining!);
        }
        catch
        {
            bestTraining?.Model.Dispose();
            throw;
        }
    }

    private static bool Better(Cnn2dCandidateResult a, Cnn2dCandidateResult b, SelectionMetric metric) => metric switch
    {
        SelectionMetric.ValidationMacroF1 => a.ValidationMacroF1 > b.ValidationMacroF1 + 1e-12 ||
                                             (Math.Abs(a.ValidationMacroF1 - b.ValidationMacroF1) <= 1e-12 && a.ValidationLogLoss < b.ValidationLogLoss),
        _ => a.ValidationLogLoss < b.ValidationLogLoss,
    };
}
