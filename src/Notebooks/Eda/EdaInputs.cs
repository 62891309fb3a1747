using Mmcs.Core;
using Mmcs.Featurize.Storage;
using Mmcs.Train.Data;

namespace Mmcs.Notebooks.Eda;

/// <summary>Where the EDA's table comes from: a feature table file, or a dataset folder featurised first.</summary>
public static partial class EdaInputs
{
    /// <summary>Label column names tried, in order, when none is given.</summary>
    public static readonly IReadOnlyList<string> LabelCandidates = ["label", "mood", "class", "quadrant", "emotion", "target", "y"];

    /// <summary>
    /// Reads a feature table (CSV, Parquet or Excel, via Mmcs.Train's <see cref="TableReader"/>): the numeric columns
    /// become features, <paramref name="labelColumn"/> (default: the first of <see cref="LabelCandidates"/> present)
    /// the class; text and identifier columns are left out with a notice. Returns the table and the notices.
    /// </summary>
    public static (EdaTable Table, IReadOnlyList<string> Notices) FromTable(string path, string? labelColumn = null)
    {
        if (!File.Exists(path))
            throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"table '{path}' does not exist");
        // A table written by the featuriser (id, path, label, group, song, augmentation + features) reads as one.
        if (labelColumn is null or "label")
        {
            try
            {
                var features = FeatureTableIO.Read(path);
                if (features.Rows.Count > 0 && features.Rows.All(r => !string.IsNullOrWhiteSpace(r.Label)))
                    return FromFeatureTable(features, Path.GetFileName(path));
            }
            catch (MmcsException)
            {
                // Not a feature table of the featuriser: read it as a generic table below.
            }
        }
        var ext = Path.GetExtension(path).ToLowerInvariant();
        RawTable raw = ext switch
        {
            ".csv" or ".tsv" or ".txt" => CsvTableReader.Read(path),
            ".parquet" => ParquetTableReader.Read(path),
            ".xlsx" or ".xls" => ExcelTableReader.Read(path),
            _ => throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"{path}: unsupported table format '{ext}' (use .csv, .parquet or .xlsx, or give a dataset folder)"),
        };
        labelColumn ??= LabelCandidates.FirstOrDefault(c => raw.Header.Contains(c, StringComparer.OrdinalIgnoreCase))
            ?? throw new MmcsException(ErrorCodes.DataInvalid,
                $"{path}: no label column found (tried {string.Join(", ", LabelCandidates)}); name it with --label");
        var read = TableReader.Type(raw, new TableReadOptions { LabelColumn = labelColumn });
        var dataset = read.Dataset;
        var numeric = dataset.Frame.Columns.Where(c => c.Kind == ColumnKind.Numeric).ToList();
        var notices = read.Notices.ToList();
        var text = dataset.Frame.Columns.Where(c => c.Kind != ColumnKind.Numeric).Select(c => c.Name).ToList();
        if (text.Count > 0) notices.Add($"text columns left out of the EDA: {string.Join(", ", text)}");
        if (numeric.Count == 0)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{path}: the table has no numeric feature column");
        var rows = Enumerable.Range(0, dataset.RowCount).Select(i => numeric.Select(c => c.Numbers![i]).ToArray()).ToList();
        var labels = dataset.Labels.Select(l => dataset.ClassNames[l]).ToList();
        return (new EdaTable(numeric.Select(c => c.Name).ToList(), rows, labels, Path.GetFileName(path)), notices);
    }

    /// <summary>
    /// An EDA table of a featuriser's feature table: its features, labels and clip ids. Augmented copies of clips are
    /// left out (the EDA describes the data as it is).
    /// </summary>
    public static (EdaTable Table, IReadOnlyList<string> Notices) FromFeatureTable(FeatureTable features, string source)
    {
        var notices = new List<string>();
        var rows = features.Rows.Where(r => string.IsNullOrEmpty(r.Augmentation)).ToList();
        if (rows.Count < features.Rows.Count)
            notices.Add($"{features.Rows.Count - rows.Count} augmented rows left out");
        if (rows.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: no rows besides augmented copies");
        var unlabelled = rows.FirstOrDefault(r => string.IsNullOrWhiteSpace(r.Label));
        if (unlabelled != null) throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: row '{unlabelled.Id}' has no label");
        var table = new EdaTable(features.FeatureNames, rows.Select(r => r.Values).ToList(), rows.Select(r => r.Label!).ToList(),
            source, rows.Select(r => r.Id).ToList());
        return (table, notices);
    }

    /// <summary>
    /// The whole <c>mmcs eda</c>: reads the table (or featurises the dataset folder, with <paramref name="dataset"/>'s
    /// settings), computes the analysis and writes the report. Returns the analysis and the notices of reading.
    /// </summary>
    public static async Task<(EdaAnalysis Analysis, IReadOnlyList<string> Notices)> WriteReportAsync(string input, string outputPath,
        string? labelColumn = null, string? title = null, IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellationToken = default, EdaDatasetOptions? dataset = null)
    {
        if (Directory.Exists(input))
            return await FromDatasetReportAsync(input, outputPath, (dataset ?? new EdaDatasetOptions()) with { Title = title ?? dataset?.Title },
                progress, cancellationToken).ConfigureAwait(false);
        if (!File.Exists(input))
            throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"'{input}' is neither a feature table nor a dataset folder");
        var (table, notices) = FromTable(input, labelColumn);
        var options = new EdaReportOptions
        {
            Title = title ?? $"EDA of {Path.GetFileName(input)}",
            Notes = notices,
        };
        var analysis = await Task.Run(() => EdaReport.Write(table, outputPath, options, progress, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        return (analysis, notices);
    }
}
