using Mmcs.Train.Plots;
using SkiaSharp;

namespace Mmcs.Train.Tests.Plots;

public sealed class ChartsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-charts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertPng(string path, int minBytes)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > minBytes, $"{path} has only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Fact]
    public void A_confusion_matrix_chart_is_written_as_a_png()
    {
        string path = Path.Combine(_dir, "confusion.png");
        Charts.ConfusionMatrix(path, [[5, 1, 0, 0], [2, 4, 0, 0], [0, 0, 6, 1], [0, 1, 1, 5]],
            ["happy", "angry", "sad", "relaxed"], "test");
        AssertPng(path, 2000);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp*"));
    }

    [Fact]
    public void The_confusion_matrix_puts_true_rows_top_to_bottom_and_predictions_left_to_right_filling_the_plot()
    {
        // Rows are true labels. The diagonal dominates except for the last true class, always predicted as the
        // first: dark cells are (0,0), (1,1), (2,2) and (3,0) (bottom left); a transposed or upside-down chart,
        // or cells shifted or scaled against the axes, colour other places.
        int[][] confusion = [[9, 1, 0, 0], [0, 10, 0, 0], [1, 0, 8, 1], [10, 0, 0, 0]];
        string[] labels = ["happy", "angry", "sad", "relaxed"];
        string path = Path.Combine(_dir, "confusion.png");
        Charts.ConfusionMatrix(path, confusion, labels, "layout");

        // where the data area is in the saved image (the same plot rendered at the same size)
        var plot = Charts.ConfusionMatrixPlot(confusion, labels, "layout");
        plot.GetImage(Charts.ConfusionMatrixWidth, Charts.ConfusionMatrixHeight).Dispose();
        var area = plot.RenderManager.LastRender.DataRect;
        Assert.True(area.Width > 200 && area.Height > 200, $"data area {area}");

        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal(Charts.ConfusionMatrixWidth, bitmap.Width);
        int k = labels.Length;
        double cellWidth = area.Width / k, cellHeight = area.Height / k;
        // every cell sampled near its four corners (away from the count written in its middle) and just inside
        // the data area's edges: a heatmap half a cell off or a cell too large shows the neighbour's colour there
        double[] offsets = [0.1, 0.9];
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < k; c++)
            {
                bool dark = confusion[r][c] >= 8;
                foreach (double fy in offsets)
                {
                    foreach (double fx in offsets)
                    {
                        int x = (int)Math.Round(area.Left + (c + fx) * cellWidth);
                        int y = (int)Math.Round(area.Top + (r + fy) * cellHeight);
                        var pixel = bitmap.GetPixel(x, y);
                        int brightness = pixel.Red + pixel.Green + pixel.Blue;
                        if (dark)
                            Assert.True(brightness < 400, $"cell true {labels[r]} / predicted {labels[c]} at ({x}, {y}) is light: {pixel}");
                        else
                            Assert.True(brightness > 600, $"cell true {labels[r]} / predicted {labels[c]} at ({x}, {y}) is dark: {pixel}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Training_curves_and_bars_are_written_as_pngs()
    {
        string curves = Path.Combine(_dir, "curves.png");
        Charts.Curves(curves, "loss", "epoch", "loss",
            new Dictionary<string, IReadOnlyList<double>> { ["train"] = [1.2, 0.9, 0.7], ["validation"] = [1.3, 1.0, 1.05] }, 2);
        AssertPng(curves, 2000);
        string bars = Path.Combine(_dir, "bars.png");
        Charts.Bars(bars, "leaderboard", "accuracy", [("LightGbm", 0.61), ("FastTree", 0.58)]);
        AssertPng(bars, 1000);
    }
}
