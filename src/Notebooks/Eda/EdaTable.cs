using Mmcs.Core;

namespace Mmcs.Notebooks.Eda;

/// <summary>
/// A labelled feature table for exploratory analysis: one row per clip, one numeric column per feature, a class
/// label per row. Columns are stored feature-major (<see cref="Column"/>) since every statistic works per feature.
/// </summary>
public sealed class EdaTable
{
    /// <summary>The project's moods in Russell-quadrant order (Q1..Q4); used to order classes when labels are moods.</summary>
    public static readonly IReadOnlyList<string> MoodOrder = ["happy", "angry", "sad", "relaxed"];

    private readonly double[][] _columns;

    /// <summary>Builds a table from rows (<paramref name="rows"/>[i][j] = feature j of clip i).</summary>
    public EdaTable(IReadOnlyList<string> featureNames, IReadOnlyList<double[]> rows, IReadOnlyList<string> labels,
        string source = "(table)", IReadOnlyList<string>? ids = null)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        if (rows.Count != labels.Count)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: {rows.Count} rows but {labels.Count} labels");
        if (ids != null && ids.Count != rows.Count)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: {rows.Count} rows but {ids.Count} ids");
        if (featureNames.Count == 0)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: the table has no feature column");
        var duplicate = featureNames.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: the feature '{duplicate.Key}' appears twice");
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != featureNames.Count)
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"{source}: row {i} has {rows[i].Length} values, expected {featureNames.Count}");
            if (string.IsNullOrWhiteSpace(labels[i]))
                throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: row {i} has no label");
        }
        FeatureNames = featureNames.ToArray();
        Labels = labels.ToArray();
        Ids = ids?.ToArray() ?? Enumerable.Range(0, rows.Count).Select(i => i.ToString(Invariant.Culture)).ToArray();
        Source = source;
        _columns = new double[featureNames.Count][];
        for (int j = 0; j < featureNames.Count; j++)
        {
            var column = new double[rows.Count];
            for (int i = 0; i < rows.Count; i++) column[i] = rows[i][j];
            _columns[j] = column;
        }
        Classes = OrderClasses(Labels);
        var index = Classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        ClassIndex = Labels.Select(l => index[l]).ToArray();
    }

    /// <summary>Where the table came from (for titles and messages).</summary>
    public string Source { get; }

    /// <summary>The feature columns, in table order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The label of each row.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>An identifier of each row (clip id or file), for pointing at outliers.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>The distinct labels: moods in Q1..Q4 order first, then any others alphabetically.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Each row's position in <see cref="Classes"/>.</summary>
    public IReadOnlyList<int> ClassIndex { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount => Labels.Count;

    /// <summary>The values of feature <paramref name="feature"/> (column index), one per row.</summary>
    public IReadOnlyList<double> Column(int feature) => _columns[feature];

    /// <summary>The values of the named feature.</summary>
    public IReadOnlyList<double> Column(string feature)
    {
        for (int j = 0; j < FeatureNames.Count; j++)
        {
            if (FeatureNames[j] == feature) return _columns[j];
        }
        throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{Source}: no feature named '{feature}'");
    }

    /// <summary>Rows per class, in <see cref="Classes"/> order.</summary>
    public IReadOnlyList<int> ClassCounts()
    {
        var counts = new int[Classes.Count];
        foreach (var c in ClassIndex) counts[c]++;
        return counts;
    }

    /// <summary>The values of a feature in one class (NaN left out).</summary>
    public double[] ValuesOf(int feature, int classIndex)
    {
        var column = _columns[feature];
        var values = new List<double>();
        for (int i = 0; i < column.Length; i++)
        {
            if (ClassIndex[i] == classIndex && !double.IsNaN(column[i])) values.Add(column[i]);
        }
        return values.ToArray();
    }

    /// <summary>A table with only the named features (in the given order).</summary>
    public EdaTable Select(IReadOnlyList<string> features)
    {
        var indices = features.Select(f =>
        {
            int j = FeatureNames.ToList().IndexOf(f);
            return j >= 0 ? j : throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{Source}: no feature named '{f}'");
        }).ToArray();
        var rows = Enumerable.Range(0, RowCount).Select(i => indices.Select(j => _columns[j][i]).ToArray()).ToList();
        return new EdaTable(features, rows, Labels, Source, Ids);
    }

    private static string[] OrderClasses(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToList();
        var moods = MoodOrder.Where(distinct.Contains).ToList();
        var others = distinct.Except(moods).Order(StringComparer.Ordinal);
        return moods.Concat(others).ToArray();
    }
}
