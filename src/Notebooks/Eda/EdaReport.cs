using System.Globalization;
using System.Net;
using System.Text;
using Mmcs.Core;

namespace Mmcs.Notebooks.Eda;

/// <summary>How the EDA report is made.</summary>
public sealed record EdaReportOptions
{
    /// <summary>The report's heading.</summary>
    public string Title { get; init; } = "Exploratory data analysis";

    /// <summary>Histogram bins per feature.</summary>
    public int Bins { get; init; } = 20;

    /// <summary>Neighbours of the mutual information estimator (scikit-learn's default: 3).</summary>
    public int Neighbours { get; init; } = 3;

    /// <summary>Feature pairs at least this correlated (|r|) are listed under the heatmap.</summary>
    public double CorrelationThreshold { get; init; } = 0.9;

    /// <summary>Pixel size of each box plot and histogram.</summary>
    public int FeaturePlotWidth { get; init; } = 440;

    /// <summary>Pixel size of each box plot and histogram.</summary>
    public int FeaturePlotHeight { get; init; } = 300;

    /// <summary>Lines shown under the heading (e.g. how the table was made).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Extra sections placed after the class balance (title, HTML body); the body must be self-contained.</summary>
    public IReadOnlyList<(string Title, string Html)> ExtraSections { get; init; } = [];

    public EdaReportOptions Validate()
    {
        if (Bins is < 2 or > 500) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"bins must be 2..500, got {Bins}");
        if (Neighbours < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"neighbours must be at least 1, got {Neighbours}");
        if (FeaturePlotWidth < 100 || FeaturePlotHeight < 100)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "feature plots must be at least 100x100 pixels");
        return this;
    }
}

