using System.Collections;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mmcs.Core;
using Mmcs.Notebooks.Execution;
using Mmcs.Notebooks.Format;
using ScottPlot;

namespace Mmcs.Notebooks;

/// <summary>
/// What notebook code calls to show things below a cell (Jupyter display data): values as text, PNG images,
/// ScottPlot plots (rendered to PNG), HTML tables. Works only while <see cref="NotebookRunner"/> executes a
/// cell; every call adds one output to that cell, in order with its console output.
/// </summary>
public static class Display
{
    /// <summary>Default size of a plot rendered for display, in pixels.</summary>
    public const int DefaultWidth = 720;

    /// <summary>Default size of a plot rendered for display, in pixels.</summary>
    public const int DefaultHeight = 420;

    /// <summary>Shows any value: a ScottPlot <see cref="Plot"/> as PNG, an <see cref="ImageData"/> or
    /// <see cref="HtmlContent"/> as itself, anything else as text.</summary>
    public static void Value(object? value) => RequireCell().Add(NotebookOutputs.DisplayData(MimeBundle(value)));

    /// <summary>Shows a PNG file (and returns its path).</summary>
    public static string Image(string pngPath)
    {
        var cell = RequireCell();
        var full = Path.IsPathRooted(pngPath) ? pngPath : Path.Combine(cell.OutputDirectory, pngPath);
        if (!File.Exists(full))
            throw new NotebookException(ErrorCodes.ResourceDoesNotExist, $"Display.Image: '{full}' does not exist");
        var bytes = File.ReadAllBytes(full);
        RequirePng(bytes, full);
        cell.Add(NotebookOutputs.DisplayData(NotebookOutputs.Png(bytes, Path.GetFileName(full))));
        return full;
    }

    /// <summary>Shows PNG bytes; with <paramref name="saveAs"/>, also saves them there (relative paths are under the
    /// run's output directory) and returns the saved path.</summary>
    public static string? Image(byte[] png, string? description = null, string? saveAs = null)
    {
        ArgumentNullException.ThrowIfNull(png);
        RequirePng(png, description ?? saveAs ?? "image");
        var cell = RequireCell();
        string? saved = null;
        if (saveAs != null)
        {
            saved = Path.IsPathRooted(saveAs) ? saveAs : Path.Combine(cell.OutputDirectory, saveAs);
            WriteAtomically(saved, png);
        }
        cell.Add(NotebookOutputs.DisplayData(NotebookOutputs.Png(png, description ?? (saved is null ? "PNG image" : Path.GetFileName(saved)))));
        return saved;
    }

    /// <summary>
    /// Renders a plot to PNG and shows it; with <paramref name="fileName"/>, also saves the PNG there (relative
    /// paths are under the run's output directory) and returns the saved path.
    /// </summary>
    public static string? Plot(Plot plot, string? fileName = null, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(plot);
        var cell = RequireCell();
        var png = plot.GetImageBytes(width, height, ImageFormat.Png);
        string? saved = null;
        if (fileName != null)
        {
            saved = Path.IsPathRooted(fileName) ? fileName : Path.Combine(cell.OutputDirectory, fileName);
            WriteAtomically(saved, png);
        }
        cell.Add(NotebookOutputs.DisplayData(NotebookOutputs.Png(png, saved is null ? "plot" : Path.GetFileName(saved))));
        return saved;
    }

    /// <summary>Shows HTML (with a text fallback for plain-text viewers).</summary>
    public static void Html(string html, string? plainText = null) =>
        RequireCell().Add(NotebookOutputs.DisplayData(new HtmlContent(html, plainText).ToMimeBundle()));

