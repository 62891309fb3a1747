using Mmcs.Core;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Cnn;

public class Cnn2dOptionSearchTests
{
    [Fact]
    public void The_standard_candidates_are_the_original_and_one_improvement_at_a_time()
    {
        var training = new Cnn2dTrainingOptions();
        var variants = Cnn2dOptionSearch.StandardVariants(ImageKind.Spectrogram, training);
        Assert.Equal(["original", "gap", "gap+specaugment", "gap+mixup", "gap+regularised", "gap+all"], variants.Select(v => v.Name));
        var original = Cnn2dArchitecture.Original(ImageKind.Spectrogram);
        Assert.Equal(original.Filters, variants[0].Architecture.Filters);
        Assert.Equal((original.PoolRows, original.PoolCols, original.Head), (variants[0].Architecture.PoolRows, variants[0].Architecture.PoolCols, variants[0].Architecture.Head));
        Assert.Equal(training, variants[0].Training);
        Assert.All(variants.Skip(1), v => Assert.Equal(Cnn2dHead.GlobalAveragePooling, v.Architecture.Head));
        Assert.NotNull(variants[2].Training.SpecAugment);
        Assert.True(variants[3].Training.MixupAlpha > 0);
        Assert.True(variants[4].Training.L2 > training.L2 && variants[4].Architecture.Dropout > 0.2);
    }

    [Fact]
    public void The_search_keeps_the_candidate_with_the_lowest_validation_loss_and_reports_every_one()
    {
        var data = SyntheticImages.Bands(perClass: 10, seed: 1);
        var split = CnnDataAssembly.Assemble(data, Enumerable.Range(0, 32).ToArray(), Enumerable.Range(32, 8).ToArray());
        var fast = SyntheticImages.FastTraining with { MaxEpochs = 4 };
        // a network that cannot learn (a learning rate too small to move) against one that can
        var variants = new[]
        {
            new Cnn2dVariant("frozen", SyntheticImages.Tiny, fast with { LearningRate = 1e-9 }),
            new Cnn2dVariant("learning", SyntheticImages.Tiny, fast),
        };
        var observed = new List<string>();
        var result = Cnn2dOptionSearch.Run(split, variants,
            observerFor: v => TrainingObservers.From(_ => observed.Add(v.Name)));
        using var winner = result.WinnerTraining;

        Assert.Equal("learning", result.Winner.Name);
        Assert.Equal(2, result.Candidates.Count);
        Assert.True(result.Candidates[1].ValidationLogLoss < result.Candidates[0].ValidationLogLoss);
        Assert.Equal(result.Candidates[1].ValidationLogLoss, winner.Best.ValidationLoss);
        Assert.Equal("learning", winner.Model.Summary!.Variant);
        Assert.Equal(8, observed.Count);
        Assert.Throws<MmcsException>(() => Cnn2dOptionSearch.Run(split, [variants[0], variants[0]]));
    }
}
