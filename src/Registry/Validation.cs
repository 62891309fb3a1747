using System.Text.RegularExpressions;

namespace Mmcs.Registry;

/// <summary>MLflow's validation rules for keys, values, ids and names (mlflow/utils/validation.py).</summary>
public static partial class Validation
{
    public const int MaxEntityKeyLength = 250;
    public const int MaxParamValueLength = 6000;
    public const int MaxTagValueLength = 8000;
    public const int MaxExperimentTagValueLength = 5000;
    public const int MaxMetricsPerBatch = 1000;
    public const int MaxParamsPerBatch = 100;
    public const int MaxTagsPerBatch = 100;
    public const int MaxEntitiesPerBatch = 1000;

    [GeneratedRegex(@"^[/\w.\- ]*$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,255}$")]
    private static partial Regex RunIdPattern();

    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,63}$")]
    private static partial Regex ExperimentIdPattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_\-]{1,255}$")]
    private static partial Regex AliasPattern();

    /// <summary>Checks a metric, param or tag key: <c>^[/\w.\- ]*$</c>, at most 250 characters, and a path that names itself.</summary>
    public static void Key(string kind, string? key)
    {
        if (key is null) throw MlflowException.Invalid($"Missing value for required parameter '{kind} key'.");
        if (!KeyPattern().IsMatch(key))
            throw MlflowException.Invalid(
                $"Invalid {kind} name: '{key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).");
        if (PathNotUnique(key))
            throw MlflowException.Invalid(
                $"Invalid {kind} name: '{key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '{NormalizePosix(key)}'");
        if (key.Length > MaxEntityKeyLength)
            throw MlflowException.Invalid($"{Capital(kind)} key '{key[..40]}...' had length {key.Length}, which exceeded length limit of {MaxEntityKeyLength}");
    }

    public static void ParamValue(string key, string? value)
    {
        if (value is null) throw MlflowException.Invalid($"Param '{key}' has no value (null).");
        if (value.Length > MaxParamValueLength)
            throw MlflowException.Invalid(
                $"Param value '{value[..Math.Min(value.Length, 100)]}...' had length {value.Length}, which exceeded length limit of {MaxParamValueLength}");
    }

    public static void TagValue(string key, string? value, int limit = MaxTagValueLength)
    {
        if (value is null) throw MlflowException.Invalid($"Tag '{key}' has no value (null).");
        if (value.Length > limit)
            throw MlflowException.Invalid(
                $"Tag value '{value[..Math.Min(value.Length, 100)]}...' had length {value.Length}, which exceeded length limit of {limit}");
    }

    public static void RunId(string? runId)
    {
        if (runId is null || !RunIdPattern().IsMatch(runId))
            throw MlflowException.Invalid($"Invalid run ID: '{runId}'");
    }

    public static void ExperimentId(string? experimentId)
    {
        if (experimentId is null || !ExperimentIdPattern().IsMatch(experimentId))
            throw MlflowException.Invalid($"Invalid experiment ID: '{experimentId}'");
    }

    public static void ExperimentName(string? name)
    {
        if (string.IsNullOrEmpty(name)) throw MlflowException.Invalid("Invalid experiment name: ''. Experiment name must be a non-empty string.");
    }

    /// <summary>A registered model name: non-empty, and usable as a folder name (no '/', '\', ':', leading '.', or control characters).</summary>
    public static void ModelName(string? name)
    {
        if (string.IsNullOrEmpty(name)) throw MlflowException.Invalid("Registered model name cannot be empty.");
        if (name.IndexOfAny(['/', '\\', ':', '%']) >= 0 || name.StartsWith('.') || name.Any(char.IsControl) || name.Trim() != name)
            throw MlflowException.Invalid($"Invalid registered model name: '{name}'. Names may not contain '/', '\\', ':', '%', control characters, leading '.' or surrounding spaces.");
    }

    public static void Alias(string? alias)
    {
        if (alias is null || !AliasPattern().IsMatch(alias))
            throw MlflowException.Invalid($"Invalid alias name: '{alias}'. Aliases may only contain alphanumerics, underscores and dashes (at most 255 characters).");
        if (alias.Equals("latest", StringComparison.OrdinalIgnoreCase))
            throw MlflowException.Invalid("'latest' alias name (case insensitive) is reserved.");
        if (alias.Length > 1 && (alias[0] == 'v' || alias[0] == 'V') && alias[1..].All(char.IsAsciiDigit))
            throw MlflowException.Invalid($"Version alias name '{alias}' is reserved.");
    }

    public static string Stage(string? stage)
    {
        var canonical = stage is null ? null : ModelStages.Canonical(stage);
        return canonical ?? throw MlflowException.Invalid(
            $"Invalid Model Version stage: {stage}. Value must be one of {string.Join(", ", ModelStages.All)}.");
    }

    public static void Version(string? version)
    {
        if (version is null || !long.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v) || v < 1)
            throw MlflowException.Invalid($"Model version must be a positive integer, got '{version}'.");
    }

    internal static bool PathNotUnique(string name)
    {
        string norm = NormalizePosix(name);
        return norm != name || norm == "." || norm.StartsWith("..", StringComparison.Ordinal) || norm.StartsWith('/');
    }

    /// <summary>Python's posixpath.normpath.</summary>
    internal static string NormalizePosix(string path)
    {
        if (path.Length == 0) return ".";
        int initialSlashes = path.StartsWith('/') ? (path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("///", StringComparison.Ordinal) ? 2 : 1) : 0;
        var parts = new List<string>();
        foreach (var comp in path.Split('/'))
        {
            if (comp.Length == 0 || comp == ".") continue;
            if (comp != ".." || (initialSlashes == 0 && parts.Count == 0) || (parts.Count > 0 && parts[^1] == ".."))
                parts.Add(comp);
            else if (parts.Count > 0)
                parts.RemoveAt(parts.Count - 1);
        }
        string result = new string('/', initialSlashes) + string.Join('/', parts);
        return result.Length == 0 ? "." : result;
    }

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
