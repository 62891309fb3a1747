using System.Collections;
using System.Globalization;
using System.Text;
using Mmcs.Registry.FileStore;
using YamlDotNet.RepresentationModel;

namespace Mmcs.Registry.Models;

/// <summary>
/// A small block-style YAML writer/reader for nested documents (MLmodel): mappings with sorted keys, lists, and
/// scalars quoted the way PyYAML's safe_dump quotes them. Reading resolves plain scalars to null, bool, long, double
/// or string; quoted scalars stay strings.
/// </summary>
public static class YamlDocument
{
    public static string Write(IReadOnlyDictionary<string, object?> document)
    {
        var sb = new StringBuilder();
        WriteMapping(sb, document.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value)), 0);
        return sb.ToString();
    }

    private static void WriteMapping(StringBuilder sb, IEnumerable<KeyValuePair<string, object?>> entries, int indent)
    {
        foreach (var (key, value) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            sb.Append(' ', indent).Append(MetaYaml.Scalar(key)).Append(':');
            WriteValueAfterKey(sb, value, indent);
        }
    }

    private static void WriteValueAfterKey(StringBuilder sb, object? value, int indent)
    {
        if (AsMapping(value) is { } map)
        {
            if (map.Count == 0) sb.Append(" {}\n");
            else
            {
                sb.Append('\n');
                WriteMapping(sb, map, indent + 2);
            }
        }
        else if (AsList(value) is { } list)
        {
            if (list.Count == 0) sb.Append(" []\n");
            else
            {
                sb.Append('\n');
                WriteList(sb, list, indent);
            }
        }
        else
        {
            sb.Append(' ').Append(ScalarText(value)).Append('\n');
        }
    }

    private static void WriteList(StringBuilder sb, List<object?> list, int indent, bool firstInline = false)
    {
        bool firstItem = true;
        foreach (var item in list)
        {
            if (!(firstItem && firstInline)) sb.Append(' ', indent);
            firstItem = false;
            sb.Append('-');
            if (AsMapping(item) is { Count: > 0 } map)
            {
                bool first = true;
                foreach (var (k, v) in map.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    if (first) sb.Append(' ');
                    else sb.Append(' ', indent + 2);
                    first = false;
                    sb.Append(MetaYaml.Scalar(k)).Append(':');
                    WriteValueAfterKey(sb, v, indent + 2);
                }
            }
            else if (AsList(item) is { Count: > 0 } inner)
            {
                sb.Append(' ');
                WriteList(sb, inner, indent + 2, firstInline: true); // PyYAML: "- - a"
            }
            else
            {
                sb.Append(' ').Append(AsMapping(item) is not null ? "{}" : AsList(item) is not null ? "[]" : ScalarText(item)).Append('\n');
            }
        }
    }

    private static List<KeyValuePair<string, object?>>? AsMapping(object? value) => value switch
    {
        IDictionary<string, object?> d => d.ToList(),
        IReadOnlyDictionary<string, object?> d => d.ToList(),
        IDictionary<string, string> d => d.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value)).ToList(),
        IReadOnlyDictionary<string, string> d => d.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value)).ToList(),
        IDictionary d => d.Keys.Cast<object>().Select(k => new KeyValuePair<string, object?>(System.Convert.ToString(k, CultureInfo.InvariantCulture)!, d[k])).ToList(),
        _ => null,
    };

    private static List<object?>? AsList(object? value) => value switch
    {
        string => null,
        IEnumerable e when AsMapping(value) is null => e.Cast<object?>().ToList(),
        _ => null,
    };

    private static string ScalarText(object? value) => value switch
    {
        null => "null",
        string s => MetaYaml.Scalar(s),
        bool b => b ? "true" : "false",
        double d => double.IsNaN(d) ? ".nan" : double.IsPositiveInfinity(d) ? ".inf" : double.IsNegativeInfinity(d) ? "-.inf" : PythonFloat.Format(d),
        float f => ScalarText((double)f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => MetaYaml.Scalar(value.ToString() ?? ""),
    };

    public static Dictionary<string, object?> Read(string text, string pathForErrors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw MlflowException.Invalid($"{pathForErrors} is not valid YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw MlflowException.Invalid($"{pathForErrors} is not a YAML mapping.");
        return (Dictionary<string, object?>)Convert(root)!;
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value ?? "", c => Convert(c.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Convert).ToList(),
        YamlScalarNode sc => Resolve(sc),
        _ => null,
    };

    private static object? Resolve(YamlScalarNode s)
    {
        string? v = s.Value;
        if (s.Style != YamlDotNet.Core.ScalarStyle.Plain) return v ?? "";
        if (v is null or "" or "~" or "null" or "Null" or "NULL") return null;
        if (v is "true" or "True" or "TRUE") return true;
        if (v is "false" or "False" or "FALSE") return false;
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
        if (v is ".nan" or ".NaN" or ".NAN") return double.NaN;
        if (v is ".inf" or ".Inf" or ".INF" or "+.inf") return double.PositiveInfinity;
        if (v is "-.inf" or "-.Inf" or "-.INF") return double.NegativeInfinity;
        if (v.Contains('.', StringComparison.Ordinal) || v.Contains('e', StringComparison.OrdinalIgnoreCase))
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
        return v;
    }
}
