using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Mmcs.Registry.FileStore;

/// <summary>
/// Writes and reads the flat meta.yaml files of MLflow's file store the way PyYAML's <c>safe_dump</c> writes them:
/// keys sorted, strings plain when PyYAML would leave them plain, single-quoted when they would read back as another
/// type ('0', 'true', ''), double-quoted with escapes when they hold line breaks or non-ASCII characters.
/// </summary>
public static partial class MetaYaml
{
    /// <summary>Serialises a mapping whose values are null, string, long/int, or a nested string mapping (empty list: <c>[]</c>).</summary>
    public static string Write(IEnumerable<KeyValuePair<string, object?>> fields)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            sb.Append(Scalar(key)).Append(':');
            switch (value)
            {
                case null:
                    sb.Append(" null\n");
                    break;
                case string s:
                    sb.Append(' ').Append(Scalar(s)).Append('\n');
                    break;
                case long or int:
                    sb.Append(' ').Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)).Append('\n');
                    break;
                case EmptyList:
                    sb.Append(" []\n");
                    break;
                case IEnumerable<KeyValuePair<string, string>> map:
                    var entries = map.OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
                    if (entries.Count == 0)
                    {
                        sb.Append(" {}\n");
                        break;
                    }
                    sb.Append('\n');
                    foreach (var (k, v) in entries)
                        sb.Append("  ").Append(Scalar(k)).Append(": ").Append(Scalar(v)).Append('\n');
                    break;
                default:
                    throw new ArgumentException($"meta.yaml value of '{key}' has unsupported type {value.GetType().Name}");
            }
        }
        return sb.ToString();
    }

    /// <summary>The marker for an empty YAML list (<c>tags: []</c>).</summary>
    public sealed class EmptyList
    {
        public static readonly EmptyList Instance = new();
        private EmptyList() { }
    }

    /// <summary>Reads a meta.yaml mapping: scalar values as strings (YAML null as null), nested mappings as dictionaries.</summary>
    public static Dictionary<string, object?> Read(string text, string pathForErrors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new MlflowException(Core.ErrorCodes.InvalidState, $"{pathForErrors} is not valid YAML: {e.Message}", e);
        }
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (stream.Documents.Count == 0) return result;
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            if (stream.Documents[0].RootNode is YamlScalarNode s && IsNull(s)) return result;
            throw new MlflowException(Core.ErrorCodes.InvalidState, $"{pathForErrors} is not a YAML mapping");
        }
        foreach (var (k, v) in root.Children)
        {
            string key = ((YamlScalarNode)k).Value ?? "";
            result[key] = v switch
            {
                YamlScalarNode s => IsNull(s) ? null : s.Value,
                YamlMappingNode m => m.Children.ToDictionary(
                    c => ((YamlScalarNode)c.Key).Value ?? "",
                    c => c.Value is YamlScalarNode cs ? (IsNull(cs) ? "" : cs.Value ?? "") : c.Value.ToString(),
                    StringComparer.Ordinal),
                YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode cs ? cs.Value ?? "" : c.ToString()).ToList(),
                _ => null,
            };
        }
        return result;
    }

    private static bool IsNull(YamlScalarNode s) =>
        s.Style == YamlDotNet.Core.ScalarStyle.Plain && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    /// <summary>A string scalar as PyYAML's safe_dump (allow_unicode=False) would write it.</summary>
    public static string Scalar(string s)
    {
        if (s.Length == 0) return "''";
        bool special = false;
        foreach (char c in s)
            if (c < 0x20 || c > 0x7E) { special = true; break; }
        if (special) return DoubleQuoted(s);
        if (PlainAllowed(s) && !ResolvesToOtherType(s)) return s;
        return "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    private static bool PlainAllowed(string s)
    {
        if (s[0] == ' ' || s[^1] == ' ') return false;
        if (s.StartsWith("---", StringComparison.Ordinal) || s.StartsWith("...", StringComparison.Ordinal)) return false;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            bool followedBySpace = i + 1 >= s.Length || s[i + 1] == ' ';
            bool precededBySpace = i == 0 || s[i - 1] == ' ';
            if (i == 0)
            {
                if ("#,[]{}&*!|>'\"%@`".Contains(c)) return false;
                if ((c == '?' || c == ':' || c == '-') && followedBySpace) return false;
            }
            else
            {
                if (c == ':' && followedBySpace) return false;
                if (c == '#' && precededBySpace) return false;
            }
        }
        return true;
    }

    [GeneratedRegex(@"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|=|<<)$")]
    private static partial Regex BoolNullPattern();

    [GeneratedRegex(@"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$")]
    private static partial Regex TimestampPattern();

    private static bool ResolvesToOtherType(string s) =>
        BoolNullPattern().IsMatch(s) || IntPattern().IsMatch(s) || FloatPattern().IsMatch(s) || TimestampPattern().IsMatch(s);

    private static string DoubleQuoted(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var rune in s.EnumerateRunes())
        {
            int c = rune.Value;
            switch (c)
            {
                case 0: sb.Append("\\0"); break;
                case 7: sb.Append("\\a"); break;
                case 8: sb.Append("\\b"); break;
                case 9: sb.Append("\\t"); break;
                case 10: sb.Append("\\n"); break;
                case 11: sb.Append("\\v"); break;
                case 12: sb.Append("\\f"); break;
                case 13: sb.Append("\\r"); break;
                case 27: sb.Append("\\e"); break;
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case 0x85: sb.Append("\\N"); break;
                case 0xA0: sb.Append("\\_"); break;
                case 0x2028: sb.Append("\\L"); break;
                case 0x2029: sb.Append("\\P"); break;
                default:
                    if (c >= 0x20 && c <= 0x7E) sb.Append((char)c);
                    else if (c <= 0xFF) sb.Append("\\x").Append(c.ToString("X2", CultureInfo.InvariantCulture));
                    else if (c <= 0xFFFF) sb.Append("\\u").Append(c.ToString("X4", CultureInfo.InvariantCulture));
                    else sb.Append("\\U").Append(c.ToString("X8", CultureInfo.InvariantCulture));
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
