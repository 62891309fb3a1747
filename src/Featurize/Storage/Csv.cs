using System.Text;

namespace Mmcs.Featurize.Storage;

/// <summary>
/// RFC 4180 CSV: fields separated by commas, quoted with double quotes when they hold a comma, a quote, a
/// CR or LF, or leading/trailing spaces (quotes doubled inside). Rows end with LF or CRLF; quoted fields may
/// span lines. A UTF-8 byte-order mark is ignored.
/// </summary>
public static class Csv
{
    /// <summary>Reads every row of a CSV text reader.</summary>
    public static IEnumerable<string[]> ReadRows(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var fields = new List<string>();
        var field = new StringBuilder();
        bool inQuotes = false, any = false, wasQuoted = false;
        bool first = true;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (first)
            {
                first = false;
                if (c == '\uFEFF') continue;
            }
            any = true;
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else inQuotes = false;
                }
                else field.Append((char)c);
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0 && !wasQuoted:
                    inQuotes = true;
                    wasQuoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    wasQuoted = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    wasQuoted = false;
                    yield return fields.ToArray();
                    fields.Clear();
                    any = false;
                    break;
                default:
                    field.Append((char)c);
                    break;
            }
        }
        if (any)
        {
            fields.Add(field.ToString());
            yield return fields.ToArray();
        }
    }

    /// <summary>Reads every row of a CSV file in an encoding (default UTF-8; e.g. <see cref="Encoding.Latin1"/>).</summary>
    public static List<string[]> ReadFile(string path, Encoding? encoding = null)
    {
        using var reader = new StreamReader(path, encoding ?? Encoding.UTF8, detectEncodingFromByteOrderMarks: encoding == null);
        return ReadRows(reader).Where(r => !(r.Length == 1 && r[0].Length == 0)).ToList();
    }

    /// <summary>A field quoted when needed.</summary>
    public static string Escape(string? field)
    {
        if (string.IsNullOrEmpty(field)) return "";
        bool quote = field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || field[0] == ' ' || field[^1] == ' ';
        return quote ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }

    /// <summary>Writes one row (fields escaped, LF line end).</summary>
    public static void WriteRow(TextWriter writer, IEnumerable<string?> fields)
    {
        bool firstField = true;
        foreach (var f in fields)
        {
            if (!firstField) writer.Write(',');
            writer.Write(Escape(f));
            firstField = false;
        }
        writer.Write('\n');
    }
}