/// <summary>
/// The EDA as one self-contained HTML file (images embedded as base64 data URIs, inline CSS, no link to anything
/// outside): class balance, the separability table (ANOVA F with p-values, mutual information) sorted by F, the
/// correlation heatmap, and per-mood box plots and histograms of every feature.
/// </summary>
public static class EdaReport
{
    /// <summary>Computes the analysis and writes the report to <paramref name="outputPath"/> (atomically).</summary>
    public static EdaAnalysis Write(EdaTable table, string outputPath, EdaReportOptions? options = null,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        options = (options ?? new EdaReportOptions()).Validate();
        progress ??= Progress.None;
        progress.Report(new ProgressUpdate("eda statistics", 0, 1));
        var analysis = EdaAnalysis.Compute(table, options.Neighbours, cancellationToken);
        progress.Report(new ProgressUpdate("eda statistics", 1, 1));
        var html = Render(analysis, options, progress, cancellationToken);
        var full = CheckOutputPath(outputPath);
        var temp = full + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(temp, html, new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp); // nothing half-written
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"cannot write the report to {full}: {e.Message}", e);
        }
        return analysis;
    }

    /// <summary>The full path of a report to write, refused early (before any featurisation) when it is empty or names a folder.</summary>
    public static string CheckOutputPath(string outputPath)
    {
        if (string.IsNullOrWhiteSpace(outputPath))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "the report path is empty");
        var full = Path.GetFullPath(outputPath);
        if (Directory.Exists(full))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{full} is a folder; give the report's file name (e.g. {Path.Combine(full, "eda.html")})");
        return full;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The report's HTML.</summary>
    public static string Render(EdaAnalysis analysis, EdaReportOptions? options = null,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        options = (options ?? new EdaReportOptions()).Validate();
        progress ??= Progress.None;
        var table = analysis.Table;
        int p = table.FeatureNames.Count;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .Append(Encode(options.Title)).Append("</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(Encode(options.Title)).Append("</h1>\n<p class=\"meta\">")
            .Append(Encode($"{table.Source}: {table.RowCount} clips, {p} features, {table.Classes.Count} classes. " +
                           $"Generated {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC."))
            .Append("</p>\n");
        foreach (var note in options.Notes) html.Append("<p class=\"meta\">").Append(Encode(note)).Append("</p>\n");
        html.Append("<nav><a href=\"#balance\">Class balance</a> · <a href=\"#separability\">Separability</a> · " +
                    "<a href=\"#correlation\">Correlation</a> · <a href=\"#features\">Features</a></nav>\n");

        // Class balance.
        html.Append("<h2 id=\"balance\">Class balance</h2>\n");
        AppendTable(html, ["class", "clips", "share"], table.Classes.Select((c, i) => new[]
        {
            c, analysis.ClassCounts[i].ToString(Invariant.Culture),
            (100.0 * analysis.ClassCounts[i] / Math.Max(1, table.RowCount)).ToString("F1", Invariant.Culture) + " %",
        }), "balance");
        AppendImage(html, EdaCharts.Png(EdaCharts.ClassBalance(table.Classes, analysis.ClassCounts), 520, 320), "class balance");
        foreach (var (title, body) in options.ExtraSections)
            html.Append("<h2>").Append(Encode(title)).Append("</h2>\n").Append(body).Append('\n');

        // Separability.
        html.Append("<h2 id=\"separability\">Class separability per feature</h2>\n<p>One-way ANOVA F (between-mood over " +
                    "within-mood variance; p: the chance of an F this large if every mood had the same mean) and the " +
                    "mutual information between the feature and the mood (nats; k-nearest-neighbour estimator, k = ")
            .Append(options.Neighbours.ToString(Invariant.Culture))
            .Append("; ln ").Append(table.Classes.Count.ToString(Invariant.Culture)).Append(" = ")
            .Append(Math.Log(Math.Max(1, table.Classes.Count)).ToString("F3", Invariant.Culture))
            .Append(" would be a perfect separation). Sorted by F.</p>\n");
        AppendTable(html, ["rank", "feature", "ANOVA F", "p-value", "MI (nats)", "MI rank"],
            analysis.Separability.Select(r => new[]
            {
                r.FRank.ToString(Invariant.Culture), r.Feature, FormatNumber(r.Anova.F, "F2"), FormatP(r.Anova.PValue),
                FormatNumber(r.MutualInformation, "F4"), r.MiRank.ToString(Invariant.Culture),
            }), "separability");
        int top = Math.Min(25, p);
        var byF = analysis.Separability.Take(top).Select(r => (r.Feature, r.Anova.F)).ToList();
        var byMi = analysis.Separability.OrderBy(r => r.MiRank).Take(top).Select(r => (r.Feature, r.MutualInformation)).ToList();
        html.Append("<div class=\"row\">");
        AppendImage(html, EdaCharts.Png(EdaCharts.SeparabilityBars(byF, "ANOVA F", $"Top {top} by ANOVA F"), 520, EdaCharts.BarsHeight(top)), "top features by ANOVA F");
        AppendImage(html, EdaCharts.Png(EdaCharts.SeparabilityBars(byMi, "mutual information (nats)", $"Top {top} by mutual information"), 520, EdaCharts.BarsHeight(top)), "top features by mutual information");
        html.Append("</div>\n");
        cancellationToken.ThrowIfCancellationRequested();

        // Correlation.
        html.Append("<h2 id=\"correlation\">Feature correlation</h2>\n");
        var (cw, ch) = EdaCharts.CorrelationSize(p);
        AppendImage(html, EdaCharts.Png(EdaCharts.CorrelationHeatmap(table.FeatureNames, analysis.Correlation), cw, ch), "correlation heatmap");
        var strong = analysis.StronglyCorrelated(options.CorrelationThreshold);
        html.Append("<p>").Append(strong.Count.ToString(Invariant.Culture)).Append(" feature pairs with |r| ≥ ")
            .Append(options.CorrelationThreshold.ToString("G3", Invariant.Culture)).Append(strong.Count > 0 ? ":" : ".").Append("</p>\n");
        if (strong.Count > 0)
            AppendTable(html, ["feature", "feature", "r"], strong.Take(50).Select(s => new[] { s.A, s.B, s.R.ToString("F3", Invariant.Culture) }), "pairs");

        // Per-feature plots, in separability order, rendered in parallel.
        html.Append("<h2 id=\"features\">Every feature by mood</h2>\n<p>Box plots (median, quartiles, whiskers at 1.5 IQR, " +
                    "outliers as circles) and overlaid histograms, most separating features first.</p>\n");
        var order = analysis.Separability.Select(r => table.FeatureNames.ToList().IndexOf(r.Feature)).ToArray();
        var sections = new string[order.Length];
        int done = 0;
        Parallel.For(0, order.Length, new ParallelOptions { CancellationToken = cancellationToken }, k =>
        {
            int j = order[k];
            var section = new StringBuilder();
            var row = analysis.Separability[k];
            section.Append("<section class=\"feature\"><h3>").Append(Encode(table.FeatureNames[j])).Append("</h3>\n<p class=\"meta\">F = ")
                .Append(FormatNumber(row.Anova.F, "F2")).Append(" (p ").Append(FormatP(row.Anova.PValue)).Append("), MI = ")
                .Append(FormatNumber(row.MutualInformation, "F4")).Append(" nats. ");
            var summaries = analysis.Summaries[j];
            section.AppendJoin("; ", table.Classes.Select((c, i) =>
                $"{Encode(c)}: {FormatNumber(summaries[i].Mean, "G4")} ± {FormatNumber(summaries[i].StdDev, "G3")}"));
            section.Append("</p>\n<div class=\"row\">");
            AppendImage(section, EdaCharts.Png(EdaCharts.BoxPlot(table, j), options.FeaturePlotWidth, options.FeaturePlotHeight),
                $"{table.FeatureNames[j]} box plot by mood");
            AppendImage(section, EdaCharts.Png(EdaCharts.Histogram(table, j, options.Bins), options.FeaturePlotWidth, options.FeaturePlotHeight),
                $"{table.FeatureNames[j]} histogram by mood");
            section.Append("</div></section>\n");
            sections[k] = section.ToString();
            progress.Report(new ProgressUpdate("eda plots", Interlocked.Increment(ref done), order.Length, table.FeatureNames[j]));
        });
        foreach (var s in sections) html.Append(s);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>A p-value for people: 3 significant digits, "&lt; 1e-300" at underflow.</summary>
    public static string FormatP(double p) =>
        double.IsNaN(p) ? "n/a" : p == 0 ? "< 1e-300" : p >= 0.001 ? p.ToString("F3", Invariant.Culture) : p.ToString("0.00E+0", Invariant.Culture);

    private static string FormatNumber(double x, string format) =>
        double.IsNaN(x) ? "n/a" : double.IsPositiveInfinity(x) ? "∞" : x.ToString(format, Invariant.Culture);

    private static void AppendTable(StringBuilder html, IReadOnlyList<string> headers, IEnumerable<string[]> rows, string cssClass)
    {
        html.Append("<table class=\"").Append(cssClass).Append("\">\n<thead><tr>");
        foreach (var h in headers) html.Append("<th>").Append(Encode(h)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (var cell in row) html.Append("<td>").Append(Encode(cell)).Append("</td>");
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
    }

    private static void AppendImage(StringBuilder html, byte[] png, string alt) =>
        html.Append("<img alt=\"").Append(Encode(alt)).Append("\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(png)).Append("\">\n");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
        h1 { margin-bottom: 0.2em; }
        h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
        .meta { color: #555; margin: 0.2em 0; }
        nav { margin: 1em 0; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
        th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
        th { background: #f3f3f3; }
        table.separability td:nth-child(2), table.separability th:nth-child(2) { text-align: left; }
        table.balance td:first-child, table.pairs td { text-align: left; }
        img { max-width: 100%; margin: 0.3em; }
        .row { display: flex; flex-wrap: wrap; align-items: flex-start; }
        section.feature { margin: 1.5em 0; }

        """;
}
