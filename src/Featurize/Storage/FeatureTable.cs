using System.Globalization;
using System.Text;
using Mmcs.Core;
using Parquet;
using Parquet.Schema;

namespace Mmcs.Featurize.Storage;

/// <summary>
/// One row of a feature table: which clip (id, path), its label and group (artist) when known, the song it
/// comes from and the augmentation that made it (empty for the original clip), then the feature values.
/// </summary>
public sealed record FeatureRow(string Id, string Path, string? Label, string? Group, string? Song, string? Augmentation, double[] Values);

/// <summary>A feature table in memory (as read by <see cref="FeatureTableIO.Read"/>).</summary>
public sealed record FeatureTable(IReadOnlyList<string> FeatureNames, IReadOnlyList<FeatureRow> Rows)
{
    /// <summary>Row-major [rows × features] values.</summary>
    public double[] ToMatrix()
    {
        var m = new double[Rows.Count * FeatureNames.Count];
        for (int r = 0; r < Rows.Count; r++) Rows[r].Values.CopyTo(m, r * FeatureNames.Count);
        return m;
    }

    /// <summary>One feature's column.</summary>
    public double[] Column(string name)
    {
        int c = FeatureNames.ToList().IndexOf(name);
        if (c < 0) throw new KeyNotFoundException($"no feature column '{name}'");
        return Rows.Select(r => r.Values[c]).ToArray();
    }
}

/// <summary>A table file that cannot be read or written as asked. Error code DATA_INVALID.</summary>
public sealed class FeatureTableException : MmcsException
{
    public FeatureTableException(string message, Exception? inner = null)
        : base(ErrorCodes.DataInvalid, message, inner)
    {
    }
}

/// <summary>Writes rows as they come; the file appears (atomically renamed from a temporary file) only at
/// <see cref="CompleteAsync"/>: disposing without completing leaves no file.</summary>
public interface IFeatureTableWriter : IAsyncDisposable
{
    string Path { get; }

    IReadOnlyList<string> FeatureNames { get; }

    long RowsWritten { get; }

    ValueTask WriteAsync(FeatureRow row, CancellationToken cancellationToken = default);

    ValueTask CompleteAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Feature tables as CSV (invariant culture, header, LF line ends, shortest round-trip numbers, NaN as "NaN")
/// or Parquet (Parquet.Net; string meta columns, float64 features; readable by pandas/pyarrow), chosen by the
/// file extension (.csv, .parquet/.pq). Columns: id, path, label, group, song, augmentation, then the features.
/// </summary>
public static class FeatureTableIO
{
    /// <summary>The meta columns, in file order.</summary>
    public static IReadOnlyList<string> MetaColumns { get; } = ["id", "path", "label", "group", "song", "augmentation"];

    /// <summary>The table format of a path's extension.</summary>
    public static bool IsParquet(string path)
    {
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".parquet" or ".pq" => true,
            ".csv" => false,
            _ => throw new FeatureTableException($"{path}: unknown table format '{ext}' (use .csv or .parquet)"),
        };
    }

    /// <summary>A streaming writer for a .csv or .parquet path.</summary>
    public static IFeatureTableWriter Create(string path, IReadOnlyList<string> featureNames, int rowGroupSize = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(featureNames);
        var dup = featureNames.Concat(MetaColumns).GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (dup != null) throw new FeatureTableException($"{path}: column name '{dup.Key}' appears twice");
        return IsParquet(path) ? new ParquetTableWriter(path, featureNames, rowGroupSize) : new CsvTableWriter(path, featureNames);
    }

