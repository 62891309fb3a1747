using System.Globalization;
using Mmcs.Core;

namespace Mmcs.Train.Data;

/// <summary>What to read from a table file.</summary>
public sealed record TableReadOptions
{
    /// <summary>The column holding the class of each row.</summary>
    public required string LabelColumn { get; init; }

    /// <summary>A column whose rows must stay together in cross-validation (song, artist), if any.</summary>
    public string? GroupColumn { get; init; }

    /// <summary>Columns to leave out besides the ones recognised as identifiers.</summary>
    public IReadOnlyList<string> IgnoreColumns { get; init; } = [];

    /// <summary>The worksheet of an Excel file (default: the first).</summary>
    public string? Sheet { get; init; }

    /// <summary>A text column with more distinct values than this is not one-hot encoded but ignored (with a notice).</summary>
    public int MaxCategoryLevels { get; init; } = 100;

    /// <summary>The classes, in order, when they are known beforehand: a held-out table is read with the training
    /// table's, so it may hold only some of them (a label outside them is an error naming its row).</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
}

/// <summary>A typed table and what was decided while typing it.</summary>
/// <param name="Notices">Human-readable decisions (ignored columns, imputed missing values).</param>
/// <param name="IgnoredColumns">Columns not used as features (identifiers, high-cardinality text).</param>
public sealed record TableReadResult(TabularDataset Dataset, IReadOnlyList<string> Notices, IReadOnlyList<string> IgnoredColumns);

/// <summary>
/// Reads any feature table (CSV, Parquet, XLSX/XLS) into a <see cref="TabularDataset"/>: columns whose cells are
/// all numbers (or missing) become numeric, other text columns categorical; identifier-like columns (named id, path,
/// file, …, or unique per row) are ignored with a notice; missing numbers become NaN, imputed in the pipeline by the
/// training-fold median. Bad input (no label column, one class, an infinite value, text in a numeric column) is a
/// DATA_INVALID <see cref="MmcsException"/> naming the file, the column and the row.
/// </summary>
public static class TableReader
{
    private static readonly HashSet<string> MissingTokens = new(StringComparer.OrdinalIgnoreCase)
        { "", "na", "n/a", "nan", "null", "none", "?", "-" };

    private static readonly HashSet<string> IdNames = new(StringComparer.OrdinalIgnoreCase)
        { "id", "uid", "uuid", "guid", "index", "path", "file", "filename", "file_name", "filepath", "file_path", "uri", "url",
          "song", "track", "clip", "title" };

