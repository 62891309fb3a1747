using Mmcs.Core;

namespace Mmcs.Notebooks.Eda;

/// <summary>Where the EDA's table comes from: a feature table file, or a dataset folder featurised first.</summary>
public static partial class EdaInputs
{
    /// <summary>Label column names tried, in order, when none is given.</summary>
    public static readonly IReadOnlyList<string> LabelCandidates = ["label", "mood", "class", "quadrant", "emotion", "target", "y"];

    /// <summary>
    /// Reads a feature table (CSV or TSV, invariant culture, RFC 4180 quoting): the numeric columns become features,
    /// <paramref name="labelColumn"/> (default: the first of <see cref="LabelCandidates"/> present) the class; text
    /// columns and identifier-like columns (id, index, …) are left out with a notice. Empty cells and NA are NaN.
    /// Returns the table and what was decided.
    /// </summary>
    public static (EdaTable Table, IReadOnlyList<string> Notices) FromTable(string path, string? labelColumn = null)
    {
        if (!File.Exists(path))
            throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"table '{path}' does not exist");
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".csv" or ".tsv" or ".txt"))
            throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"{path}: unsupported table format '{ext}' (use .csv or .tsv, or give a dataset folder)");
        var (header, rows) = CsvText.Read(path, ext == ".tsv" ? '\t' : null);
        var source = Path.GetFileName(path);
        labelColumn ??= LabelCandidates.FirstOrDefault(c => header.Contains(c, StringComparer.OrdinalIgnoreCase))
            ?? throw new MmcsException(ErrorCodes.DataInvalid,
                $"{path}: no label column found (tried {string.Join(", ", LabelCandidates)}); name it with --label");
        int label = header.FindIndex(h => string.Equals(h, labelColumn, StringComparison.OrdinalIgnoreCase));
        if (label < 0)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{path}: no label column '{labelColumn}'; the columns are {string.Join(", ", header)}");
        if (rows.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{path}: the table has a header but no rows");
        var notices = new List<string>();
        var features = new List<int>();
        var text = new List<string>();
        for (int j = 0; j < header.Count; j++)
        {
            if (j == label) continue;
            if (IdentifierNames.Contains(header[j]))
            {
                notices.Add($"column '{header[j]}' looks like an identifier and is left out");
                continue;
            }
            if (rows.All(r => IsMissing(r[j]) || Invariant.TryParseDouble(r[j], out _))) features.Add(j);
            else text.Add(header[j]);
        }
        if (text.Count > 0) notices.Add($"text columns left out of the EDA: {string.Join(", ", text)}");
        if (features.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{path}: the table has no numeric feature column");
        var values = new List<double[]>(rows.Count);
        var labels = new List<string>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var l = rows[i][label].Trim();
            if (IsMissing(l)) throw new MmcsException(ErrorCodes.DataInvalid, $"{path}: row {i + 2} has no label");
            labels.Add(l);
            values.Add(features.Select(j => IsMissing(rows[i][j]) ? double.NaN : Invariant.ParseDouble(rows[i][j])).ToArray());
        }
        return (new EdaTable(features.Select(j => header[j]).ToList(), values, labels, source), notices);
    }

    private static readonly HashSet<string> IdentifierNames = new(StringComparer.OrdinalIgnoreCase)
        { "id", "index", "row", "path", "file", "filename", "file_name", "song", "song_id", "clip", "clip_id", "artist" };

    private static bool IsMissing(string cell) =>
        cell.Trim() is "" or "NA" or "N/A" or "na" or "null" or "None" or "?";

    /// <summary>
    /// The whole <c>mmcs eda</c>: reads the table (or featurises the dataset folder), computes the analysis and writes
    /// the report. Returns the analysis and the notices of reading.
    /// </summary>
    public static Task<(EdaAnalysis Analysis, IReadOnlyList<string> Notices)> WriteReportAsync(string input, string outputPath,
        string? labelColumn = null, string? title = null, IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (Directory.Exists(input))
            return FromDatasetReportAsync(input, outputPath, title, progress, cancellationToken);
        var (table, notices) = FromTable(input, labelColumn);
        var options = new EdaReportOptions
        {
            Title = title ?? $"EDA of {Path.GetFileName(input)}",
            Notes = notices,
        };
        var analysis = EdaReport.Write(table, outputPath, options, progress, cancellationToken);
        return Task.FromResult<(EdaAnalysis, IReadOnlyList<string>)>((analysis, notices));
    }
}
