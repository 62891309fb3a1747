using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mmcs.Registry.Search;

/// <summary>Which part of an entity a filter or order-by clause names.</summary>
public enum KeyKind
{
    Metric,
    Param,
    Tag,
    Attribute,
    Dataset,
}

/// <summary>One comparison of a filter: <c>metrics.acc &gt;= 0.5</c>, <c>tags.`mlflow.parentRunId` = 'x'</c>, <c>name LIKE '%a%'</c>.</summary>
public sealed record Comparison(KeyKind Kind, string Key, string Op, object Value)
{
    public bool Matches(string? actual)
    {
        if (actual is null) return false;
        return Op switch
        {
            "=" => Value is string s && actual == s,
            "!=" => Value is string s && actual != s,
            "LIKE" => Value is string s && SearchFilter.Like(actual, s, ignoreCase: false),
            "ILIKE" => Value is string s && SearchFilter.Like(actual, s, ignoreCase: true),
            "IN" => Value is IReadOnlyList<string> l && l.Contains(actual),
            "NOT IN" => Value is IReadOnlyList<string> l && !l.Contains(actual),
            _ => Value is double && double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && Matches(d),
        };
    }

    public bool Matches(double? actual)
    {
        if (actual is not double a || Value is not double v) return false;
        return Op switch
        {
            "=" => a == v,
            "!=" => a != v,
            ">" => a > v,
            ">=" => a >= v,
            "<" => a < v,
            "<=" => a <= v,
            _ => false,
        };
    }
}

/// <summary>One order-by clause: <c>metrics.acc DESC</c>, <c>attributes.start_time</c> (ascending by default).</summary>
public sealed record OrderClause(KeyKind Kind, string Key, bool Ascending);

/// <summary>
/// Parses MLflow's search filter strings: comparisons joined with <c>and</c>; identifiers <c>metrics.X</c>,
/// <c>params.X</c>, <c>tags.X</c>, <c>attributes.X</c> (X plain, or quoted with backticks or double quotes);
/// operators = != &lt; &lt;= &gt; &gt;= LIKE ILIKE IN, NOT IN; values as 'strings' or numbers.
/// </summary>
public static partial class SearchFilter
{
    private static readonly string[] Operators = [">=", "<=", "!=", "<>", "=", ">", "<"];

    public static IReadOnlyList<Comparison> Parse(string? filter, KeyKind defaultKind = KeyKind.Attribute)
    {
        var result = new List<Comparison>();
        if (string.IsNullOrWhiteSpace(filter)) return result;
        int pos = 0;
        string f = filter;
        while (true)
        {
            SkipSpace(f, ref pos);
            var (kind, key) = ParseIdentifier(f, ref pos, defaultKind);
            SkipSpace(f, ref pos);
            string op = ParseOperator(f, ref pos);
            SkipSpace(f, ref pos);
            object value = op is "IN" or "NOT IN" ? ParseList(f, ref pos) : ParseValue(f, ref pos, kind, key, op);
            if (kind == KeyKind.Metric && value is not double)
                throw Error(filter, $"expected a number to compare metric '{key}' with");
            if (kind is KeyKind.Param or KeyKind.Tag && value is double)
                throw Error(filter, $"{kind.ToString().ToLowerInvariant()} values are strings: quote the value compared with '{key}'");
            result.Add(new Comparison(kind, key, op, value));
            SkipSpace(f, ref pos);
            if (pos >= f.Length) break;
            if (!TryKeyword(f, ref pos, "and"))
                throw Error(filter, $"expected 'and' at position {pos}, found '{f[pos..]}'");
        }
        return result;
    }

    public static IReadOnlyList<OrderClause> ParseOrderBy(IReadOnlyList<string>? orderBy, KeyKind defaultKind = KeyKind.Attribute)
    {
        var result = new List<OrderClause>();
        if (orderBy is null) return result;
        foreach (var clause in orderBy)
        {
            if (string.IsNullOrWhiteSpace(clause)) continue;
            int pos = 0;
            SkipSpace(clause, ref pos);
            var (kind, key) = ParseIdentifier(clause, ref pos, defaultKind);
            SkipSpace(clause, ref pos);
            bool asc = true;
            if (TryKeyword(clause, ref pos, "desc")) asc = false;
            else TryKeyword(clause, ref pos, "asc");
            SkipSpace(clause, ref pos);
            if (pos < clause.Length) throw MlflowException.Invalid($"Invalid order_by clause '{clause}'.");
            result.Add(new OrderClause(kind, key, asc));
        }
        return result;
    }

    /// <summary>SQL LIKE: % any run of characters, _ one character.</summary>
    public static bool Like(string value, string pattern, bool ignoreCase)
    {
        var sb = new StringBuilder("^");
        foreach (char c in pattern)
            sb.Append(c switch { '%' => ".*", '_' => ".", _ => Regex.Escape(c.ToString()) });
        sb.Append('$');
        var options = RegexOptions.Singleline | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        return Regex.IsMatch(value, sb.ToString(), options, TimeSpan.FromSeconds(1));
    }

