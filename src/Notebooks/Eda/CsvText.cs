using System.Text;
using Mmcs.Core;

namespace Mmcs.Notebooks.Eda;

/// <summary>A small RFC 4180 CSV reader: header + rows of strings, quoted fields with "" escapes and newlines.</summary>
internal static class CsvText
{
    /// <summary>Reads a file; the separator is ',' (or ';' when the header has no comma but a semicolon) unless given.</summary>
    public static (List<string> Header, List<string[]> Rows) Read(string path, char? separator = null)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var firstLine = text.Split('\n', 2)[0];
        char sep = separator ?? (firstLine.Contains(',') || !firstLine.Contains(';') ? ',' : ';');
        var records = Parse(text, sep, path);
        if (records.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{path}: the file is empty");
        var header = records[0].Select(h => h.Trim()).ToList();
        var rows = new List<string[]>();
        for (int r = 1; r < records.Count; r++)
        {
            if (records[r].Length == 1 && records[r][0].Length == 0) continue; // blank line
            if (records[r].Length != header.Count)
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"{path}: line {r + 1} has {records[r].Length} fields, the header has {header.Count}");
            rows.Add(records[r]);
        }
        return (header, rows);
    }

    private static List<string[]> Parse(string text, char sep, string path)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == sep)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                fields.Add(field.ToString());
                field.Clear();
                records.Add(fields.ToArray());
                fields.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        if (quoted) throw new MmcsException(ErrorCodes.DataInvalid, $"{path}: a quoted field is not closed");
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(fields.ToArray());
        }
        return records;
    }
}
