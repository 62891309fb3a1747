using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Cnn;

public class CnnDataAssemblyTests
{
    /// <summary>An augmenter that records every clip it is asked to copy and marks its copies (value = copy + 1000).</summary>
    private sealed class RecordingAugmenter(int copies) : IImageAugmenter
    {
        public List<string> Requested { get; } = new();
        public int CopiesPerClip => copies;

        public void ReadAugmented(IImageSource training, int index, int copy, Span<float> destination)
        {
            lock (Requested) Requested.Add(training.ItemId(index));
            training.ReadImage(index, destination);
            destination[0] = 1000 + copy;
        }
    }

    private static InMemoryImageSource Dataset() =>
        // 40 songs by 10 artists (4 songs each, one mood per artist)
        SyntheticImages.Bands(perClass: 10, seed: 1, groupOf: i => $"artist{i / 4}", labelOf: null);

    [Fact]
    public void No_augmented_copy_of_a_validation_or_test_song_reaches_training()
    {
        var data = Dataset();
        var augmenter = new RecordingAugmenter(copies: 2);
        var groups = data.AllGroups();
        var train = Enumerable.Range(0, data.Count).Where(i => groups[i] is not ("artist0" or "artist1" or "artist2")).ToArray();
        var validation = Enumerable.Range(0, data.Count).Where(i => groups[i] is "artist0" or "artist1").ToArray();
        var test = Enumerable.Range(0, data.Count).Where(i => groups[i] is "artist2").ToArray();

        var split = CnnDataAssembly.Assemble(data, train, validation, test, augmenter);

        // the training set: its originals, then two copies of each
        Assert.Equal(train.Length * 3, split.Train.Count);
        var image = new float[data.Pixels()];
        var held = validation.Concat(test).Select(data.ItemId).ToHashSet();
        var heldGroups = validation.Concat(test).Select(data.Group).ToHashSet();
        for (int i = 0; i < split.Train.Count; i++)
        {
            split.Train.ReadImage(i, image);
            Assert.DoesNotContain(split.Train.ItemId(i), held);
            Assert.DoesNotContain(split.Train.Group(i), heldGroups);
            if (i >= train.Length) Assert.Equal(1000 + (i - train.Length) / train.Length, image[0]);
        }
        Assert.Equal(train.Length * 2, augmenter.Requested.Count);
        Assert.All(augmenter.Requested, id => Assert.DoesNotContain(id, held));
        // validation and test are originals only
        Assert.Equal(validation.Length, split.Validation.Count);
        Assert.Equal(test.Length, split.Test!.Count);
        for (int i = 0; i < split.Validation.Count; i++)
        {
            split.Validation.ReadImage(i, image);
            Assert.True(image[0] < 100);
        }
    }

    [Fact]
    public void A_copy_keeps_the_label_group_and_song_of_its_origin()
    {
        var data = Dataset();
        var split = CnnDataAssembly.Assemble(data, [0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7], augmenter: new RecordingAugmenter(1));
        Assert.Equal(16, split.Train.Count);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(split.Train.Label(i), split.Train.Label(i + 8));
            Assert.Equal(split.Train.Group(i), split.Train.Group(i + 8));
            Assert.Equal(split.Train.ItemId(i), split.Train.ItemId(i + 8));
        }
    }

    [Fact]
    public void Splits_that_share_an_artist_or_a_song_are_refused()
    {
        var data = Dataset();
        // songs 0..3 are artist0: putting song 3 in validation splits the artist
        var e = Assert.Throws<MmcsException>(() => CnnDataAssembly.Assemble(data, [0, 1, 2, 8], [3, 4]));
        Assert.Equal(ErrorCodes.DataInvalid, e.ErrorCode);
        Assert.Contains("artist0", e.Message);
        e = Assert.Throws<MmcsException>(() => CnnDataAssembly.Assemble(data, [0, 1], [4, 5], [1, 12]));
        Assert.Contains("both the training and the test", e.Message);

        // two clips of one song in different artists' groups (a mislabelled copy) are caught by the song check
        var items = new[]
        {
            new ImageItem("songA", "artist1", 0, new FeatureMatrix(16, 16)),
            new ImageItem("songA", "artist2", 0, new FeatureMatrix(16, 16)),
            new ImageItem("songB", "artist3", 1, new FeatureMatrix(16, 16)),
        };
        var copies = new InMemoryImageSource(ImageKind.Mel, new ImageSize(16, 16), SyntheticImages.Labels, items);
        e = Assert.Throws<MmcsException>(() => CnnDataAssembly.Assemble(copies, [0, 2], [1]));
        Assert.Contains("songA", e.Message);
    }

    [Fact]
    public void A_grouped_hold_out_keeps_artists_whole_and_augments_training_only()
    {
        var data = Dataset();
        var augmenter = new RecordingAugmenter(copies: 1);
        var split = CnnDataAssembly.HoldOut(data, 0.25, seed: 3, augmenter);
        var trainGroups = split.Train.AllGroups().ToHashSet();
        var validationGroups = split.Validation.AllGroups().ToHashSet();
        Assert.Empty(trainGroups.Intersect(validationGroups));
        Assert.Equal(data.Count, split.Train.Count / 2 + split.Validation.Count);
        var validationSongs = Enumerable.Range(0, split.Validation.Count).Select(split.Validation.ItemId).ToHashSet();
        for (int i = 0; i < split.Train.Count; i++) split.Train.ReadImage(i, new float[256]);
        Assert.All(augmenter.Requested, id => Assert.DoesNotContain(id, validationSongs));
    }

    [Fact]
    public void Training_with_augmented_copies_fits_the_normaliser_on_training_clips_and_their_copies()
    {
        var data = Dataset();
        var split = CnnDataAssembly.Assemble(data, Enumerable.Range(0, 32).ToArray(), Enumerable.Range(32, 8).ToArray(),
            augmenter: new RecordingAugmenter(1));
        using var result = Cnn2dTrainer.Train(split, new Cnn2dVariant("tiny", SyntheticImages.Tiny, SyntheticImages.FastTraining with { MaxEpochs = 1 }));
        var expected = ImageNormalizer.Fit(split.Train, NormalizationMode.PerRow);
        Assert.Equal(expected.Mean, result.Model.Normalizer.Mean);
        Assert.Equal(64, result.Model.Summary!.TrainClips);
    }
}
