using Mmcs.Core;
using Mmcs.Train.Data;
using Mmcs.Train.Tabular;

namespace Mmcs.Train.Tests.Tabular;

public sealed class LeastTypicalWindowsTests
{
    /// <summary>Songs of two classes (four songs per artist, two of each), five windows each; with <paramref name="intro"/> every
    /// song's window 0 sounds like the other class (an "intro"), the rest like its own.</summary>
    private static (TabularDataset Data, string[] Songs) Corpus(int songsPerClass = 20, bool intro = true, int seed = 5)
    {
        var rng = new Random(seed);
        var rows = new List<double[]>();
        var labels = new List<string>();
        var groups = new List<string>();
        var songs = new List<string>();
        string[] classes = ["calm", "loud"];
        for (int s = 0; s < 2 * songsPerClass; s++)
        {
            int c = s % 2;
            for (int w = 0; w < 5; w++)
            {
                double centre = (intro && w == 0 ? 1 - c : c) == 1 ? 2 : -2;
                rows.Add([centre + 0.5 * Gaussian(rng), centre + 0.5 * Gaussian(rng), Gaussian(rng)]);
                labels.Add(classes[c]);
                groups.Add($"artist{s / 4}");
                songs.Add($"song{s:D2}");
            }
        }
        return (TabularDataset.FromVectors(["a", "b", "noise"], rows, labels, groups), [.. songs]);
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void The_windows_that_sound_like_the_other_class_are_the_least_typical_of_their_own()
    {
        var (data, songs) = Corpus();
        var found = LeastTypicalWindows.Find(data, songs, 0.2, seed: 1);
        // 20 % of each class's 100 windows: exactly every song's intro
        Assert.Equal(Enumerable.Range(0, 40).Select(s => 5 * s).ToArray(), found);
    }

    [Fact]
    public void Each_label_gives_its_share_of_its_own_windows_rounded_and_the_choice_is_the_same_for_the_same_seed()
    {
        var (data, songs) = Corpus(songsPerClass: 13, intro: false);
        var found = LeastTypicalWindows.Find(data, songs, 0.25, seed: 3);
        // 65 windows per class: 16 of each (16.25 rounded), in ascending row order
        Assert.Equal(16, found.Count(r => data.Labels[r] == 0));
        Assert.Equal(16, found.Count(r => data.Labels[r] == 1));
        Assert.Equal(found.Order().ToArray(), found);
        Assert.Equal(found, LeastTypicalWindows.Find(data, songs, 0.25, seed: 3));
    }

    [Fact]
    public void A_share_out_of_range_songs_that_do_not_match_the_rows_and_a_song_with_two_labels_are_refused()
    {
        var (data, songs) = Corpus(songsPerClass: 4);
        foreach (double share in new[] { 0, 1, -0.1, double.NaN })
        {
            var e = Assert.Throws<MmcsException>(() => LeastTypicalWindows.Find(data, songs, share, seed: 1));
            Assert.Equal(ErrorCodes.InvalidParameterValue, e.ErrorCode);
        }
        var count = Assert.Throws<MmcsException>(() => LeastTypicalWindows.Find(data, songs[1..], 0.2, seed: 1));
        Assert.Contains("songs given for", count.Message);
        string[] merged = [.. songs];
        merged[5] = songs[0]; // song01's first window filed under song00, whose label is the other class
        var twoLabels = Assert.Throws<MmcsException>(() => LeastTypicalWindows.Find(data, merged, 0.2, seed: 1));
        Assert.Contains("song00", twoLabels.Message);
    }
}