    public static TableReadResult Read(string path, TableReadOptions options)
    {
        if (!File.Exists(path)) throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"table '{path}' does not exist");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        RawTable raw = ext switch
        {
            ".csv" or ".tsv" or ".txt" => CsvTableReader.Read(path),
            ".parquet" => ParquetTableReader.Read(path),
            ".xlsx" or ".xls" => ExcelTableReader.Read(path, options.Sheet),
            _ => throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"{Path.GetFileName(path)}: unsupported table format '{ext}' (use .csv, .parquet or .xlsx)"),
        };
        return Type(raw, options);
    }

    /// <summary>Types a raw table (see the class summary).</summary>
    public static TableReadResult Type(RawTable raw, TableReadOptions options)
    {
        string src = raw.Source;
        int labelIndex = FindColumn(raw, options.LabelColumn, "label");
        int groupIndex = options.GroupColumn is { } gc ? FindColumn(raw, gc, "group") : -1;
        var ignore = new HashSet<string>(options.IgnoreColumns, StringComparer.Ordinal);
        foreach (var name in ignore)
        {
            if (!raw.Header.Contains(name, StringComparer.Ordinal))
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{src}: no column '{name}' to ignore");
        }
        if (raw.RowCount == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{src}: the table has a header but no rows");

        var labels = raw.Columns[labelIndex].Select(CellText).ToArray();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] is null || MissingTokens.Contains(labels[i]!))
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"{src}: row {raw.RowNumbers[i]} has no value in label column '{options.LabelColumn}'");
        }
        var notices = new List<string>();
        string?[]? groups = null;
        if (groupIndex >= 0)
        {
            groups = raw.Columns[groupIndex].Select(CellText).ToArray();
            int missing = groups.Count(g => g is null);
            if (missing > 0)
                notices.Add($"group column '{options.GroupColumn}': {missing} rows have no group; each is kept as a group of its own");
        }

        var columns = new List<FrameColumn>();
        var ignored = new List<string>();
        for (int j = 0; j < raw.Header.Count; j++)
        {
            if (j == labelIndex || j == groupIndex) continue;
            string name = raw.Header[j];
            if (ignore.Contains(name))
            {
                ignored.Add(name);
                continue;
            }
            if (string.Equals(name.Trim(), "augmentation", StringComparison.OrdinalIgnoreCase))
            {
                // The featuriser's tables mark augmented copies here: which copy a row is says nothing at prediction time.
                notices.Add($"column '{name}' is feature-table metadata (the augmentation of each row) and is ignored");
                ignored.Add(name);
                continue;
            }
            var column = TypeColumn(raw, j, options, notices);
            if (column is null) ignored.Add(name);
            else columns.Add(column);
        }
        if (columns.Count == 0)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{src}: no feature columns left besides the label{(groupIndex >= 0 ? " and group" : "")}" +
                (ignored.Count > 0 ? $" (ignored: {string.Join(", ", ignored)})" : ""));
        var dataset = TabularDataset.Create(new TabularFrame(columns), labels, groups, src, options.ClassNames);
        return new TableReadResult(dataset, notices, ignored);
    }

    private static int FindColumn(RawTable raw, string name, string role)
    {
        for (int j = 0; j < raw.Header.Count; j++)
        {
            if (raw.Header[j] == name) return j;
        }
        for (int j = 0; j < raw.Header.Count; j++)
        {
            if (string.Equals(raw.Header[j], name, StringComparison.OrdinalIgnoreCase)) return j;
        }
        throw new MmcsException(ErrorCodes.DataInvalid,
            $"{raw.Source}: no {role} column '{name}'; the columns are {string.Join(", ", raw.Header.Take(30))}" +
            (raw.Header.Count > 30 ? ", …" : ""));
    }

    private static FrameColumn? TypeColumn(RawTable raw, int j, TableReadOptions options, List<string> notices)
    {
        string name = raw.Header[j];
        string src = raw.Source;
        var cells = raw.Columns[j];
        int n = cells.Length;
        var numbers = new double[n];
        int numeric = 0, missing = 0, text = 0;
        int firstText = -1, firstInfinite = -1;
        for (int i = 0; i < n; i++)
        {
            switch (cells[i])
            {
                case null:
                    numbers[i] = double.NaN;
                    missing++;
                    break;
                case double d:
                    numbers[i] = d;
                    if (double.IsNaN(d)) missing++;
                    else numeric++;
                    if (double.IsInfinity(d) && firstInfinite < 0) firstInfinite = i;
                    break;
                case string s:
                    string t = s.Trim();
                    if (MissingTokens.Contains(t))
                    {
                        numbers[i] = double.NaN;
                        missing++;
                    }
                    else if (double.TryParse(t, NumberStyles.Float, Invariant.Culture, out double v))
                    {
                        numbers[i] = v;
                        if (double.IsNaN(v)) missing++;
                        else numeric++;
                        if (double.IsInfinity(v) && firstInfinite < 0) firstInfinite = i;
                    }
                    else
                    {
                        text++;
                        if (firstText < 0) firstText = i;
                    }
                    break;
            }
        }
        bool idName = LooksLikeIdName(name);
        if (text == 0 && numeric > 0)
        {
            if (idName)
            {
                notices.Add($"column '{name}' looks like an identifier and is ignored");
                return null;
            }
            if (firstInfinite >= 0)
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"{src}: column '{name}', row {raw.RowNumbers[firstInfinite]}: infinite value; fix or remove it");
            if (missing > 0)
                notices.Add($"column '{name}': {missing} missing value{(missing == 1 ? "" : "s")}, imputed with the training-fold median");
            return FrameColumn.Numeric(name, numbers);
        }
        if (numeric == 0 && text == 0)
        {
            notices.Add($"column '{name}' is empty and is ignored");
            return null;
        }
        if (numeric >= 4 * text)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{src}: column '{name}' holds numbers but row {raw.RowNumbers[firstText]} has '{Shorten(CellText(cells[firstText])!)}'; " +
                "fix the value, leave the cell empty (imputed), or list the column with the ignored ones");
        var values = cells.Select(c => c is null ? null : CellText(c) is { } s && !MissingTokens.Contains(s.Trim()) ? s.Trim() : null).ToArray();
        int distinct = values.Where(v => v != null).Distinct(StringComparer.Ordinal).Count();
        int present = values.Count(v => v != null);
        if (idName || (distinct == present && present >= 5))
        {
            notices.Add($"column '{name}' looks like an identifier ({(idName ? "by its name" : "a different value in every row")}) and is ignored");
            return null;
        }
        if (distinct > options.MaxCategoryLevels)
        {
            notices.Add($"column '{name}' has {distinct} distinct text values (more than {options.MaxCategoryLevels}) and is ignored");
            return null;
        }
        if (present < n)
            notices.Add($"column '{name}': {n - present} missing values, encoded as no category");
        return FrameColumn.Categorical(name, values);
    }

    internal static bool LooksLikeIdName(string name)
    {
        string lower = name.Trim().ToLowerInvariant();
        if (IdNames.Contains(lower)) return true;
        foreach (var suffix in new[] { "_id", "-id", " id", "_path", "_file", "_uri", "_url" })
        {
            if (lower.EndsWith(suffix, StringComparison.Ordinal)) return true;
        }
        // camelCase SongId, trackID
        return name.Length > 2 && (name.EndsWith("Id", StringComparison.Ordinal) || name.EndsWith("ID", StringComparison.Ordinal))
               && char.IsLower(name[^3]);
    }

    private static string? CellText(object? cell) => cell switch
    {
        null => null,
        double d => d == Math.Floor(d) && Math.Abs(d) < 1e15 ? ((long)d).ToString(Invariant.Culture) : Invariant.Format(d),
        string s => s,
        _ => Convert.ToString(cell, Invariant.Culture),
    };

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