    private static (KeyKind, string) ParseIdentifier(string f, ref int pos, KeyKind defaultKind)
    {
        int start = pos;
        string first;
        if (pos < f.Length && (f[pos] == '`' || f[pos] == '"'))
            return (defaultKind, ReadQuoted(f, ref pos));
        while (pos < f.Length && (char.IsLetterOrDigit(f[pos]) || f[pos] is '_' or '.' or '-' or '/'))
            pos++;
        first = f[start..pos];
        if (first.Length == 0) throw Error(f, $"expected an identifier at position {start}");
        int dot = first.IndexOf('.');
        string prefix = dot >= 0 ? first[..dot] : "";
        KeyKind? kind = prefix.ToLowerInvariant() switch
        {
            "metric" or "metrics" => KeyKind.Metric,
            "param" or "params" or "parameter" or "parameters" => KeyKind.Param,
            "tag" or "tags" => KeyKind.Tag,
            "attribute" or "attributes" or "attr" or "run" => KeyKind.Attribute,
            "dataset" or "datasets" => KeyKind.Dataset,
            _ => null,
        };
        if (kind is null) return (defaultKind, first);
        string key = first[(dot + 1)..];
        if (key.Length == 0 && pos < f.Length && (f[pos] == '`' || f[pos] == '"'))
            key = ReadQuoted(f, ref pos);
        if (key.Length == 0) throw Error(f, $"missing key after '{prefix}.'");
        return (kind.Value, key);
    }

    private static string ReadQuoted(string f, ref int pos)
    {
        char q = f[pos++];
        var sb = new StringBuilder();
        while (pos < f.Length)
        {
            char c = f[pos++];
            if (c == q)
            {
                if (pos < f.Length && f[pos] == q && q == '\'') { sb.Append(q); pos++; continue; }
                return sb.ToString();
            }
            if (c == '\\' && pos < f.Length && f[pos] == q) { sb.Append(q); pos++; continue; }
            sb.Append(c);
        }
        throw Error(f, "unterminated quoted string");
    }

    private static string ParseOperator(string f, ref int pos)
    {
        foreach (var op in Operators)
            if (string.CompareOrdinal(f, pos, op, 0, op.Length) == 0)
            {
                pos += op.Length;
                return op == "<>" ? "!=" : op;
            }
        if (TryKeyword(f, ref pos, "like")) return "LIKE";
        if (TryKeyword(f, ref pos, "ilike")) return "ILIKE";
        if (TryKeyword(f, ref pos, "in")) return "IN";
        if (TryKeyword(f, ref pos, "not"))
        {
            SkipSpace(f, ref pos);
            if (TryKeyword(f, ref pos, "in")) return "NOT IN";
        }
        throw Error(f, $"expected a comparison operator at position {pos}");
    }

    private static object ParseValue(string f, ref int pos, KeyKind kind, string key, string op)
    {
        if (pos >= f.Length) throw Error(f, $"missing value for '{key}'");
        if (f[pos] is '\'' or '"') return ReadQuoted(f, ref pos);
        int start = pos;
        while (pos < f.Length && !char.IsWhiteSpace(f[pos]) && f[pos] != ')') pos++;
        string token = f[start..pos];
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
        throw Error(f, $"invalid value '{token}' for '{key}' (strings must be quoted)");
    }

    private static List<string> ParseList(string f, ref int pos)
    {
        if (pos >= f.Length || f[pos] != '(') throw Error(f, "expected '(' after IN");
        pos++;
        var items = new List<string>();
        while (true)
        {
            SkipSpace(f, ref pos);
            if (pos < f.Length && f[pos] == ')') { pos++; return items; }
            if (pos >= f.Length || f[pos] is not ('\'' or '"')) throw Error(f, "IN lists hold quoted strings");
            items.Add(ReadQuoted(f, ref pos));
            SkipSpace(f, ref pos);
            if (pos < f.Length && f[pos] == ',') pos++;
        }
    }

    private static bool TryKeyword(string f, ref int pos, string keyword)
    {
        if (pos + keyword.Length > f.Length) return false;
        if (string.Compare(f, pos, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) != 0) return false;
        int end = pos + keyword.Length;
        if (end < f.Length && (char.IsLetterOrDigit(f[end]) || f[end] == '_')) return false;
        pos = end;
        return true;
    }

    private static void SkipSpace(string f, ref int pos)
    {
        while (pos < f.Length && char.IsWhiteSpace(f[pos])) pos++;
    }

    private static MlflowException Error(string filter, string problem) =>
        MlflowException.Invalid($"Invalid filter '{filter}': {problem}.");

    // ---- page tokens ----

    /// <summary>MLflow's opaque page token: base64 of <c>{"offset": n}</c>.</summary>
    public static string EncodePageToken(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"offset\": " + offset.ToString(CultureInfo.InvariantCulture) + "}"));

    public static int DecodePageToken(string? token)
    {
        if (string.IsNullOrEmpty(token)) return 0;
        try
        {
            string json = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            int offset = doc.RootElement.GetProperty("offset").GetInt32();
            if (offset < 0) throw new FormatException();
            return offset;
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw MlflowException.Invalid($"Invalid page token '{token}'.");
        }
    }

    /// <summary>One page of <paramref name="sorted"/> from the token's offset.</summary>
    public static Page<T> Paginate<T>(IReadOnlyList<T> sorted, int maxResults, string? pageToken)
    {
        if (maxResults < 1) throw MlflowException.Invalid($"Invalid value {maxResults} for parameter 'max_results': it must be positive.");
        int offset = DecodePageToken(pageToken);
        var items = sorted.Skip(offset).Take(maxResults).ToList();
        string? next = offset + maxResults < sorted.Count ? EncodePageToken(offset + maxResults) : null;
        return new Page<T>(items, next);
    }
}
