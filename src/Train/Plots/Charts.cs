using Mmcs.Core;
using ScottPlot;

namespace Mmcs.Train.Plots;

/// <summary>PNG charts logged as run artifacts (people would rather look at a confusion matrix than read one).</summary>
public static class Charts
{
    /// <summary>A confusion matrix heatmap (rows: true label, columns: predicted), counts written in the cells.</summary>
    public static void ConfusionMatrix(string path, int[][] confusion, IReadOnlyList<string> labels, string title)
    {
        int k = labels.Count;
        var plot = new Plot();
        var intensity = new double[k, k];
        for (int r = 0; r < k; r++)
        {
            int rowTotal = Math.Max(1, confusion[r].Sum());
            for (int c = 0; c < k; c++) intensity[r, c] = (double)confusion[r][c] / rowTotal;
        }
        var heatmap = plot.Add.Heatmap(intensity);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues();
        heatmap.Extent = new CoordinateRect(-0.5, k - 0.5, k - 0.5, -0.5);
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < k; c++)
            {
                var text = plot.Add.Text(confusion[r][c].ToString(Invariant.Culture), c, r);
                text.LabelFontSize = 16;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = intensity[r, c] > 0.5 ? Colors.White : Colors.Black;
            }
        }
        var ticks = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, labels.ToArray());
        plot.Axes.Left.SetTicks(ticks, labels.ToArray());
        plot.Axes.SetLimits(-0.5, k - 0.5, k - 0.5, -0.5);
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.Title(title);
        Save(plot, path, 520, 480);
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

    private static void Save(Plot plot, string path, int width, int height)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        string temp = path + ".tmp.png";
        plot.SavePng(temp, width, height);
        File.Move(temp, path, overwrite: true);
    }
}
