using System.Text;
using Mmcs.Core;

namespace Mmcs.Train.Data;

/// <summary>
/// A table as read from a file, before typing: a header and, per column, cells that are null (empty), a
/// <see cref="double"/> (typed sources: Parquet, Excel numbers) or a string. <see cref="RowNumbers"/> gives each
/// row's number in the file (a CSV line, an Excel row) for messages.
/// </summary>
public sealed class RawTable
{
    public RawTable(string source, IReadOnlyList<string> header, IReadOnlyList<object?[]> columns, IReadOnlyList<int> rowNumbers)
    {
        if (header.Count != columns.Count) throw new ArgumentException("one cell array per header name");
        Source = source;
        Header = header;
        Columns = columns;
        RowNumbers = rowNumbers;
    }

    public string Source { get; }
    public IReadOnlyList<string> Header { get; }
    public IReadOnlyList<object?[]> Columns { get; }
    public IReadOnlyList<int> RowNumbers { get; }
    public int RowCount => RowNumbers.Count;
}

/// <summary>A small RFC 4180 CSV reader (quoted fields, doubled quotes, CR/LF inside quotes; delimiter detected).</summary>
public static class CsvTableReader
{
    /// <summary>Reads a CSV file: UTF-8 (with or without BOM), falling back to Latin-1 when the bytes are not UTF-8.</summary>
    public static RawTable Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text = Encoding.Latin1.GetString(bytes);
        }
        return Parse(text, Path.GetFileName(path));
    }

    /// <summary>Parses CSV text; the first record is the header.</summary>
    public static RawTable Parse(string text, string source)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        char delimiter = DetectDelimiter(text);
        var records = new List<(int Line, List<string?> Fields)>();
        foreach (var record in Records(text, delimiter, source))
        {
            if (record.Fields.Count == 1 && string.IsNullOrEmpty(record.Fields[0])) continue; // blank line
            records.Add(record);
        }
        if (records.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: the file is empty");
        var header = records[0].Fields.Select((h, i) => string.IsNullOrWhiteSpace(h) ? $"column{i + 1}" : h!.Trim()).ToArray();
        var duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: the header names column '{duplicate.Key}' twice");
        int n = records.Count - 1;
        var columns = new object?[header.Length][];
        for (int j = 0; j < header.Length; j++) columns[j] = new object?[n];
        var lines = new int[n];
        for (int i = 0; i < n; i++)
        {
            var (line, fields) = records[i + 1];
            if (fields.Count != header.Length)
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"{source}: line {line} has {fields.Count} fields but the header has {header.Length}");
            lines[i] = line;
            for (int j = 0; j < header.Length; j++) columns[j][i] = string.IsNullOrEmpty(fields[j]) ? null : fields[j];
        }
        return new RawTable(source, header, columns, lines);
    }

    private static char DetectDelimiter(string text)
    {
        int end = text.IndexOf('\n');
        string first = end < 0 ? text : text[..end];
        char best = ',';
        int bestCount = 0;
        foreach (char c in new[] { ',', ';', '\t' })
        {
            int count = 0;
            bool quoted = false;
            foreach (char ch in first)
            {
                if (ch == '"') quoted = !quoted;
                else if (ch == c && !quoted) count++;
            }
            if (count > bestCount)
            {
                best = c;
                bestCount = count;
            }
        }
        return best;
    }

    private static IEnumerable<(int Line, List<string?> Fields)> Records(string text, char delimiter, string source)
    {
        var fields = new List<string?>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1;
        bool quoted = false, wasQuoted = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
                i++;
                continue;
            }
            if (c == '"' && field.Length == 0 && !wasQuoted)
            {
                quoted = wasQuoted = true;
            }
            else if (c == delimiter)
            {
                fields.Add(wasQuoted ? field.ToString() : field.ToString().Trim());
                field.Clear();
                wasQuoted = false;
            }
            else if (c == '\r' || c == '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                fields.Add(wasQuoted ? field.ToString() : field.ToString().Trim());
                yield return (recordLine, fields);
                fields = new List<string?>();
                field.Clear();
                wasQuoted = false;
                line++;
                recordLine = line;
            }
            else
            {
                field.Append(c);
            }
            i++;
        }
        if (quoted) throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: line {recordLine} opens a quote that is never closed");
        if (field.Length > 0 || fields.Count > 0 || wasQuoted)
        {
            fields.Add(wasQuoted ? field.ToString() : field.ToString().Trim());
            yield return (recordLine, fields);
        }
    }
}

/// <summary>Reads the first (or a named) worksheet of an .xlsx/.xls file; the first row is the header.</summary>
public static class ExcelTableReader
{
    private static int _registered;