    /// <summary>Writes a whole table.</summary>
    public static async Task WriteAsync(string path, FeatureTable table, CancellationToken cancellationToken = default)
    {
        await using var w = Create(path, table.FeatureNames);
        foreach (var row in table.Rows) await w.WriteAsync(row, cancellationToken).ConfigureAwait(false);
        await w.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a .csv or .parquet table. Columns named like the meta columns are meta (any may be absent;
    /// "file"/"filename" also serve as path), every other column is a feature.</summary>
    public static FeatureTable Read(string path) => ReadAsync(path).GetAwaiter().GetResult();

    /// <summary>Reads a .csv or .parquet table.</summary>
    public static async Task<FeatureTable> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path)) throw new FeatureTableException($"{path}: no such table");
        return IsParquet(path) ? await ReadParquetAsync(path, cancellationToken).ConfigureAwait(false) : ReadCsv(path);
    }

    private static int MetaIndex(string column)
    {
        string c = column.Trim().ToLowerInvariant();
        if (c is "file" or "filename") c = "path";
        if (c == "artist") c = "group";
        return MetaColumns.ToList().IndexOf(c);
    }

    private static FeatureTable ReadCsv(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        using var rows = Csv.ReadRows(reader).GetEnumerator();
        if (!rows.MoveNext()) throw new FeatureTableException($"{path}: empty table (no header)");
        var header = rows.Current;
        var meta = header.Select(MetaIndex).ToArray();
        var featureCols = Enumerable.Range(0, header.Length).Where(i => meta[i] < 0).ToArray();
        var names = featureCols.Select(i => header[i]).ToList();
        var list = new List<FeatureRow>();
        int line = 1;
        while (rows.MoveNext())
        {
            line++;
            var r = rows.Current;
            if (r.Length == 1 && r[0].Length == 0) continue;
            if (r.Length != header.Length) throw new FeatureTableException($"{path}: line {line} has {r.Length} fields, the header {header.Length}");
            var m = new string?[MetaColumns.Count];
            for (int i = 0; i < r.Length; i++)
            {
                if (meta[i] >= 0) m[meta[i]] = r[i].Length == 0 ? null : r[i];
            }
            var values = new double[featureCols.Length];
            for (int k = 0; k < featureCols.Length; k++)
            {
                string t = r[featureCols[k]];
                if (t.Length == 0) values[k] = double.NaN;
                else if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out values[k]))
                    throw new FeatureTableException($"{path}: line {line}, column '{header[featureCols[k]]}': '{t}' is not a number");
            }
            list.Add(MakeRow(m, values, list.Count));
        }
        return new FeatureTable(names, list);
    }

    private static FeatureRow MakeRow(string?[] m, double[] values, int index)
    {
        string id = m[0] ?? m[1] ?? index.ToString(CultureInfo.InvariantCulture);
        return new FeatureRow(id, m[1] ?? id, m[2], m[3], m[4], m[5], values);
    }

    private static async Task<FeatureTable> ReadParquetAsync(string path, CancellationToken ct)
    {
        try
        {
            await using var fs = File.OpenRead(path);
            await using var reader = await ParquetReader.CreateAsync(fs, null, false, ct).ConfigureAwait(false);
            var fields = reader.Schema.GetDataFields();
            var meta = fields.Select(f => MetaIndex(f.Name)).ToArray();
            var featureFields = fields.Where((f, i) => meta[i] < 0).ToArray();
            foreach (var f in featureFields)
            {
                var t = f.ClrType;
                if (t != typeof(double) && t != typeof(float) && t != typeof(int) && t != typeof(long))
                    throw new FeatureTableException($"{path}: column '{f.Name}' is {t.Name}, not numeric");
            }
            var rows = new List<FeatureRow>();
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var rg = reader.OpenRowGroupReader(g);
                int n = checked((int)rg.RowCount);
                var metaValues = new string?[MetaColumns.Count][];
                for (int i = 0; i < fields.Length; i++)
                {
                    if (meta[i] < 0) continue;
                    var col = new string?[n];
                    await rg.ReadAsync(fields[i], col.AsMemory(), null, ct).ConfigureAwait(false);
                    metaValues[meta[i]] = col;
                }
                var featureValues = new double[featureFields.Length][];
                for (int k = 0; k < featureFields.Length; k++)
                    featureValues[k] = await ReadNumericAsync(rg, featureFields[k], n, ct).ConfigureAwait(false);
                for (int r = 0; r < n; r++)
                {
                    var m = new string?[MetaColumns.Count];
                    for (int c = 0; c < m.Length; c++)
                    {
                        string? v = metaValues[c]?[r];
                        m[c] = string.IsNullOrEmpty(v) ? null : v;
                    }
                    var values = new double[featureFields.Length];
                    for (int k = 0; k < values.Length; k++) values[k] = featureValues[k][r];
                    rows.Add(MakeRow(m, values, rows.Count));
                }
            }
            return new FeatureTable(featureFields.Select(f => f.Name).ToList(), rows);
        }
        catch (Exception e) when (e is not FeatureTableException and not OperationCanceledException)
        {
            throw new FeatureTableException($"{path}: not a readable Parquet feature table ({e.Message})", e);
        }
    }

    private static async Task<double[]> ReadNumericAsync(ParquetRowGroupReader rg, DataField f, int n, CancellationToken ct)
    {
        var result = new double[n];
        if (f.ClrType == typeof(double))
        {
            if (f.IsNullable)
            {
                var v = new double?[n];
                await rg.ReadAsync(f, v.AsMemory(), null, ct).ConfigureAwait(false);
                for (int i = 0; i < n; i++) result[i] = v[i] ?? double.NaN;
            }
            else await rg.ReadAsync(f, result.AsMemory(), null, ct).ConfigureAwait(false);
        }
        else if (f.ClrType == typeof(float))
        {
            var v = new float?[n];
            if (f.IsNullable) await rg.ReadAsync(f, v.AsMemory(), null, ct).ConfigureAwait(false);
            else
            {
                var w = new float[n];
                await rg.ReadAsync(f, w.AsMemory(), null, ct).ConfigureAwait(false);
                for (int i = 0; i < n; i++) v[i] = w[i];
            }
            for (int i = 0; i < n; i++) result[i] = v[i] ?? double.NaN;
        }
        else if (f.ClrType == typeof(long))
        {
            var v = new long?[n];
            if (f.IsNullable) await rg.ReadAsync(f, v.AsMemory(), null, ct).ConfigureAwait(false);
            else
            {
                var w = new long[n];
                await rg.ReadAsync(f, w.AsMemory(), null, ct).ConfigureAwait(false);
                for (int i = 0; i < n; i++) v[i] = w[i];
            }
            for (int i = 0; i < n; i++) result[i] = v[i] is long l ? l : double.NaN;
        }
        else
        {
            var v = new int?[n];
            if (f.IsNullable) await rg.ReadAsync(f, v.AsMemory(), null, ct).ConfigureAwait(false);
            else
            {
                var w = new int[n];
                await rg.ReadAsync(f, w.AsMemory(), null, ct).ConfigureAwait(false);
                for (int i = 0; i < n; i++) v[i] = w[i];
            }
            for (int i = 0; i < n; i++) result[i] = v[i] is int l ? l : double.NaN;
        }
        return result;
    }

    internal static string TempPathFor(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string? dir = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        return full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
    }

    private sealed class CsvTableWriter : IFeatureTableWriter
    {
        private readonly string _tmp;
        private readonly StreamWriter _writer;
        private bool _done;

        public CsvTableWriter(string path, IReadOnlyList<string> names)
        {
            Path = System.IO.Path.GetFullPath(path);
            FeatureNames = names.ToArray();
            _tmp = TempPathFor(Path);
            _writer = new StreamWriter(_tmp, false, new UTF8Encoding(false), 1 << 16);
            Csv.WriteRow(_writer, MetaColumns.Concat(FeatureNames));
        }

        public string Path { get; }

        public IReadOnlyList<string> FeatureNames { get; }

        public long RowsWritten { get; private set; }

        public ValueTask WriteAsync(FeatureRow row, CancellationToken cancellationToken = default)
        {
            if (_done) throw new InvalidOperationException("the table is complete");
            if (row.Values.Length != FeatureNames.Count)
                throw new FeatureTableException($"{Path}: row '{row.Id}' has {row.Values.Length} values, the table {FeatureNames.Count} features");
            var fields = new string?[MetaColumns.Count + row.Values.Length];
            fields[0] = row.Id;
            fields[1] = row.Path;
            fields[2] = row.Label;
            fields[3] = row.Group;
            fields[4] = row.Song;
            fields[5] = row.Augmentation;
            for (int i = 0; i < row.Values.Length; i++) fields[MetaColumns.Count + i] = Invariant.Format(row.Values[i]);
            Csv.WriteRow(_writer, fields);
            RowsWritten++;
            return ValueTask.CompletedTask;
        }

        public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
        {
            if (_done) return;
            await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            await _writer.DisposeAsync().ConfigureAwait(false);
            File.Move(_tmp, Path, overwrite: true);
            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_done)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                File.Delete(_tmp);
                _done = true;
            }
        }
    }

    private sealed class ParquetTableWriter : IFeatureTableWriter
    {
        private readonly string _tmp;
        private readonly int _rowGroupSize;
        private readonly List<FeatureRow> _pending = [];
        private readonly DataField[] _metaFields;
        private readonly DataField[] _featureFields;
        private readonly ParquetSchema _schema;
        private FileStream? _stream;
        private ParquetWriter? _writer;
        private bool _done;

        public ParquetTableWriter(string path, IReadOnlyList<string> names, int rowGroupSize)
        {
            Path = System.IO.Path.GetFullPath(path);
            FeatureNames = names.ToArray();
            _rowGroupSize = Math.Max(1, rowGroupSize);
            _metaFields = MetaColumns.Select(c => new DataField<string>(c, true)).ToArray<DataField>();
            _featureFields = FeatureNames.Select(n => new DataField<double>(n, false)).ToArray<DataField>();
            _schema = new ParquetSchema(_metaFields.Concat(_featureFields).ToArray<Field>());
            _tmp = TempPathFor(Path);
        }

        public string Path { get; }

        public IReadOnlyList<string> FeatureNames { get; }

        public long RowsWritten { get; private set; }

        public async ValueTask WriteAsync(FeatureRow row, CancellationToken cancellationToken = default)
        {
            if (_done) throw new InvalidOperationException("the table is complete");
            if (row.Values.Length != FeatureNames.Count)
                throw new FeatureTableException($"{Path}: row '{row.Id}' has {row.Values.Length} values, the table {FeatureNames.Count} features");
            _pending.Add(row);
            RowsWritten++;
            if (_pending.Count >= _rowGroupSize) await FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        private async Task FlushAsync(CancellationToken ct)
        {
            if (_writer == null)
            {
                _stream = new FileStream(_tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
                _writer = await ParquetWriter.CreateAsync(_schema, _stream, null, false, ct).ConfigureAwait(false);
            }
            if (_pending.Count == 0 && RowsWritten > 0) return;
            using (var rg = _writer.CreateRowGroup())
            {
                string?[][] meta =
                [
                    _pending.Select(r => (string?)r.Id).ToArray(),
                    _pending.Select(r => (string?)r.Path).ToArray(),
                    _pending.Select(r => r.Label).ToArray(),
                    _pending.Select(r => r.Group).ToArray(),
                    _pending.Select(r => r.Song).ToArray(),
                    _pending.Select(r => r.Augmentation).ToArray(),
                ];
                for (int c = 0; c < meta.Length; c++)
                    await rg.WriteAsync(_metaFields[c], meta[c]!, null).ConfigureAwait(false);
                var col = new double[_pending.Count];
                for (int k = 0; k < _featureFields.Length; k++)
                {
                    for (int r = 0; r < col.Length; r++) col[r] = _pending[r].Values[k];
                    await rg.WriteAsync(_featureFields[k], new ReadOnlyMemory<double>(col), null, null, ct).ConfigureAwait(false);
                }
            }
            _pending.Clear();
        }

        public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
        {
            if (_done) return;
            if (_pending.Count > 0 || _writer == null) await FlushAsync(cancellationToken).ConfigureAwait(false);
            await _writer!.DisposeAsync().ConfigureAwait(false);
            await _stream!.DisposeAsync().ConfigureAwait(false);
            File.Move(_tmp, Path, overwrite: true);
            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_done) return;
            _done = true;
            if (_writer != null) await _writer.DisposeAsync().ConfigureAwait(false);
            if (_stream != null) await _stream.DisposeAsync().ConfigureAwait(false);
            File.Delete(_tmp);
        }
    }
}
