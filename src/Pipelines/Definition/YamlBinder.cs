using System.Globalization;
using System.Reflection;
using System.Text;
using Mmcs.Core;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mmcs.Pipelines.Definition;

/// <summary>A key is required.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredKeyAttribute : Attribute;

/// <summary>A number must lie in [Min, Max].</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute(double min, double max) : Attribute
{
    public double Min { get; } = min;
    public double Max { get; } = max;
}

/// <summary>A string must be one of these values.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OneOfAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>What a key means (shown by `mmcs pipeline schema`).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class)]
public sealed class DocAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>One problem found in a pipeline file, with where it is.</summary>
public sealed record PipelineIssue(string File, int Line, int Column, string Key, string Message)
{
    public override string ToString() => Line == 0
        ? $"{File}: " + (Key.Length > 0 ? $"{Key}: " : "") + Message
        : $"{File}:{Line.ToString(CultureInfo.InvariantCulture)}:{Column.ToString(CultureInfo.InvariantCulture)}: " +
        (Key.Length > 0 ? $"{Key}: " : "") + Message;
}

/// <summary>A pipeline file that does not match the schema; the message lists every problem with its line.</summary>
public sealed class PipelineValidationException(IReadOnlyList<PipelineIssue> issues)
    : MmcsException(ErrorCodes.InvalidParameterValue,
        issues.Count == 1 ? issues[0].ToString() : $"{issues.Count} problems: " + string.Join("; ", issues))
{
    public IReadOnlyList<PipelineIssue> Issues { get; } = issues;
}

/// <summary>
/// Binds a YAML document onto immutable records (snake_case keys = property names), validating against the
/// records themselves: unknown keys (with a suggestion), wrong types, ranges and allowed values, each reported with
/// its file, line, column and dotted key. The records' property initialisers are the defaults.
/// </summary>
public static class YamlBinder
{
    public static T Bind<T>(YamlMappingNode root, string file) where T : new()
    {
        var issues = new List<PipelineIssue>();
        var result = (T)BindObject(typeof(T), root, "", file, issues);
        if (issues.Count > 0) throw new PipelineValidationException(issues);
        return result;
    }

    /// <summary>Parses YAML text into its root mapping, reporting syntax errors with their position.</summary>
    public static YamlMappingNode Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            string message = e.InnerException?.Message ?? e.Message;
            var (line, column) = ((int)e.Start.Line, (int)e.Start.Column);
            // a tab in an indentation is reported at the token before it (often 1:1); name the tab itself
            if (message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FirstIndentationTab(text, line) is { } tab) (line, column) = tab;
            throw new PipelineValidationException([new PipelineIssue(file, line, column, "", "YAML syntax error: " + message)]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new PipelineValidationException([new PipelineIssue(file, 1, 1, "", "expected a mapping of keys at the top level")]);
        return root;
    }

