namespace Mmcs.Registry;

/// <summary>Parsing of MLflow model URIs: <c>runs:/&lt;id&gt;/&lt;path&gt;</c>, <c>models:/&lt;name&gt;/&lt;version|stage|latest&gt;</c>, <c>models:/&lt;name&gt;@&lt;alias&gt;</c>.</summary>
public static class ModelUris
{
    /// <summary>Splits <c>runs:/&lt;run_id&gt;/&lt;path&gt;</c> (path may be empty).</summary>
    public static (string RunId, string Path) ParseRunsUri(string uri)
    {
        if (!uri.StartsWith("runs:", StringComparison.OrdinalIgnoreCase))
            throw MlflowException.Invalid($"'{uri}' is not a runs:/ URI.");
        string rest = uri[5..].TrimStart('/');
        int slash = rest.IndexOf('/');
        string runId = slash < 0 ? rest : rest[..slash];
        string path = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (runId.Length == 0)
            throw MlflowException.Invalid($"Invalid runs URI '{uri}': expected runs:/<run_id>/<path>.");
        Validation.RunId(runId);
        return (runId, path);
    }

    /// <summary>The parts of a models:/ URI: name plus exactly one of version, stage, alias ("latest" is a stage-less latest version).</summary>
    public sealed record ModelsUri(string Name, string? Version, string? Stage, string? Alias, bool Latest, string SubPath);

    public static ModelsUri ParseModelsUri(string uri)
    {
        if (!uri.StartsWith("models:", StringComparison.OrdinalIgnoreCase))
            throw MlflowException.Invalid($"'{uri}' is not a models:/ URI.");
        string rest = uri[7..].TrimStart('/');
        if (rest.Length == 0)
            throw MlflowException.Invalid($"Invalid models URI '{uri}': expected models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/<stage>.");
        int at = rest.IndexOf('@');
        int firstSlash = rest.IndexOf('/');
        if (at > 0 && (firstSlash < 0 || at < firstSlash))
        {
            string name = rest[..at];
            string aliasAndPath = rest[(at + 1)..];
            int s = aliasAndPath.IndexOf('/');
            string alias = s < 0 ? aliasAndPath : aliasAndPath[..s];
            if (alias.Length == 0) throw MlflowException.Invalid($"Invalid models URI '{uri}': the alias after '@' is empty.");
            return new ModelsUri(name, null, null, alias, false, s < 0 ? "" : aliasAndPath[(s + 1)..].Trim('/'));
        }
        if (firstSlash <= 0)
            throw MlflowException.Invalid($"Invalid models URI '{uri}': expected models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/<stage>.");
        string modelName = rest[..firstSlash];
        string tail = rest[(firstSlash + 1)..];
        int s2 = tail.IndexOf('/');
        string selector = s2 < 0 ? tail : tail[..s2];
        string sub = s2 < 0 ? "" : tail[(s2 + 1)..].Trim('/');
        if (selector.Length == 0)
            throw MlflowException.Invalid($"Invalid models URI '{uri}': missing version, stage or alias after the model name.");
        if (selector.All(char.IsAsciiDigit)) return new ModelsUri(modelName, selector.TrimStart('0') is { Length: > 0 } v ? v : "0", null, null, false, sub);
        if (selector.Equals("latest", StringComparison.OrdinalIgnoreCase)) return new ModelsUri(modelName, null, null, null, true, sub);
        string? stage = ModelStages.Canonical(selector);
        if (stage == null)
            throw MlflowException.Invalid(
                $"Invalid models URI '{uri}': '{selector}' is not a version number, 'latest', or a stage ({string.Join(", ", ModelStages.All)}). Use models:/{modelName}@{selector} for an alias.");
        return new ModelsUri(modelName, null, stage, null, false, sub);
    }
}