    /// <summary>Shows a table as HTML and as aligned plain text.</summary>
    public static void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<object?>> rows) =>
        RequireCell().Add(NotebookOutputs.DisplayData(HtmlContent.Table(headers, rows).ToMimeBundle()));

    /// <summary>The directory plots and other files of the current run are saved to.</summary>
    public static string OutputDirectory => RequireCell().OutputDirectory;

    internal static CellContext RequireCell() =>
        CellContext.Current ?? throw new NotebookException(ErrorCodes.InvalidState,
            "display is only available inside a notebook cell run by 'mmcs notebook run' (NotebookRunner)");

    /// <summary>The mime bundle (image/png, text/html, text/plain) of a value.</summary>
    internal static JsonObject MimeBundle(object? value) => value switch
    {
        Plot plot => NotebookOutputs.Png(plot.GetImageBytes(DefaultWidth, DefaultHeight, ImageFormat.Png), "plot"),
        ImageData image => NotebookOutputs.Png(image.Png, image.Description),
        HtmlContent html => html.ToMimeBundle(),
        _ => NotebookOutputs.PlainText(FormatText(value)),
    };

    /// <summary>Plain text of a value: invariant numbers, short collections inline, long ones truncated.</summary>
    internal static string FormatText(object? value, int maxItems = 100)
    {
        switch (value)
        {
            case null:
                return "null";
            case string s:
                return s;
            case double d:
                return Invariant.Format(d);
            case float f:
                return f.ToString("R", CultureInfo.InvariantCulture);
            case IFormattable formattable:
                return formattable.ToString(null, CultureInfo.InvariantCulture);
            case IDictionary dictionary:
            {
                var sb = new StringBuilder();
                int n = 0;
                foreach (DictionaryEntry e in dictionary)
                {
                    if (n++ == maxItems)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"... ({dictionary.Count - maxItems} more)\n");
                        break;
                    }
                    sb.Append(FormatText(e.Key, 10)).Append(": ").Append(FormatText(e.Value, 10)).Append('\n');
                }
                return sb.ToString().TrimEnd('\n');
            }
            case IEnumerable sequence:
            {
                var items = new List<string>();
                int more = 0;
                foreach (var item in sequence)
                {
                    if (items.Count < maxItems) items.Add(FormatText(item, 10));
                    else more++;
                }
                bool simple = items.All(i => i.Length < 40 && !i.Contains('\n'));
                var text = simple
                    ? "[" + string.Join(", ", items) + (more > 0 ? $", ... ({more} more)" : "") + "]"
                    : string.Join("\n", items) + (more > 0 ? $"\n... ({more} more)" : "");
                return text;
            }
            default:
                return value.ToString() ?? value.GetType().FullName ?? "?";
        }
    }

    private static void RequirePng(byte[] bytes, string what)
    {
        ReadOnlySpan<byte> signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (bytes.Length < 8 || !bytes.AsSpan(0, 8).SequenceEqual(signature))
            throw new NotebookException(ErrorCodes.InvalidParameterValue, $"'{what}' is not a PNG image");
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, full, overwrite: true);
    }
}

/// <summary>PNG bytes to show as an image (a cell whose last expression is one shows the image).</summary>
public sealed record ImageData(byte[] Png, string Description = "PNG image")
{
    /// <summary>Reads a PNG file.</summary>
    public static ImageData FromFile(string path) => new(File.ReadAllBytes(path), Path.GetFileName(path));
}

/// <summary>HTML to show (with a plain-text fallback).</summary>
public sealed record HtmlContent(string Html, string? PlainText = null)
{
    internal JsonObject ToMimeBundle() => new()
    {
        ["text/html"] = NotebookDocument.MultilineText(Html),
        ["text/plain"] = NotebookDocument.MultilineText(PlainText ?? "(HTML)"),
    };

    /// <summary>An HTML table (values formatted with the invariant culture), with an aligned text version.</summary>
    public static HtmlContent Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var cells = rows.Select(r => r.Select(v => Display.FormatText(v, 10)).ToArray()).ToList();
        var html = new StringBuilder("<table>\n<thead><tr>");
        foreach (var h in headers) html.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in cells)
        {
            html.Append("<tr>");
            foreach (var c in row) html.Append("<td>").Append(WebUtility.HtmlEncode(c)).Append("</td>");
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>");

        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => i < r.Length ? r[i].Length : 0))).ToArray();
        var text = new StringBuilder();
        text.AppendJoin("  ", headers.Select((h, i) => h.PadRight(widths[i]))).Append('\n');
        foreach (var row in cells)
            text.AppendJoin("  ", row.Select((c, i) => i < widths.Length ? c.PadRight(widths[i]) : c)).Append('\n');
        return new HtmlContent(html.ToString(), text.ToString().TrimEnd('\n'));
    }
}
