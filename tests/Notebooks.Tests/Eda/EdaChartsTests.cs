using Mmcs.Notebooks.Eda;
using ScottPlot;
using SkiaSharp;

namespace Mmcs.Notebooks.Tests.Eda;

public sealed class EdaChartsTests
{
    [Fact]
    public void The_correlation_heatmap_draws_each_pair_in_the_cell_its_labels_name()
    {
        // a and b are perfectly anti-correlated (blue), a with itself +1 (red), c unrelated (white).
        string[] features = ["a", "b", "c"];
        var correlation = new double[,] { { 1, -1, 0 }, { -1, 1, 0 }, { 0, 0, 1 } };
        var plot = EdaCharts.CorrelationHeatmap(features, correlation);

        using var bitmap = SKBitmap.Decode(EdaCharts.Png(plot, 600, 560));

        SKColor At(int column, int row)
        {
            // Column i is at x = i; row i (feature i) at y = p − 1 − i, as the tick labels say.
            var pixel = plot.GetPixel(new Coordinates(column, features.Length - 1 - row));
            return bitmap.GetPixel((int)pixel.X, (int)pixel.Y);
        }

        Assert.True(At(0, 0).Red > 2 * At(0, 0).Blue, $"a×a should be red, is {At(0, 0)}");
        Assert.True(At(1, 0).Blue > 2 * At(1, 0).Red, $"a×b should be blue, is {At(1, 0)}");
        Assert.True(At(0, 1).Blue > 2 * At(0, 1).Red, $"b×a should be blue, is {At(0, 1)}");
        Assert.True(At(2, 0).Red > 200 && At(2, 0).Blue > 200, $"a×c should be near white, is {At(2, 0)}");
        Assert.True(At(2, 2).Red > 2 * At(2, 2).Blue, $"c×c should be red, is {At(2, 2)}");
    }

    [Fact]
    public void Every_mood_has_its_own_colour()
    {
        var colours = EdaTable.MoodOrder.Select((m, i) => EdaCharts.ClassColour(m, i)).ToHashSet();

        Assert.Equal(4, colours.Count);
    }

    [Fact]
    public void A_grid_lays_plots_out_in_rows_of_the_given_width()
    {
        var table = EdaReportTests.SmallTable();
        var plots = Enumerable.Range(0, 3).Select(j => EdaCharts.BoxPlot(table, j)).ToList();

        using var bitmap = SKBitmap.Decode(EdaCharts.GridPng(plots, columns: 2, cellWidth: 300, cellHeight: 200));

        Assert.Equal(600, bitmap.Width);
        Assert.Equal(400, bitmap.Height);
        // The fourth cell is empty (white); the third is drawn (not all white).
        Assert.Equal(SKColors.White, bitmap.GetPixel(450, 300));
        bool drawn = false;
        for (int x = 0; x < 300 && !drawn; x += 3)
            for (int y = 200; y < 400 && !drawn; y += 3)
                drawn = bitmap.GetPixel(x, y) != SKColors.White;
        Assert.True(drawn);
    }
}
