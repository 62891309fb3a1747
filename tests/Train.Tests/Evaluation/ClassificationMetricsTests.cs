using Mmcs.Train.Evaluation;

namespace Mmcs.Train.Tests.Evaluation;

public class ClassificationMetricsTests
{
    private static readonly string[] Labels = ["happy", "angry", "sad", "relaxed"];

    [Fact]
    public void The_report_matches_values_computed_by_hand()
    {
        // truth:     0 0 0 0 1 1 1 2 2 3
        // predicted: 0 0 1 3 1 1 0 2 3 3
        int[] truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3];
        int[] predicted = [0, 0, 1, 3, 1, 1, 0, 2, 3, 3];
        var r = ClassificationReport.Compute(truth, predicted, Labels);
        Assert.Equal(0.6, r.Accuracy, 12);
        // happy: P 2/3, R 2/4; angry: P 2/3, R 2/3; sad: P 1, R 1/2; relaxed: P 1/3, R 1.
        Assert.Equal(2.0 / 3, r.PerClass[0].Precision, 12);
        Assert.Equal(0.5, r.PerClass[0].Recall, 12);
        Assert.Equal(2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5), r.PerClass[0].F1, 12);
        Assert.Equal(0.5, r.PerClass[3].F1, 12);
        double macro = (4.0 / 7 + 2.0 / 3 + 2.0 / 3 + 0.5) / 4;
        Assert.Equal(macro, r.MacroF1, 12);
        Assert.Equal([2, 1, 0, 1], r.Confusion[0]);
        Assert.Equal(10, r.Confusion.Sum(row => row.Sum()));
    }

    [Fact]
    public void Macro_f1_counts_a_class_that_was_predicted_but_never_true_as_scikit_learn_does()
    {
        // sklearn.metrics.f1_score([0, 0, 2, 2], [0, 1, 2, 2], average="macro") = (2/3 + 0 + 1) / 3; relaxed (3),
        // neither true nor predicted, is left out
        var r = ClassificationReport.Compute([0, 0, 2, 2], [0, 1, 2, 2], Labels);
        Assert.Equal((2.0 / 3 + 0 + 1) / 3, r.MacroF1, 12);
        Assert.Equal(1.0, ClassificationReport.Compute([0, 0, 2, 2], [0, 0, 2, 2], Labels).MacroF1, 12);
    }

    [Fact]
    public void A_fold_interval_of_a_proportion_stays_inside_zero_and_one()
    {
        var wide = ConfidenceIntervals.FromFoldScores([0.4, 1.0, 0.9]); // t(2) = 4.30: the mean 0.767 +- 0.80
        Assert.Equal(1.0, wide.High);
        Assert.Equal(0.0, wide.Low);
        var narrow = ConfidenceIntervals.FromFoldScores([0.70, 0.72, 0.74, 0.71]);
        Assert.True(narrow.Low > 0.68 && narrow.High < 0.76, narrow.ToString());
    }

    [Fact]
    public void A_bootstrap_interval_contains_the_estimate_and_narrows_with_more_data()
    {
        var rng = new Random(1);
        int[] Truth(int n) => Enumerable.Range(0, n).Select(i => i % 4).ToArray();
        int[] Noisy(int[] t) => t.Select(v => rng.NextDouble() < 0.7 ? v : rng.Next(4)).ToArray();
        var small = Truth(40);
        var smallPred = Noisy(small);
        var large = Truth(800);
        var largePred = Noisy(large);
        var a = ConfidenceIntervals.Bootstrap(small, smallPred, Labels, r => r.Accuracy, 500, seed: 2);
        var b = ConfidenceIntervals.Bootstrap(large, largePred, Labels, r => r.Accuracy, 500, seed: 2);
        double accSmall = ClassificationReport.Compute(small, smallPred, Labels).Accuracy;
        Assert.InRange(accSmall, a.Low, a.High);
        Assert.True(b.High - b.Low < (a.High - a.Low) / 2.5, $"{a} vs {b}");
    }

    [Fact]
    public void A_fold_score_interval_is_centred_on_the_mean_and_uses_the_t_distribution()
    {
        double[] scores = [0.6, 0.7, 0.65, 0.55, 0.75];
        var i = ConfidenceIntervals.FromFoldScores(scores);
        Assert.Equal(0.65, (i.Low + i.High) / 2, 12);
        // sd = 0.0790569, se = 0.0353553, t(0.975, 4) = 2.7764451
        Assert.Equal(2.7764451 * 0.0353553, (i.High - i.Low) / 2, 5);
    }
}
