using Mmcs.Core;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Cnn;

public class Cnn2dTrainerTests
{
    [Fact]
    public void The_loss_goes_down_and_the_bands_are_learned()
    {
        var train = SyntheticImages.Bands(perClass: 12, seed: 1);
        var validation = SyntheticImages.Bands(perClass: 4, seed: 2, prefix: "val");
        var epochs = new List<EpochMetrics>();
        using var result = Train(train, validation, SyntheticImages.FastTraining with { MaxEpochs = 8 }, epochs.Add);
        Assert.Equal(8, result.History.Count);
        Assert.Equal(result.History, epochs);
        Assert.True(result.History[^1].TrainLoss < 0.6 * result.History[0].TrainLoss,
            $"train loss went from {result.History[0].TrainLoss} to {result.History[^1].TrainLoss}");
        Assert.True(result.Best.ValidationAccuracy >= 0.9, $"validation accuracy {result.Best.ValidationAccuracy}");
        Assert.All(result.History, h => Assert.True(h.Seconds > 0));
    }

    [Fact]
    public void A_small_cnn_trained_forty_times_never_diverges()
    {
        // With oneDNN's AVX-512 convolution kernels (TorchRuntime caps them at SSE4.1) 4 of 40 such trainings diverged
        // on a NaN gradient; the ensemble test's CNN was the first seen to fail that way.
        var train = SyntheticImages.Bands(perClass: 4, seed: 1, kind: ImageKind.Mel);
        var options = SyntheticImages.FastTraining with { MaxEpochs = 2 };
        for (int run = 0; run < 40; run++)
        {
            using var result = Cnn2dTrainer.Train(train, train, SyntheticImages.Tiny, options);
            Assert.All(result.History, h => Assert.True(double.IsFinite(h.TrainLoss), $"run {run}: train loss {h.TrainLoss}"));
        }
    }

    [Fact]
    public void Early_stopping_restores_the_weights_of_the_epoch_with_the_lowest_validation_loss()
    {
        // Validation labels are the training rule shifted by one class: the better the network learns the
        // training rule, the worse its validation loss, so the best epoch is an early one.
        var train = SyntheticImages.Bands(perClass: 12, seed: 1);
        var validation = SyntheticImages.Bands(perClass: 4, seed: 2, prefix: "val", labelOf: c => (c + 1) % 4);
        var options = SyntheticImages.FastTraining with { MaxEpochs = 30, Patience = 3 };
        using var result = Train(train, validation, options);

        Assert.True(result.StoppedEarly);
        Assert.Equal(result.BestEpoch + options.Patience, result.History.Count);
        Assert.True(result.History[^1].ValidationLoss > result.Best.ValidationLoss);
        Assert.Equal(result.History.Min(h => h.ValidationLoss), result.Best.ValidationLoss);
        // The returned model is the best epoch's, not the last one's.
        var (loss, accuracy) = ValidationLossOf(result.Model, validation);
        Assert.Equal(result.Best.ValidationLoss, loss, 5);
        Assert.Equal(result.Best.ValidationAccuracy, accuracy, 10);
        Assert.NotEqual(result.History[^1].ValidationLoss, loss, 3);
        Assert.Equal(result.BestEpoch, result.Model.Summary!.BestEpoch);
    }

