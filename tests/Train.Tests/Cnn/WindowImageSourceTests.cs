using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Cnn;

public class WindowImageSourceTests
{
    /// <summary>Three clips of 4 x 20 images whose pixel (r, c) of clip k is 10000·k + 100·r + c.</summary>
    private static InMemoryImageSource Clips()
    {
        var size = new ImageSize(4, 20);
        var items = Enumerable.Range(0, 3).Select(k =>
        {
            var image = new FeatureMatrix(size.Rows, size.Cols);
            for (int r = 0; r < size.Rows; r++)
                for (int c = 0; c < size.Cols; c++) image[r, c] = 10000 * k + 100 * r + c;
            return new ImageItem($"song{k}", $"artist{k}", k, image);
        });
        return new InMemoryImageSource(ImageKind.Mel, size, SyntheticImages.Labels, items);
    }

    [Fact]
    public void Every_window_is_its_clips_columns_from_the_windows_start()
    {
        // 20 columns, windows of 8 every 5: starts 0, 5, 10 (15 + 8 would pass the end)
        var windows = new WindowImageSource(Clips(), windowCols: 8, hopCols: 5);

        Assert.Equal(3, windows.PerClip);
        Assert.Equal(9, windows.Count);
        Assert.Equal(new ImageSize(4, 8), windows.Size);
        for (int i = 0; i < windows.Count; i++)
        {
            var image = SyntheticImages.ReadImage(windows, i);
            int clip = i / 3, start = i % 3 * 5;
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 8; c++) Assert.Equal(10000 * clip + 100 * r + start + c, image[r, c]);
        }
    }

    [Theory]
    [InlineData(10, 5, 3)] // the last window ends on the last column
    [InlineData(8, 12, 2)] // a hop wider than the window skips columns: starts 0 and 12
    [InlineData(20, 1, 1)] // one window, the whole image
    public void The_windows_per_clip_are_the_whole_windows_that_fit(int windowCols, int hopCols, int perClip)
    {
        var windows = new WindowImageSource(Clips(), windowCols, hopCols);

        Assert.Equal(perClip, windows.PerClip);
        var last = SyntheticImages.ReadImage(windows, perClip - 1);
        Assert.Equal((perClip - 1) * hopCols + windowCols - 1, last[0, windowCols - 1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => windows.Label(windows.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => windows.ItemId(-1));
    }

    [Fact]
    public void Every_window_carries_its_clips_label_group_and_song()
    {
        var clips = Clips();
        var windows = new WindowImageSource(clips, 8, 5);

        for (int i = 0; i < windows.Count; i++)
        {
            Assert.Equal(clips.Label(i / 3), windows.Label(i));
            Assert.Equal(clips.Group(i / 3), windows.Group(i));
            Assert.Equal(clips.ItemId(i / 3), windows.ItemId(i));
        }
        Assert.Equal([3, 4, 5, 0, 1, 2], windows.WindowsOf([1, 0]));
    }

    [Fact]
    public void A_grouped_split_of_the_clips_keeps_each_songs_windows_on_one_side()
    {
        var windows = new WindowImageSource(Clips(), 8, 5);

        var split = CnnDataAssembly.Assemble(windows, windows.WindowsOf([0]), windows.WindowsOf([1]), windows.WindowsOf([2]));

        Assert.All(Enumerable.Range(0, split.Train.Count), i => Assert.Equal("song0", split.Train.ItemId(i)));
        Assert.Equal(3, split.Test!.Count);
        // one song's windows on both sides is refused
        Assert.Throws<MmcsException>(() => CnnDataAssembly.Assemble(windows, [0, 1], [2], null));
    }

    [Fact]
    public void A_clips_probabilities_are_the_mean_of_its_windows()
    {
        var windows = new WindowImageSource(Clips(), 8, 5);
        double[][] rows =
        [
            [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0],
            [0.5, 0.5, 0, 0], [0.5, 0, 0.5, 0], [0.5, 0, 0, 0.5],
        ];

        var clips = windows.MeanPerClip(rows);

        Assert.Equal(2, clips.Length);
        double[][] expected = [[1 / 3.0, 1 / 3.0, 1 / 3.0, 0], [0.5, 1 / 6.0, 1 / 6.0, 1 / 6.0]];
        for (int k = 0; k < 2; k++)
            for (int c = 0; c < 4; c++) Assert.Equal(expected[k][c], clips[k][c], 12);
        Assert.Throws<MmcsException>(() => windows.MeanPerClip(rows[..4]));
    }

    [Fact]
    public void A_window_wider_than_the_images_or_a_zero_hop_is_refused_with_what_is_wrong()
    {
        var error = Assert.Throws<MmcsException>(() => new WindowImageSource(Clips(), 21, 5));
        Assert.Contains("21 columns", error.Message);
        Assert.Contains("20 columns", error.Message);
        Assert.Contains("at least 1 column", Assert.Throws<MmcsException>(() => new WindowImageSource(Clips(), 8, 0)).Message);
    }

    [Fact]
    public void A_cnn_trains_on_windows_and_scores_clips_by_their_mean()
    {
        // bands of rows make the class; 16 x 48 clips cut into 16 x 16 windows every 16 columns (3 per clip)
        var clips = SyntheticImages.Bands(perClass: 8, seed: 3, size: new ImageSize(16, 48));
        var windows = new WindowImageSource(clips, 16, 16);
        // clips come in blocks of four, one of each class: blocks 1 and 5 validate, 3 and 7 test, the rest train
        var all = Enumerable.Range(0, clips.Count).ToArray();
        var split = CnnDataAssembly.Assemble(windows, windows.WindowsOf(all.Where(i => i / 4 % 2 == 0)),
            windows.WindowsOf(all.Where(i => i / 4 % 4 == 1)), windows.WindowsOf(all.Where(i => i / 4 % 4 == 3)));

        var result = Cnn2dTrainer.Train(split, new Cnn2dVariant("windows", SyntheticImages.Tiny, SyntheticImages.FastTraining));
        using var model = result.Model;
        var perClip = windows.MeanPerClip(model.PredictProbabilities(split.Test!));

        var testClips = all.Where(i => i / 4 % 4 == 3).ToArray();
        Assert.Equal(testClips.Length, perClip.Length);
        Assert.All(perClip, p => Assert.Equal(1, p.Sum(), 6));
        int correct = testClips.Where((clip, k) => Array.IndexOf(perClip[k], perClip[k].Max()) == clips.Label(clip)).Count();
        Assert.True(correct >= testClips.Length * 3 / 4, $"{correct} of {testClips.Length} test clips right");
    }
}
