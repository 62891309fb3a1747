using Mmcs.Train.Data;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Tabular;
using Mmcs.Train.Tabular.Trainers;

namespace Mmcs.Train.Tests.Tabular;

public class PermutationImportanceTests
{
    [Fact]
    public void Columns_group_into_the_feature_they_summarise()
    {
        string[] names =
        [
            "tempo", "rms_mean", "rms_p90", "mfcc_mean_01", "mfcc_var_20", "mfcc_d1_var_03", "modulation_02_03",
            "key_mode", "pitch_range", "pitch_std", "chroma_cqt_mean_12", "genre=rock", "genre=jazz", "x_12a",
        ];
        var families = PermutationImportance.Families(names);
        Assert.Equal(["tempo", "rms", "mfcc", "mfcc_d1", "modulation", "key_mode", "pitch_range", "pitch", "chroma_cqt", "genre", "x_12a"],
            families.Select(f => f.Name).ToArray());
        Assert.Equal([1, 2], families[1].Columns);
        Assert.Equal([3, 4], families[2].Columns);
        Assert.Equal([11, 12], families[9].Columns);
        Assert.Equal(names.Length, families.Sum(f => f.Columns.Length));
    }

    /// <summary>The label is the sign of s; the table holds s three times (with a little noise) and two noise columns.</summary>
    internal static TabularDataset Redundant(int rows, int seed)
    {
        var rng = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var x = new List<double[]>();
        var labels = new List<string>();
        var groups = new List<string>();
        for (int i = 0; i < rows; i++)
        {
            double s = Gaussian();
            x.Add([s + 0.05 * Gaussian(), s + 0.05 * Gaussian(), s + 0.05 * Gaussian(), Gaussian(), Gaussian()]);
            labels.Add(s > 0 ? "happy" : "sad");
            groups.Add("artist" + i / 2);
        }
        return TabularDataset.FromVectors(["signal_mean_01", "signal_mean_02", "signal_var_01", "noise_01", "noise_02"], x, labels, groups);
    }

    [Fact]
    public void Shuffling_a_family_together_shows_the_importance_its_redundant_columns_hide_from_each_other()
    {
        var data = Redundant(240, 3);
        var folds = new StratifiedGroupKFold(4, 1).Split(data.Labels.ToArray(), data.Groups!.ToArray());
        var trainer = TrainerCatalog.Get("lbfgs_maxent");
        using var cv = CrossValidation.Run(data, folds.Select(f => (f.Train, f.Test)).ToList(), trainer, trainer.Space.DefaultConfiguration(), 1, keepPipelines: true);
        var columns = PermutationImportance.Compute(data, cv, AutoMlMetric.Accuracy, 3, 5);
        var families = PermutationImportance.TryCompute(data, cv, AutoMlMetric.Accuracy, 3, 5, null,
            PermutationImportance.Families(data.Frame.ColumnNames), out _)!;
        Assert.Equal(["signal", "noise"], families.Select(f => f.Feature).ToArray());
        Assert.Equal([3, 2], families.Select(f => f.Columns).ToArray());
        double signal = families[0].Importance, bestColumn = columns.Max(c => c.Importance);
        // the family: accuracy falls to chance (about 0.5 from about 0.97); any one copy: the other two stand in
        Assert.True(signal > 0.3, $"family importance {signal}");
        Assert.True(bestColumn < signal / 2, $"best single column {bestColumn}, family {signal}");
        Assert.InRange(families[1].Importance, -0.05, 0.05);
        Assert.All(columns, c => Assert.Equal(1, c.Columns));
    }
}