    [Fact]
    public void The_normaliser_is_fitted_on_the_training_images_only()
    {
        // Validation images sit 50 units higher: a normaliser fitted on both would have means near 12.5.
        var train = SyntheticImages.Bands(perClass: 4, seed: 1);
        var validation = SyntheticImages.Bands(perClass: 4, seed: 2, prefix: "val", offset: 50);
        using var result = Train(train, validation, SyntheticImages.FastTraining with { MaxEpochs = 1 });

        var normalizer = result.Model.Normalizer;
        Assert.Equal(NormalizationMode.PerRow, normalizer.Mode);
        var expected = ImageNormalizer.Fit(train, NormalizationMode.PerRow);
        for (int r = 0; r < 16; r++)
        {
            double mean = 0;
            for (int i = 0; i < train.Count; i++)
            {
                var image = SyntheticImages.ReadImage(train, i);
                for (int c = 0; c < 16; c++) mean += image[r, c];
            }
            mean /= train.Count * 16;
            Assert.Equal(mean, normalizer.Mean[r], 4);
            Assert.Equal(expected.Std[r], normalizer.Std[r], 10);
            Assert.True(normalizer.Mean[r] < 3, $"row {r} mean {normalizer.Mean[r]} includes validation images");
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_metrics()
    {
        var train = SyntheticImages.Bands(perClass: 6, seed: 1);
        var validation = SyntheticImages.Bands(perClass: 2, seed: 2, prefix: "val");
        // Masking and mixup draw random numbers too: they must come from the seed.
        var options = SyntheticImages.FastTraining with
        {
            MaxEpochs = 3, SpecAugment = new SpecAugmentOptions(), MixupAlpha = 0.4,
        };
        using var a = Train(train, validation, options);
        using var b = Train(train, validation, options);
        using var c = Train(train, validation, options with { Seed = options.Seed + 1 });

        Assert.Equal(a.History.Select(h => (h.TrainLoss, h.ValidationLoss)), b.History.Select(h => (h.TrainLoss, h.ValidationLoss)));
        var wa = a.Model.Network.parameters().ToArray();
        var wb = b.Model.Network.parameters().ToArray();
        var wc = c.Model.Network.parameters().ToArray();
        Assert.All(Enumerable.Range(0, wa.Length), i => Assert.True(wa[i].allclose(wb[i], 0, 0), $"parameter {i} differs"));
        Assert.Contains(Enumerable.Range(0, wa.Length), i => !wa[i].allclose(wc[i], 0, 0));
    }

    [Fact]
    public void Cosine_and_plateau_schedules_change_the_learning_rate()
    {
        var train = SyntheticImages.Bands(perClass: 4, seed: 1);
        var validation = SyntheticImages.Bands(perClass: 2, seed: 2, prefix: "val", labelOf: c => (c + 1) % 4);
        var options = SyntheticImages.FastTraining with { MaxEpochs = 4 };
        using (var cosine = Train(train, validation, options with { Schedule = LearningRateSchedule.Cosine }))
        {
            Assert.Equal(options.LearningRate, cosine.History[0].LearningRate, 12);
            Assert.Equal(options.LearningRate * 0.5, cosine.History[2].LearningRate, 12); // half-way: cos(pi/2)
            Assert.True(cosine.History[3].LearningRate < cosine.History[2].LearningRate);
        }
        // validation loss keeps rising (shifted labels): the rate is cut after the plateau patience
        using var plateau = Train(train, validation, options with
        {
            Schedule = LearningRateSchedule.ReduceOnPlateau, PlateauPatience = 1, MaxEpochs = 10,
        });
        Assert.Equal(options.LearningRate, plateau.History[0].LearningRate, 12);
        var rates = plateau.History.Select(h => h.LearningRate).ToArray();
        Assert.True(rates[^1] < options.LearningRate * 0.2, string.Join(", ", rates));
        // the rate only ever falls, by tenfold steps, and only after two epochs without a better validation loss
        for (int e = 1; e < rates.Length; e++)
        {
            if (rates[e] == rates[e - 1]) continue;
            Assert.Equal(rates[e - 1] * 0.1, rates[e], 15);
            var before = plateau.History.Take(e).Select(h => h.ValidationLoss).ToArray();
            Assert.True(before[^1] >= before.Min() && before[^2] >= before.Min() && e >= 2);
        }
    }

    [Fact]
    public void Bad_options_and_mismatched_sources_are_refused()
    {
        var train = SyntheticImages.Bands(perClass: 2, seed: 1);
        var otherSize = SyntheticImages.Bands(perClass: 2, seed: 2, size: new Featurize.ImageSize(16, 32));
        Assert.Throws<MmcsException>(() => Train(train, train, SyntheticImages.FastTraining with { LearningRate = 0 }));
        Assert.Throws<MmcsException>(() => Train(train, train, SyntheticImages.FastTraining with { BatchSize = 1 }));
        var e = Assert.Throws<MmcsException>(() => Train(train, otherSize, SyntheticImages.FastTraining));
        Assert.Contains("16x32", e.Message);
    }

    [Fact]
    public void SpecAugment_masks_whole_bands_of_rows_and_columns()
    {
        var image = Enumerable.Repeat(1f, 20 * 30).ToArray();
        Cnn2dTrainer.Mask(image, 20, 30, new SpecAugmentOptions(1, 0.5, 0, 0), new Random(3));
        var zeroRows = Enumerable.Range(0, 20).Where(r => image.AsSpan(r * 30, 30).ToArray().All(v => v == 0)).ToArray();
        Assert.Equal(image.Count(v => v == 0), zeroRows.Length * 30); // only whole rows
        Assert.True(zeroRows.Length <= 10);
        if (zeroRows.Length > 1) Assert.Equal(zeroRows.Length - 1, zeroRows[^1] - zeroRows[0]); // one band

        image = Enumerable.Repeat(1f, 20 * 30).ToArray();
        var rng = new Random(4);
        for (int k = 0; k < 10; k++) Cnn2dTrainer.Mask(image, 20, 30, new SpecAugmentOptions(0, 0, 1, 0.2), rng);
        var zeroCols = Enumerable.Range(0, 30).Where(c => Enumerable.Range(0, 20).All(r => image[r * 30 + c] == 0)).ToArray();
        Assert.NotEmpty(zeroCols);
        Assert.Equal(image.Count(v => v == 0), zeroCols.Length * 20); // only whole columns
    }

    internal static Cnn2dTrainingResult Train(IImageSource train, IImageSource validation, Cnn2dTrainingOptions options,
        Action<EpochMetrics>? onEpoch = null, Cnn2dArchitecture? architecture = null) =>
        Cnn2dTrainer.Train(train, validation, architecture ?? SyntheticImages.Tiny, options,
            onEpoch == null ? null : TrainingObservers.From(onEpoch));

    internal static (double Loss, double Accuracy) ValidationLossOf(IMoodClassifier model, IImageSource validation)
    {
        var clips = Enumerable.Range(0, validation.Count)
            .Select(i => SyntheticImages.Clip(SyntheticImages.ReadImage(validation, i), validation.Kind)).ToArray();
        var p = model.PredictProbabilities(clips);
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < p.Length; i++)
        {
            loss -= Math.Log(p[i][validation.Label(i)]);
            if (Mmcs.Train.Evaluation.ClassificationReport.ArgMax(p[i]) == validation.Label(i)) correct++;
        }
        return (loss / p.Length, (double)correct / p.Length);
    }
}
