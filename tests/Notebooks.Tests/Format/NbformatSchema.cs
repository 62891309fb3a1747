using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mmcs.Notebooks.Tests.Format;

/// <summary>
/// The required fields of the nbformat 4 JSON schema (nbformat.v4.5.schema.json), checked field by field:
/// what Jupyter and VS Code need to open a notebook.
/// </summary>
internal static class NbformatSchema
{
    /// <summary>Every violation found (empty when the notebook is valid).</summary>
    public static List<string> Violations(string json)
    {
        var errors = new List<string>();
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            return [$"not JSON: {e.Message}"];
        }
        if (node is not JsonObject root) return ["the root is not an object"];
        RequireOnly(root, "notebook", ["metadata", "nbformat_minor", "nbformat", "cells"], [], errors);
        if (Int(root["nbformat"]) != 4) errors.Add("nbformat must be 4");
        int minor = Int(root["nbformat_minor"]) ?? -1;
        if (minor < 0) errors.Add("nbformat_minor must be an integer >= 0");
        if (root["metadata"] is not JsonObject metadata) errors.Add("metadata must be an object");
        else if (metadata["kernelspec"] is JsonObject kernelspec)
        {
            if (kernelspec["name"] is null || kernelspec["display_name"] is null)
                errors.Add("metadata.kernelspec needs name and display_name");
        }
        if (root["cells"] is not JsonArray cells)
        {
            errors.Add("cells must be an array");
            return errors;
        }
        var ids = new HashSet<string>();
        for (int i = 0; i < cells.Count; i++)
        {
            string at = $"cells[{i}]";
            if (cells[i] is not JsonObject cell)
            {
                errors.Add($"{at} is not an object");
                continue;
            }
            if (minor >= 5)
            {
                var id = Str(cell["id"]);
                if (id is null || id.Length is < 1 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                    errors.Add($"{at}.id must match ^[a-zA-Z0-9-_]+$ (1-64 characters) in nbformat 4.5");
                else if (!ids.Add(id))
                    errors.Add($"{at}.id '{id}' is not unique");
            }
            if (cell["metadata"] is not JsonObject) errors.Add($"{at}.metadata must be an object");
            if (!IsMultiline(cell["source"])) errors.Add($"{at}.source must be a string or an array of strings");
            switch (Str(cell["cell_type"]))
            {
                case "code":
                    RequireOnly(cell, at, ["id", "cell_type", "metadata", "source", "outputs", "execution_count"], [], errors, minor);
                    if (!IsNullableInt(cell, "execution_count")) errors.Add($"{at}.execution_count must be an integer or null");
                    if (cell["outputs"] is not JsonArray outputs) errors.Add($"{at}.outputs must be an array");
                    else
                    {
                        for (int o = 0; o < outputs.Count; o++) CheckOutput(outputs[o], $"{at}.outputs[{o}]", errors);
                    }
                    break;
                case "markdown":
                    RequireOnly(cell, at, ["id", "cell_type", "metadata", "source"], ["attachments"], errors, minor);
                    break;
                case "raw":
                    RequireOnly(cell, at, ["id", "cell_type", "metadata", "source"], ["attachments"], errors, minor);
                    break;
                default:
                    errors.Add($"{at}.cell_type must be code, markdown or raw");
                    break;
            }
        }
        return errors;
    }

    private static void CheckOutput(JsonNode? node, string at, List<string> errors)
    {
        if (node is not JsonObject output)
        {
            errors.Add($"{at} is not an object");
            return;
        }
        switch (Str(output["output_type"]))
        {
            case "stream":
                RequireOnly(output, at, ["output_type", "name", "text"], [], errors);
                if (Str(output["name"]) is not ("stdout" or "stderr")) errors.Add($"{at}.name must be stdout or stderr");
                if (!IsMultiline(output["text"])) errors.Add($"{at}.text must be multiline text");
                break;
            case "display_data":
                RequireOnly(output, at, ["output_type", "data", "metadata"], ["transient"], errors);
                CheckMimeBundle(output["data"], at + ".data", errors);
                if (output["metadata"] is not JsonObject) errors.Add($"{at}.metadata must be an object");
                break;
            case "execute_result":
                RequireOnly(output, at, ["output_type", "execution_count", "data", "metadata"], [], errors);
                if (!IsNullableInt(output, "execution_count")) errors.Add($"{at}.execution_count must be an integer or null");
                CheckMimeBundle(output["data"], at + ".data", errors);
                if (output["metadata"] is not JsonObject) errors.Add($"{at}.metadata must be an object");
                break;
            case "error":
                RequireOnly(output, at, ["output_type", "ename", "evalue", "traceback"], [], errors);
                if (Str(output["ename"]) is null || Str(output["evalue"]) is null) errors.Add($"{at}.ename and evalue must be strings");
                if (output["traceback"] is not JsonArray tb || tb.Any(t => Str(t) is null))
                    errors.Add($"{at}.traceback must be an array of strings");
                break;
            default:
                errors.Add($"{at}.output_type must be stream, display_data, execute_result or error");
                break;
        }
    }

    private static void CheckMimeBundle(JsonNode? node, string at, List<string> errors)
    {
        if (node is not JsonObject bundle)
        {
            errors.Add($"{at} must be an object");
            return;
        }
        foreach (var (mime, value) in bundle)
        {
            if (!mime.Contains('/')) errors.Add($"{at}: '{mime}' is not a mime type");
            // Non-JSON mime types hold multiline strings (image/png: base64 text).
            if (!mime.EndsWith("json", StringComparison.Ordinal) && !IsMultiline(value))
                errors.Add($"{at}['{mime}'] must be a string or an array of strings");
        }
    }

    private static void RequireOnly(JsonObject obj, string at, string[] required, string[] optional, List<string> errors,
        int minor = 5)
    {
        foreach (var key in required)
        {
            if (key == "id" && minor < 5) continue;
            if (!obj.ContainsKey(key)) errors.Add($"{at} lacks required '{key}'");
        }
        foreach (var (key, _) in obj)
        {
            if (!required.Contains(key) && !optional.Contains(key)) errors.Add($"{at} has the unknown property '{key}'");
        }
    }

    private static bool IsMultiline(JsonNode? node) =>
        node is JsonArray a ? a.All(x => Str(x) is not null) : Str(node) is not null;

    private static bool IsNullableInt(JsonObject obj, string key) =>
        obj.ContainsKey(key) && (obj[key] is null || Int(obj[key]) is >= 0);

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static int? Int(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i) ? i : null;
}
