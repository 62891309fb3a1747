using Mmcs.Core;
using ScottPlot;
using SkiaSharp;

namespace Mmcs.Notebooks.Eda;

/// <summary>
/// The plots of the EDA (ScottPlot): class balance, per-mood box plots and histograms of a feature, the correlation
/// heatmap, the separability bars. Each returns a <see cref="Plot"/> (notebooks display it) and has a recommended
/// pixel size; <see cref="Png"/> renders one.
/// </summary>
public static class EdaCharts
{
    private static readonly Dictionary<string, string> MoodColours = new(StringComparer.OrdinalIgnoreCase)
    {
        ["happy"] = "#E69F00",
        ["angry"] = "#D55E00",
        ["sad"] = "#0072B2",
        ["relaxed"] = "#009E73",
        ["Q1"] = "#E69F00",
        ["Q2"] = "#D55E00",
        ["Q3"] = "#0072B2",
        ["Q4"] = "#009E73",
    };

    private static readonly string[] OtherColours = ["#CC79A7", "#56B4E9", "#F0E442", "#999999", "#000000", "#882255"];

    /// <summary>The colour of a class (the moods have fixed, colour-blind-safe colours).</summary>
    public static Color ClassColour(string label, int index) =>
        Color.FromHex(MoodColours.TryGetValue(label, out var hex) ? hex : OtherColours[index % OtherColours.Length]);

    /// <summary>Renders a plot to PNG bytes.</summary>
    public static byte[] Png(Plot plot, int width, int height) => plot.GetImageBytes(width, height, ImageFormat.Png);

