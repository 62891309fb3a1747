using Mmcs.Featurize;
using ScottPlot;

namespace Mmcs.Notebooks.Plots;

/// <summary>
/// Pictures of audio for notebooks (ScottPlot): a waveform, and any [rows × frames] array (spectrogram, mel, MFCC,
/// chroma) as a time-frequency image with row 0 at the bottom, like librosa.display.specshow.
/// </summary>
public static class AudioCharts
{
    /// <summary>The pitch classes of a 12-bin chromagram, rows 0..11.</summary>
    public static readonly IReadOnlyList<string> PitchClasses = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

    /// <summary>Amplitude over time (seconds).</summary>
    public static Plot Waveform(AudioSignal signal, string? title = null, Color? colour = null)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var plot = new Plot();
        var samples = Array.ConvertAll(signal.Samples, x => (double)x);
        var line = plot.Add.Signal(samples, 1.0 / signal.SampleRate);
        if (colour is { } c) line.Color = c;
        plot.Axes.SetLimitsY(-1.05, 1.05);
        plot.XLabel("time (s)");
        plot.YLabel("amplitude");
        plot.Title(title ?? Path.GetFileName(signal.Source));
        return plot;
    }

    /// <summary>
    /// A [rows × frames] matrix as an image: x in seconds (frame · hop / sample rate), y the row (or
    /// <paramref name="rowValue"/>(row), e.g. the bin's frequency), row 0 at the bottom, with a colour bar.
    /// </summary>
    public static Plot TimeFrequency(FeatureMatrix matrix, int sampleRate, int hopLength, string title, string yLabel,
        string? colourLabel = null, IColormap? colormap = null, Func<int, double>? rowValue = null,
        IReadOnlyList<string>? rowLabels = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Rows == 0 || matrix.Cols == 0) throw new ArgumentException("the matrix is empty", nameof(matrix));
        int rows = matrix.Rows, cols = matrix.Cols;
        var intensities = new double[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            var row = matrix.Row(r);
            for (int c = 0; c < cols; c++) intensities[rows - 1 - r, c] = row[c]; // the heatmap draws index 0 at the top
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = colormap ?? new ScottPlot.Colormaps.Magma();
        double secondsPerFrame = (double)hopLength / sampleRate;
        Func<int, double> y = rowValue ?? (r => r);
        // The extent names the centres of the corner cells.
        double x0 = 0, x1 = Math.Max(cols - 1, 1) * secondsPerFrame;
        double y0 = y(0), y1 = rows > 1 ? y(rows - 1) : y(0) + 1;
        heatmap.Extent = new CoordinateRect(x0, x1, y0, y1);
        var bar = plot.Add.ColorBar(heatmap);
        if (colourLabel != null) bar.Label = colourLabel;
        if (rowLabels != null)
        {
            var ticks = Enumerable.Range(0, Math.Min(rows, rowLabels.Count)).Select(r => y(r)).ToArray();
            plot.Axes.Left.SetTicks(ticks, rowLabels.Take(ticks.Length).ToArray());
        }
        plot.Axes.Margins(0, 0);
        plot.XLabel("time (s)");
        plot.YLabel(yLabel);
        plot.Title(title);
        return plot;
    }
}
