using Mmcs.Core;
using ScottPlot;

namespace Mmcs.Train.Plots;

/// <summary>PNG charts logged as run artifacts (people would rather look at a confusion matrix than read one).</summary>
public static class Charts
{
    /// <summary>A confusion matrix heatmap (rows: true label, top to bottom; columns: predicted, left to right;
    /// the top-left cell is "true first label, predicted first label"), counts written in the cells, colour by
    /// the row's share.</summary>
    public static void ConfusionMatrix(string path, int[][] confusion, IReadOnlyList<string> labels, string title) =>
        Save(ConfusionMatrixPlot(confusion, labels, title), path, ConfusionMatrixWidth, ConfusionMatrixHeight);

    internal const int ConfusionMatrixWidth = 520;
    internal const int ConfusionMatrixHeight = 480;

    /// <summary>The plot behind <see cref="ConfusionMatrix"/>.</summary>
    internal static Plot ConfusionMatrixPlot(int[][] confusion, IReadOnlyList<string> labels, string title)
    {
        int k = labels.Count;
        if (k == 0 || confusion.Length != k || confusion.Any(row => row.Length != k))
            throw new ArgumentException($"a confusion matrix of {k} labels must be {k}x{k}", nameof(confusion));
        var plot = new Plot();
        var intensity = new double[k, k];
        for (int r = 0; r < k; r++)
        {
            int rowTotal = Math.Max(1, confusion[r].Sum());
            for (int c = 0; c < k; c++) intensity[r, c] = (double)confusion[r][c] / rowTotal;
        }
        var heatmap = plot.Add.Heatmap(intensity);
        // ScottPlot's Blues runs from dark (0) to white (1): reversed, a larger share is a darker cell.
        heatmap.Colormap = new Reversed(new ScottPlot.Colormaps.Blues());
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        // ScottPlot's extent gives the centres of the corner cells, and row 0 of the array is drawn at the top:
        // cell (r, c) is centred on (c, k - 1 - r), each cell one unit wide.
        heatmap.Extent = k > 1 ? new CoordinateRect(0, k - 1, 0, k - 1) : new CoordinateRect(-0.5, 0.5, -0.5, 0.5);
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < k; c++)
            {
                var text = plot.Add.Text(confusion[r][c].ToString(Invariant.Culture), c, k - 1 - r);
                text.LabelFontSize = 16;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = intensity[r, c] > 0.5 ? Colors.White : Colors.Black;
            }
        }
        var xTicks = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        var yTicks = Enumerable.Range(0, k).Select(r => (double)(k - 1 - r)).ToArray();
        plot.Axes.Bottom.SetTicks(xTicks, labels.ToArray());
        plot.Axes.Left.SetTicks(yTicks, labels.ToArray());
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.Title(title);
        return plot;
    }

    /// <summary>Line chart of named series over steps (e.g. train/validation loss and accuracy per epoch).</summary>
    public static void Curves(string path, string title, string xLabel, string yLabel,
        IReadOnlyDictionary<string, IReadOnlyList<double>> series, int? markStep = null)
    {
        var plot = new Plot();
        foreach (var (name, values) in series)
        {
            if (values.Count == 0) continue;
            var xs = Enumerable.Range(1, values.Count).Select(i => (double)i).ToArray();
            var line = plot.Add.Scatter(xs, values.ToArray());
            line.LegendText = name;
        }
        if (markStep is { } step)
        {
            var v = plot.Add.VerticalLine(step);
            v.LegendText = "best epoch";
            v.LinePattern = LinePattern.Dashed;
        }
        plot.ShowLegend();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        Save(plot, path, 720, 420);
    }

    /// <summary>Horizontal bar chart (e.g. a leaderboard or feature importances), largest first.</summary>
    public static void Bars(string path, string title, string valueLabel, IReadOnlyList<(string Name, double Value)> bars)
    {
        var plot = new Plot();
        var ordered = bars.Reverse().ToArray(); // first item at the top
        var values = ordered.Select(b => b.Value).ToArray();
        var barPlot = plot.Add.Bars(values);
        barPlot.Horizontal = true;
        var ticks = Enumerable.Range(0, ordered.Length).Select(i => (double)i).ToArray();
        plot.Axes.Left.SetTicks(ticks, ordered.Select(b => b.Name).ToArray());
        plot.Axes.Margins(left: 0);
        plot.Title(title);
        plot.XLabel(valueLabel);
        Save(plot, path, 720, Math.Max(300, 60 + 22 * ordered.Length));
    }

    /// <summary>A colormap read from its other end.</summary>
    private sealed class Reversed(IColormap inner) : IColormap
    {
        public string Name => inner.Name + " (reversed)";

        public Color GetColor(double position) => inner.GetColor(1 - position);
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        string temp = path + ".tmp.png";
        plot.SavePng(temp, width, height);
        File.Move(temp, path, overwrite: true);
    }
}