    /// <summary>Renders plots side by side, <paramref name="columns"/> per row, each cell
    /// <paramref name="cellWidth"/> × <paramref name="cellHeight"/> pixels, into one PNG (a facet grid).</summary>
    public static byte[] GridPng(IReadOnlyList<Plot> plots, int columns, int cellWidth, int cellHeight)
    {
        ArgumentNullException.ThrowIfNull(plots);
        if (plots.Count == 0) throw new ArgumentException("no plots to lay out", nameof(plots));
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cellWidth, 50);
        ArgumentOutOfRangeException.ThrowIfLessThan(cellHeight, 50);
        columns = Math.Min(columns, plots.Count);
        int rows = (plots.Count + columns - 1) / columns;
        using var surface = SKSurface.Create(new SKImageInfo(columns * cellWidth, rows * cellHeight))
            ?? throw new InvalidOperationException("SkiaSharp could not create a drawing surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        for (int i = 0; i < plots.Count; i++)
        {
            canvas.Save();
            canvas.Translate(i % columns * cellWidth, i / columns * cellHeight);
            canvas.ClipRect(new SKRect(0, 0, cellWidth, cellHeight));
            plots[i].Render(canvas, cellWidth, cellHeight);
            canvas.Restore();
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Bar chart of clips per class.</summary>
    public static Plot ClassBalance(IReadOnlyList<string> classes, IReadOnlyList<int> counts, string? title = null)
    {
        var plot = new Plot();
        for (int c = 0; c < classes.Count; c++)
        {
            var bar = plot.Add.Bar(position: c, value: counts[c]);
            bar.Color = ClassColour(classes[c], c);
            var text = plot.Add.Text(counts[c].ToString(Invariant.Culture), c, counts[c]);
            text.LabelAlignment = Alignment.LowerCenter;
            text.LabelFontSize = 14;
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, classes.Count).Select(i => (double)i).ToArray(), classes.ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.YLabel("clips");
        plot.Title(title ?? "Class balance");
        return plot;
    }

    /// <summary>Per-class box plots of one feature (Tukey whiskers at 1.5 IQR, outliers as dots).</summary>
    public static Plot BoxPlot(EdaTable table, int feature)
    {
        var plot = new Plot();
        for (int c = 0; c < table.Classes.Count; c++)
        {
            var values = table.ValuesOf(feature, c).Where(double.IsFinite).Order().ToArray();
            if (values.Length == 0) continue;
            double q1 = Summary.Quantile(values, 0.25), median = Summary.Quantile(values, 0.5), q3 = Summary.Quantile(values, 0.75);
            double iqr = q3 - q1;
            double lowFence = q1 - 1.5 * iqr, highFence = q3 + 1.5 * iqr;
            double whiskerMin = values.First(v => v >= lowFence), whiskerMax = values.Last(v => v <= highFence);
            var colour = ClassColour(table.Classes[c], c);
            var box = plot.Add.Box(new Box
            {
                Position = c,
                BoxMin = q1,
                BoxMax = q3,
                BoxMiddle = median,
                WhiskerMin = whiskerMin,
                WhiskerMax = whiskerMax,
                Width = 0.6,
            });
            box.FillColor = colour.WithAlpha(0.6);
            box.LineColor = Colors.Black;
            var outliers = values.Where(v => v < lowFence || v > highFence).ToArray();
            if (outliers.Length > 0)
                plot.Add.Markers(Enumerable.Repeat((double)c, outliers.Length).ToArray(), outliers, MarkerShape.OpenCircle, 5, colour);
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, table.Classes.Count).Select(i => (double)i).ToArray(), table.Classes.ToArray());
        plot.Title(table.FeatureNames[feature]);
        return plot;
    }

    /// <summary>Overlaid per-class histograms of one feature over common bins.</summary>
    public static Plot Histogram(EdaTable table, int feature, int bins = 20)
    {
        var plot = new Plot();
        var finite = table.Column(feature).Where(double.IsFinite).ToArray();
        if (finite.Length > 0)
        {
            double min = finite.Min(), max = finite.Max();
            if (max <= min) max = min + 1;
            for (int c = 0; c < table.Classes.Count; c++)
            {
                var hist = ScottPlot.Statistics.Histogram.WithBinCount(bins, min, max);
                hist.AddRange(table.ValuesOf(feature, c).Where(double.IsFinite));
                var colour = ClassColour(table.Classes[c], c).WithAlpha(0.45);
                plot.Add.Histogram(hist, colour);
                plot.Legend.ManualItems.Add(new LegendItem { LabelText = table.Classes[c], FillColor = colour });
            }
        }
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("clips");
        plot.Title(table.FeatureNames[feature]);
        return plot;
    }

    /// <summary>Heatmap of the feature correlation matrix (blue −1 … red +1), features labelled on both axes.</summary>
    public static Plot CorrelationHeatmap(IReadOnlyList<string> features, double[,] correlation)
    {
        int p = features.Count;
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(correlation);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance();
        heatmap.ManualRange = new ScottPlot.Range(-1, 1);
        // The extent gives the centres of the corner cells; row 0 of the matrix is drawn at the top (y = p − 1),
        // so feature i sits at y = p − 1 − i.
        heatmap.Extent = p > 1 ? new CoordinateRect(0, p - 1, 0, p - 1) : new CoordinateRect(-0.5, 0.5, -0.5, 0.5);
        heatmap.NaNCellColor = Colors.LightGray;
        plot.Add.ColorBar(heatmap);
        var xTicks = Enumerable.Range(0, p).Select(i => (double)i).ToArray();
        var yTicks = Enumerable.Range(0, p).Select(i => (double)(p - 1 - i)).ToArray();
        plot.Axes.Bottom.SetTicks(xTicks, features.ToArray());
        plot.Axes.Left.SetTicks(yTicks, features.ToArray());
        float fontSize = p > 40 ? 8 : p > 20 ? 10 : 12;
        plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.TickLabelStyle.FontSize = fontSize;
        plot.Axes.Left.TickLabelStyle.FontSize = fontSize;
        plot.Axes.Bottom.MinimumSize = 12 + 0.62f * fontSize * features.Max(f => f.Length);
        plot.Axes.SetLimits(-0.5, p - 0.5, -0.5, p - 0.5);
        plot.Title("Feature correlation (Pearson)");
        return plot;
    }

    /// <summary>Recommended pixel size of the correlation heatmap for <paramref name="features"/> features.</summary>
    public static (int Width, int Height) CorrelationSize(int features) =>
        (Math.Max(560, 200 + 16 * features), Math.Max(520, 240 + 16 * features));

    /// <summary>Horizontal bars of a separability score (ANOVA F or mutual information), best first.</summary>
    public static Plot SeparabilityBars(IReadOnlyList<(string Feature, double Score)> scores, string scoreLabel, string title)
    {
        var plot = new Plot();
        var ordered = scores.Reverse().ToArray(); // the best at the top
        var bars = plot.Add.Bars(ordered.Select(s => double.IsFinite(s.Score) ? s.Score : 0).ToArray());
        bars.Horizontal = true;
        plot.Axes.Left.SetTicks(Enumerable.Range(0, ordered.Length).Select(i => (double)i).ToArray(),
            ordered.Select(s => s.Feature).ToArray());
        plot.Axes.Margins(left: 0);
        plot.XLabel(scoreLabel);
        plot.Title(title);
        return plot;
    }

    /// <summary>Recommended pixel height of a bar chart of <paramref name="bars"/> bars.</summary>
    public static int BarsHeight(int bars) => Math.Max(300, 80 + 18 * bars);
}