    /// <summary>Line and column (1-based) of the first tab among a line's leading white space from line
    /// <paramref name="fromLine"/> on (a tab inside an earlier block scalar is text, not the error), or null.</summary>
    internal static (int Line, int Column)? FirstIndentationTab(string text, int fromLine)
    {
        var lines = text.Split('\n');
        for (int i = Math.Max(0, fromLine - 1); i < lines.Length; i++)
        {
            for (int c = 0; c < lines[i].Length && (lines[i][c] == ' ' || lines[i][c] == '\t'); c++)
                if (lines[i][c] == '\t') return (i + 1, c + 1);
        }
        return null;
    }

    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]))) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>The bindable properties of a record type, by YAML key.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> Keys(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => SnakeCase(p.Name), StringComparer.Ordinal);

    private static object BindObject(Type type, YamlMappingNode node, string path, string file, List<PipelineIssue> issues)
    {
        var instance = Activator.CreateInstance(type)!;
        var keys = Keys(type);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in node.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value ?? "";
            string dotted = path.Length == 0 ? key : path + "." + key;
            if (!seen.Add(key))
            {
                issues.Add(Issue(file, keyNode, dotted, "duplicate key"));
                continue;
            }
            if (!keys.TryGetValue(key, out var property))
            {
                var suggestion = keys.Keys.MinBy(k => Distance(k, key));
                string hint = suggestion != null && Distance(suggestion, key) <= Math.Max(2, key.Length / 3)
                    ? $"; did you mean '{suggestion}'?"
                    : $"; expected one of: {string.Join(", ", keys.Keys.Order(StringComparer.Ordinal))}";
                issues.Add(Issue(file, keyNode, dotted, "unknown key" + hint));
                continue;
            }
            if (TryConvert(property.PropertyType, valueNode, dotted, file, issues, out var value))
            {
                if (Check(property, value, valueNode, dotted, file, issues)) property.SetValue(instance, value);
            }
        }
        foreach (var (key, property) in keys)
        {
            if (property.GetCustomAttribute<RequiredKeyAttribute>() != null && !seen.Contains(key))
            {
                string dotted = path.Length == 0 ? key : path + "." + key;
                issues.Add(Issue(file, node, dotted, "required key is missing"));
            }
        }
        return instance;
    }

    private static bool TryConvert(Type type, YamlNode node, string dotted, string file, List<PipelineIssue> issues,
        out object? value)
    {
        value = null;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (node is YamlScalarNode { Value: null or "" or "~" or "null" } nullScalar && nullScalar.Style == YamlDotNet.Core.ScalarStyle.Plain)
        {
            if (Nullable.GetUnderlyingType(type) != null || !type.IsValueType) return true;
            issues.Add(Issue(file, node, dotted, $"expected {Describe(type)}, got nothing"));
            return false;
        }
        if (underlying == typeof(string))
        {
            if (node is YamlScalarNode s)
            {
                value = s.Value;
                return true;
            }
        }
        else if (underlying == typeof(int) || underlying == typeof(long))
        {
            if (node is YamlScalarNode s && long.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
            {
                value = underlying == typeof(int) ? (object)checked((int)l) : l;
                return true;
            }
        }
        else if (underlying == typeof(double))
        {
            if (node is YamlScalarNode s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                && double.IsFinite(d))
            {
                value = d;
                return true;
            }
        }
        else if (underlying == typeof(bool))
        {
            if (node is YamlScalarNode s)
            {
                switch (s.Value?.ToLowerInvariant())
                {
                    case "true" or "yes" or "on":
                        value = true;
                        return true;
                    case "false" or "no" or "off":
                        value = false;
                        return true;
                }
            }
        }
        else if (underlying.IsArray)
        {
            var element = underlying.GetElementType()!;
            if (node is YamlSequenceNode seq)
            {
                var array = Array.CreateInstance(element, seq.Children.Count);
                bool ok = true;
                for (int i = 0; i < seq.Children.Count; i++)
                {
                    if (TryConvert(element, seq.Children[i], $"{dotted}[{i}]", file, issues, out var item)) array.SetValue(item, i);
                    else ok = false;
                }
                value = array;
                return ok;
            }
        }
        else if (node is YamlMappingNode map && underlying.IsClass)
        {
            value = BindObject(underlying, map, dotted, file, issues);
            return true;
        }
        issues.Add(Issue(file, node, dotted, $"expected {Describe(type)}, got {DescribeNode(node)}"));
        return false;
    }

    private static bool Check(PropertyInfo property, object? value, YamlNode node, string dotted, string file,
        List<PipelineIssue> issues)
    {
        if (property.GetCustomAttribute<RangeAttribute>() is { } range && value != null)
        {
            IEnumerable<double> numbers = value is Array a
                ? a.Cast<object>().Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture))
                : [Convert.ToDouble(value, CultureInfo.InvariantCulture)];
            foreach (var d in numbers)
            {
                if (d < range.Min || d > range.Max)
                {
                    issues.Add(Issue(file, node, dotted,
                        $"{d.ToString(CultureInfo.InvariantCulture)} is out of range [{range.Min.ToString(CultureInfo.InvariantCulture)}, {range.Max.ToString(CultureInfo.InvariantCulture)}]"));
                    return false;
                }
            }
        }
        if (property.GetCustomAttribute<OneOfAttribute>() is { } oneOf && value != null)
        {
            IEnumerable<string> strings = value is string[] arr ? arr : [value.ToString()!];
            foreach (var s in strings)
            {
                if (!oneOf.Values.Contains(s, StringComparer.Ordinal))
                {
                    issues.Add(Issue(file, node, dotted, $"'{s}' is not one of: {string.Join(", ", oneOf.Values)}"));
                    return false;
                }
            }
        }
        return true;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<YamlNode, string> OverrideSources = new();

    /// <summary>
    /// Applies a command-line override "a.b.c=value" to the document: the value is read as YAML (so lists and
    /// numbers work: <c>train.cnn.models=[mel]</c>), missing mappings on the way are created. Problems with an
    /// overridden value are reported against the override, not a line of the file.
    /// </summary>
    public static void ApplyOverride(YamlMappingNode root, string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--set '{assignment}': expected key.path=value");
        string path = assignment[..eq].Trim();
        string text = assignment[(eq + 1)..];
        var parts = path.Split('.');
        if (parts.Any(p => p.Length == 0))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--set '{assignment}': empty key in '{path}'");
        YamlNode value;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader("v: " + text));
            value = ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("v")];
        }
        catch (YamlException e)
        {
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--set '{assignment}': not valid YAML: {e.Message}");
        }
        MarkOverride(value, "--set " + assignment);
        var map = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            var key = new YamlScalarNode(parts[i]);
            if (!map.Children.TryGetValue(key, out var child))
            {
                child = new YamlMappingNode();
                MarkOverride(child, "--set " + assignment);
                MarkOverride(key, "--set " + assignment); // an unknown new key is reported against the --set, not the file
                map.Children[key] = child;
            }
            map = child as YamlMappingNode
                  ?? throw new MmcsException(ErrorCodes.InvalidParameterValue,
                      $"--set '{assignment}': '{string.Join('.', parts[..(i + 1)])}' is not a mapping");
        }
        var leaf = new YamlScalarNode(parts[^1]);
        MarkOverride(leaf, "--set " + assignment);
        if (map.Children.ContainsKey(leaf)) map.Children.Remove(leaf);
        map.Children[leaf] = value;
    }

    private static void MarkOverride(YamlNode node, string source)
    {
        OverrideSources.AddOrUpdate(node, source);
        foreach (var child in node.AllNodes)
        {
            if (!ReferenceEquals(child, node)) OverrideSources.AddOrUpdate(child, source);
        }
    }

    private static PipelineIssue Issue(string file, YamlNode node, string key, string message) =>
        OverrideSources.TryGetValue(node, out var source)
            ? new PipelineIssue(source, 0, 0, key, message)
            : new(file, (int)node.Start.Line, (int)node.Start.Column, key, message);

    private static string Describe(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(int) || t == typeof(long)) return "an integer";
        if (t == typeof(double)) return "a number";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(string)) return "a string";
        if (t.IsArray) return "a list";
        return "a mapping of keys";
    }

    private static string DescribeNode(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString(),
    };

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }
        return d[a.Length, b.Length];
    }
}
