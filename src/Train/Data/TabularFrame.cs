using Mmcs.Core;

namespace Mmcs.Train.Data;

/// <summary>How a feature column is fed to a pipeline.</summary>
public enum ColumnKind
{
    /// <summary>Numbers; NaN marks a missing value (imputed by the training-fold median in the pipeline).</summary>
    Numeric,

    /// <summary>Text categories; one-hot encoded in the pipeline (levels seen in the training fold only).</summary>
    Categorical,
}

/// <summary>One named feature column: numbers or category strings (null: missing).</summary>
public sealed class FrameColumn
{
    private FrameColumn(string name, ColumnKind kind, double[]? numbers, string?[]? categories)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("a column needs a name", nameof(name));
        Name = name;
        Kind = kind;
        Numbers = numbers;
        Categories = categories;
    }

    public string Name { get; }

    public ColumnKind Kind { get; }

    /// <summary>The values of a numeric column (null for a categorical one).</summary>
    public double[]? Numbers { get; }

    /// <summary>The values of a categorical column (null for a numeric one).</summary>
    public string?[]? Categories { get; }

    public int Length => Numbers?.Length ?? Categories!.Length;

    public static FrameColumn Numeric(string name, double[] values) => new(name, ColumnKind.Numeric, values, null);

    public static FrameColumn Categorical(string name, string?[] values) => new(name, ColumnKind.Categorical, null, values);

    /// <summary>The same column restricted to some rows, in that order.</summary>
    public FrameColumn Select(IReadOnlyList<int> rows) => Kind == ColumnKind.Numeric
        ? Numeric(Name, rows.Select(r => Numbers![r]).ToArray())
        : Categorical(Name, rows.Select(r => Categories![r]).ToArray());
}

/// <summary>
/// A table of feature columns (no label): what a tabular pipeline reads. Immutable once built (the arrays are
/// not copied: callers must not change them afterwards).
/// </summary>
public sealed class TabularFrame
{
    public TabularFrame(IReadOnlyList<FrameColumn> columns)
    {
        if (columns.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, "a table needs at least one feature column");
        int rows = columns[0].Length;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in columns)
        {
            if (c.Length != rows)
                throw new ArgumentException($"column '{c.Name}' has {c.Length} rows, column '{columns[0].Name}' {rows}");
            if (!seen.Add(c.Name))
                throw new MmcsException(ErrorCodes.DataInvalid, $"two feature columns are named '{c.Name}'");
        }
        Columns = columns.ToArray();
        RowCount = rows;
    }

    public IReadOnlyList<FrameColumn> Columns { get; }

    public int RowCount { get; }

    public IReadOnlyList<string> ColumnNames => Columns.Select(c => c.Name).ToArray();

    public bool IsAllNumeric => Columns.All(c => c.Kind == ColumnKind.Numeric);

    public int IndexOf(string name)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == name) return i;
        }
        return -1;
    }

    /// <summary>An all-numeric frame from rows of numbers.</summary>
    public static TabularFrame FromRows(IReadOnlyList<string> names, IReadOnlyList<double[]> rows)
    {
        var columns = new FrameColumn[names.Count];
        for (int j = 0; j < names.Count; j++)
        {
            var values = new double[rows.Count];
            for (int i = 0; i < rows.Count; i++)
            {
                if (rows[i].Length != names.Count)
                    throw new MmcsException(ErrorCodes.DataInvalid, $"row {i} has {rows[i].Length} values for {names.Count} columns");
                values[i] = rows[i][j];
            }
            columns[j] = FrameColumn.Numeric(names[j], values);
        }
        return new TabularFrame(columns);
    }

    /// <summary>The frame restricted to some rows, in that order.</summary>
    public TabularFrame SelectRows(IReadOnlyList<int> rows) => new(Columns.Select(c => c.Select(rows)).ToArray());

    /// <summary>The same frame with one column replaced (e.g. permuted for feature importance).</summary>
    public TabularFrame WithColumn(int index, FrameColumn replacement)
    {
        if (replacement.Length != RowCount) throw new ArgumentException("replacement column has the wrong length");
        var columns = Columns.ToArray();
        columns[index] = replacement;
        return new TabularFrame(columns);
    }
}

/// <summary>
/// Feature columns plus a class label per row (as an index into <see cref="ClassNames"/>, which are sorted
/// ordinally) and, optionally, a group per row (song or artist) that cross-validation keeps whole.
/// </summary>
public sealed class TabularDataset
{
    private TabularDataset(TabularFrame frame, IReadOnlyList<string> classNames, int[] labels, string[]? groups, string source)
    {
        Frame = frame;
        ClassNames = classNames;
        Labels = labels;
        Groups = groups;
        Source = source;
    }

    public TabularFrame Frame { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Class index of every row.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Group of every row, or null when rows are independent.</summary>
    public IReadOnlyList<string>? Groups { get; }

    /// <summary>Where the data came from (a file name), for messages.</summary>
    public string Source { get; }

    public int RowCount => Frame.RowCount;

    /// <summary>Builds a dataset; class names are the distinct labels sorted ordinally unless given.</summary>
    /// <exception cref="MmcsException">DATA_INVALID when a label is missing, there is a single class, or counts disagree.</exception>
    public static TabularDataset Create(TabularFrame frame, IReadOnlyList<string?> labels, IReadOnlyList<string?>? groups = null,
        string source = "table", IReadOnlyList<string>? classNames = null)
    {
        if (labels.Count != frame.RowCount)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: {labels.Count} labels for {frame.RowCount} rows");
        if (groups != null && groups.Count != frame.RowCount)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: {groups.Count} groups for {frame.RowCount} rows");
        if (frame.RowCount == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: the table has no rows");
        for (int i = 0; i < labels.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(labels[i]))
                throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: row {i + 1} has no label");
        }
        var names = classNames?.ToArray() ?? labels.Select(l => l!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (names.Length < 2)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{source}: the label has a single class ('{names.FirstOrDefault()}'); classification needs at least two");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < names.Length; c++) index[names[c]] = c;
        var y = new int[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            if (!index.TryGetValue(labels[i]!, out y[i]))
                throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: row {i + 1} has label '{labels[i]}', not one of {string.Join(", ", names)}");
        }
        string[]? g = groups?.Select((v, i) => string.IsNullOrEmpty(v) ? "\u0001row:" + i.ToString(Invariant.Culture) : v).ToArray();
        return new TabularDataset(frame, names, y, g, source);
    }

    /// <summary>A dataset from named feature vectors (e.g. a featurised corpus).</summary>
    public static TabularDataset FromVectors(IReadOnlyList<string> featureNames, IReadOnlyList<double[]> rows,
        IReadOnlyList<string> labels, IReadOnlyList<string>? groups = null, IReadOnlyList<string>? classNames = null,
        string source = "features") =>
        Create(TabularFrame.FromRows(featureNames, rows), labels, groups, source, classNames);

    /// <summary>The dataset restricted to some rows (class names kept).</summary>
    public TabularDataset SelectRows(IReadOnlyList<int> rows) => new(Frame.SelectRows(rows), ClassNames,
        rows.Select(r => Labels[r]).ToArray(), Groups == null ? null : rows.Select(r => Groups[r]).ToArray(), Source);

    /// <summary>Rows per class.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassNames.Count];
        foreach (int y in Labels) counts[y]++;
        return counts;
    }
}