    public static RawTable Read(string path, string? sheet = null)
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance); // ExcelDataReader needs code page 1252
        string source = Path.GetFileName(path);
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = ExcelDataReader.ExcelReaderFactory.CreateReader(stream);
            if (sheet != null)
            {
                bool found = false;
                do
                {
                    if (string.Equals(reader.Name, sheet, StringComparison.Ordinal))
                    {
                        found = true;
                        break;
                    }
                } while (reader.NextResult());
                if (!found) throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: no worksheet named '{sheet}'");
            }
            var rows = new List<(int Row, object?[] Cells)>();
            int rowNumber = 0;
            while (reader.Read())
            {
                rowNumber++;
                var cells = new object?[reader.FieldCount];
                bool any = false;
                for (int j = 0; j < cells.Length; j++)
                {
                    object? v = reader.GetValue(j);
                    cells[j] = v switch
                    {
                        null or DBNull => null,
                        double d => d,
                        int i32 => (double)i32,
                        long i64 => (double)i64,
                        float f => (double)f,
                        decimal m => (double)m,
                        bool b => b ? "true" : "false",
                        DateTime t => t.ToString("O", Invariant.Culture),
                        string s when s.Length == 0 => null,
                        _ => Convert.ToString(v, Invariant.Culture),
                    };
                    any |= cells[j] != null;
                }
                if (any) rows.Add((rowNumber, cells));
            }
            if (rows.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: the worksheet is empty");
            var headerCells = rows[0].Cells;
            int width = headerCells.Length;
            while (width > 0 && headerCells[width - 1] == null) width--;
            var header = Enumerable.Range(0, width)
                .Select(j => headerCells[j] is { } h ? Convert.ToString(h, Invariant.Culture)!.Trim() : $"column{j + 1}").ToArray();
            var duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate != null)
                throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: the header names column '{duplicate.Key}' twice");
            int n = rows.Count - 1;
            var columns = new object?[width][];
            for (int j = 0; j < width; j++)
            {
                columns[j] = new object?[n];
                for (int i = 0; i < n; i++) columns[j][i] = j < rows[i + 1].Cells.Length ? rows[i + 1].Cells[j] : null;
            }
            return new RawTable(source, header, columns, rows.Skip(1).Select(r => r.Row).ToArray());
        }
        catch (Exception e) when (e is not MmcsException and not OperationCanceledException and not IOException)
        {
            throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: not a readable Excel workbook: {e.Message}", e);
        }
    }
}

/// <summary>Reads a Parquet file's flat columns (numbers, strings, booleans).</summary>
public static class ParquetTableReader
{
    public static RawTable Read(string path) => ReadAsync(path).GetAwaiter().GetResult();

    private static async Task<RawTable> ReadAsync(string path)
    {
        string source = Path.GetFileName(path);
        try
        {
            await using var stream = File.OpenRead(path);
            await using var reader = await Parquet.ParquetReader.CreateAsync(stream);
            var fields = reader.Schema.GetDataFields();
            var cells = fields.Select(_ => new List<object?>()).ToArray();
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                int rows = checked((int)group.RowCount);
                for (int j = 0; j < fields.Length; j++)
                {
                    var f = fields[j];
                    if (f.IsArray)
                        throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: column '{f.Name}' is a list; only flat columns are supported");
                    object?[] values = f.ClrType switch
                    {
                        var t when t == typeof(double) => await Column<double>(group, f, rows, v => v),
                        var t when t == typeof(float) => await Column<float>(group, f, rows, v => v),
                        var t when t == typeof(int) => await Column<int>(group, f, rows, v => v),
                        var t when t == typeof(long) => await Column<long>(group, f, rows, v => v),
                        var t when t == typeof(short) => await Column<short>(group, f, rows, v => v),
                        var t when t == typeof(byte) => await Column<byte>(group, f, rows, v => v),
                        var t when t == typeof(bool) => await Column<bool>(group, f, rows, v => v ? 1 : 0),
                        var t when t == typeof(string) || t == typeof(ReadOnlyMemory<char>) => await Strings(group, f, rows),
                        _ => throw new MmcsException(ErrorCodes.DataInvalid,
                            $"{source}: column '{f.Name}' has type {f.ClrType.Name}, which is not supported (numbers and text are)"),
                    };
                    cells[j].AddRange(values);
                }
            }
            int n = cells.Length == 0 ? 0 : cells[0].Count;
            return new RawTable(source, fields.Select(f => f.Name).ToArray(), cells.Select(c => c.ToArray()).ToArray(),
                Enumerable.Range(1, n).ToArray());
        }
        catch (Exception e) when (e is not MmcsException and not OperationCanceledException and not IOException)
        {
            throw new MmcsException(ErrorCodes.DataInvalid, $"{source}: not a readable Parquet file: {e.Message}", e);
        }
    }

    private static async Task<object?[]> Column<T>(Parquet.ParquetRowGroupReader group, Parquet.Schema.DataField field, int rows,
        Func<T, double> toDouble) where T : struct
    {
        var result = new object?[rows];
        if (field.IsNullable)
        {
            var buffer = new T?[rows];
            await group.ReadAsync<T>(field, buffer.AsMemory());
            for (int i = 0; i < rows; i++) result[i] = buffer[i] is { } v ? toDouble(v) : null;
        }
        else
        {
            var buffer = new T[rows];
            await group.ReadAsync<T>(field, buffer.AsMemory());
            for (int i = 0; i < rows; i++) result[i] = toDouble(buffer[i]);
        }
        return result;
    }

    private static async Task<object?[]> Strings(Parquet.ParquetRowGroupReader group, Parquet.Schema.DataField field, int rows)
    {
        var buffer = new string?[rows];
        await group.ReadAsync(field, buffer.AsMemory());
        return buffer.Select(s => string.IsNullOrEmpty(s) ? null : (object)s).ToArray();
    }
}
