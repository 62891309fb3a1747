using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Storage;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Cnn;

public sealed class NpzImageSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-npz-source-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes a clip's arrays as the batch featuriser does; every value of the mel image is <paramref name="mel"/>.</summary>
    private void WriteClip(string file, float mel, int melRows = 6, int melCols = 8)
    {
        var path = Path.Combine(_dir, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var melImage = new FeatureMatrix(melRows, melCols);
        Array.Fill(melImage.Data, mel);
        Npz.Write(path, new Dictionary<string, FeatureMatrix>
        {
            ["spectrogram_db"] = new FeatureMatrix(4, 4),
            ["mfcc"] = new FeatureMatrix(3, 5),
            ["mel_db"] = melImage,
        });
    }

    private void WriteIndex(params string?[][] rows)
    {
        using var w = new StreamWriter(Path.Combine(_dir, NpzImageSource.IndexFileName));
        Csv.WriteRow(w, ["id", "path", "label", "group", "song", "augmentation", "file"]);
        foreach (var row in rows) Csv.WriteRow(w, row);
    }

    [Fact]
    public void The_index_and_arrays_of_the_featuriser_are_read_one_clip_at_a_time_without_augmented_copies()
    {
        WriteClip("Q1/a.npz", 1);
        WriteClip("Q2/b.npz", 2);
        WriteClip("Q2/b~noise.npz", 3);
        WriteClip("Q3/c.npz", 4);
        WriteIndex(
            ["Q1/a", "/audio/a.mp3", "happy", "artist1", "a", "", "Q1/a.npz"],
            ["Q2/b", "/audio/b.mp3", "angry", "artist2", "b", "", "Q2/b.npz"],
            ["Q2/b~noise", "/audio/b.mp3", "angry", "artist2", "b", "noise", "Q2/b~noise.npz"],
            ["Q3/c", "/audio/c.mp3", "sad", "", "c", "", "Q3/c.npz"]);

        var source = NpzImageSource.Open(_dir, ImageKind.Mel, ["happy", "angry", "sad", "relaxed"]);
        Assert.Equal(ImageKind.Mel, source.Kind);
        Assert.Equal(new ImageSize(6, 8), source.Size);
        Assert.Equal(3, source.Count);
        Assert.Equal([0, 1, 2], source.AllLabels());
        Assert.Equal(["artist1", "artist2", "c"], source.AllGroups()); // no artist: the song is the group
        Assert.Equal("b", source.ItemId(1));
        var image = new float[48];
        source.ReadImage(2, image);
        Assert.All(image, v => Assert.Equal(4f, v));

        var withCopies = NpzImageSource.Open(_dir, ImageKind.Mfcc, includeAugmented: true);
        Assert.Equal(4, withCopies.Count);
        Assert.Equal(new ImageSize(3, 5), withCopies.Size);
        Assert.Equal(["angry", "happy", "sad"], withCopies.Labels); // found labels, sorted
        Assert.Equal("noise", withCopies.Entries[2].Augmentation);
        Assert.Equal("b", withCopies.ItemId(2));
    }

    [Fact]
    public void A_clip_of_another_size_an_unknown_label_or_a_missing_index_is_refused_with_a_clear_message()
    {
        var e = Assert.Throws<MmcsException>(() => NpzImageSource.Open(_dir, ImageKind.Mel));
        Assert.Contains("index.csv", e.Message);

        WriteClip("a.npz", 1);
        WriteClip("b.npz", 2, melRows: 7);
        WriteIndex(["a", "a.mp3", "happy", "x", "a", "", "a.npz"], ["b", "b.mp3", "sad", "y", "b", "", "b.npz"]);
        var source = NpzImageSource.Open(_dir, ImageKind.Mel);
        e = Assert.Throws<MmcsException>(() => source.ReadImage(1, new float[48]));
        Assert.Contains("b.npz", e.Message);
        Assert.Contains("7x8", e.Message);

        e = Assert.Throws<MmcsException>(() => NpzImageSource.Open(_dir, ImageKind.Mel, ["happy", "angry"]));
        Assert.Contains("'sad'", e.Message);
    }

    [Fact]
    public void A_network_trains_from_the_array_directory()
    {
        var bands = SyntheticImages.Bands(perClass: 6, seed: 1);
        var rows = new List<string?[]>();
        var image = new float[bands.Pixels()];
        for (int i = 0; i < bands.Count; i++)
        {
            bands.ReadImage(i, image);
            string file = $"clip{i}.npz";
            Npz.Write(Path.Combine(_dir, file), new Dictionary<string, FeatureMatrix>
            {
                ["spectrogram_db"] = new FeatureMatrix(16, 16),
                ["mfcc"] = new FeatureMatrix(16, 16),
                ["mel_db"] = new FeatureMatrix(16, 16, (float[])image.Clone()),
            });
            rows.Add([$"clip{i}", $"clip{i}.mp3", SyntheticImages.Labels[bands.Label(i)], $"artist{i}", $"clip{i}", "", file]);
        }
        WriteIndex(rows.ToArray());
        var source = NpzImageSource.Open(_dir, ImageKind.Mel, SyntheticImages.Labels);
        var split = CnnDataAssembly.Assemble(source, Enumerable.Range(0, 18).ToArray(), Enumerable.Range(18, 6).ToArray());
        using var result = Cnn2dTrainer.Train(split, new Cnn2dVariant("tiny", SyntheticImages.Tiny, SyntheticImages.FastTraining));
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);
        var probabilities = result.Model.PredictProbabilities(split.Validation);
        Assert.Equal(6, probabilities.Length);
    }
}
