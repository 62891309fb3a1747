using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Cnn;

public sealed class Cnn2dClassifierTests : IDisposable
{
    private readonly TempDir _tmp = new("mmcs-cnn2d");

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void A_saved_model_loads_back_with_identical_outputs_and_everything_it_needs()
    {
        var train = SyntheticImages.Bands(perClass: 6, seed: 1, kind: ImageKind.Mfcc, offset: -30);
        var validation = SyntheticImages.Bands(perClass: 2, seed: 2, prefix: "val", kind: ImageKind.Mfcc, offset: -30);
        var architecture = SyntheticImages.Tiny with { Head = Cnn2dHead.GlobalAveragePooling };
        using var trained = Cnn2dTrainer.Train(train, validation, architecture, SyntheticImages.FastTraining with { MaxEpochs = 2 },
            variantName: "gap");
        var clips = Enumerable.Range(0, validation.Count)
            .Select(i => SyntheticImages.Clip(SyntheticImages.ReadImage(validation, i), ImageKind.Mfcc)).ToArray();
        var before = trained.Model.PredictProbabilities(clips);

        string folder = _tmp.File("model");
        ClassifierStore.Save(trained.Model, folder);
        using var loaded = ClassifierStore.Load(folder);

        var cnn = Assert.IsType<Cnn2dClassifier>(loaded);
        Assert.Equal("cnn2d", loaded.Kind);
        Assert.Equal(SyntheticImages.Labels, loaded.Labels);
        Assert.Equal(ImageKind.Mfcc, cnn.ImageKind);
        Assert.Equal(new ImageSize(16, 16), cnn.ImageSize);
        Assert.Equal(new ImageSize(16, 16), loaded.Requirements.Images[ImageKind.Mfcc]);
        Assert.Null(loaded.Requirements.VectorSet);
        Assert.Equal(architecture.Filters, cnn.Architecture.Filters);
        Assert.Equal(Cnn2dHead.GlobalAveragePooling, cnn.Architecture.Head);
        Assert.Equal(trained.Model.Normalizer.Mean, cnn.Normalizer.Mean);
        Assert.Equal(trained.Model.Normalizer.Std, cnn.Normalizer.Std);
        Assert.Equal("gap", cnn.Summary!.Variant);
        Assert.Equal(trained.BestEpoch, cnn.Summary.BestEpoch);

        var after = loaded.PredictProbabilities(clips);
        for (int i = 0; i < before.Length; i++)
        {
            Assert.Equal(before[i], after[i]);
            Assert.Equal(1.0, after[i].Sum(), 6);
        }
    }

    [Fact]
    public void Clips_without_the_image_or_at_another_size_are_refused_with_a_clear_message()
    {
        var train = SyntheticImages.Bands(perClass: 3, seed: 1);
        using var trained = Cnn2dTrainer.Train(train, train, SyntheticImages.Tiny, SyntheticImages.FastTraining with { MaxEpochs = 1 });
        var wrongSize = SyntheticImages.Clip(new FeatureMatrix(16, 20), ImageKind.Mel);
        var e = Assert.Throws<MmcsException>(() => trained.Model.PredictProbabilities([wrongSize]));
        Assert.Contains("16x20", e.Message);
        Assert.Contains("16x16", e.Message);
        var noImages = new ClipFeatures(new FeatureVector(["x"], [0]), null);
        e = Assert.Throws<MmcsException>(() => trained.Model.PredictProbabilities([noImages]));
        Assert.Contains("no 2D images", e.Message);
    }

    [Fact]
    public void A_folder_without_weights_is_not_a_model()
    {
        var train = SyntheticImages.Bands(perClass: 3, seed: 1);
        using var trained = Cnn2dTrainer.Train(train, train, SyntheticImages.Tiny, SyntheticImages.FastTraining with { MaxEpochs = 1 });
        string folder = _tmp.File("broken");
        ClassifierStore.Save(trained.Model, folder);
        File.Delete(Path.Combine(folder, "weights.bin"));
        var e = Assert.Throws<MmcsException>(() => ClassifierStore.Load(folder));
        Assert.Equal(ErrorCodes.DataInvalid, e.ErrorCode);
        Assert.Contains("weights.bin", e.Message);
    }

    [Fact]
    public void The_store_knows_the_cnn2d_and_ensemble_kinds()
    {
        Assert.Contains("cnn2d", ClassifierStore.Kinds);
        Assert.Contains("ensemble", ClassifierStore.Kinds);
    }
}
