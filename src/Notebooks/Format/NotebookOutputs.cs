using System.Text.Json.Nodes;

namespace Mmcs.Notebooks.Format;

/// <summary>Builders of the nbformat 4 output objects (stream, display_data, execute_result, error).</summary>
public static class NotebookOutputs
{
    /// <summary>A stream output: <paramref name="name"/> is "stdout" or "stderr".</summary>
    public static JsonObject Stream(string name, string text) => new()
    {
        ["name"] = name,
        ["output_type"] = "stream",
        ["text"] = NotebookDocument.MultilineText(text),
    };

    /// <summary>Rich display data (e.g. image/png as base64 with a text/plain fallback).</summary>
    public static JsonObject DisplayData(JsonObject data, JsonObject? metadata = null) => new()
    {
        ["data"] = data,
        ["metadata"] = metadata ?? new JsonObject(),
        ["output_type"] = "display_data",
    };

    /// <summary>The value of a cell's final expression.</summary>
    public static JsonObject ExecuteResult(int executionCount, JsonObject data) => new()
    {
        ["data"] = data,
        ["execution_count"] = executionCount,
        ["metadata"] = new JsonObject(),
        ["output_type"] = "execute_result",
    };

    /// <summary>An error output (what Jupyter shows as a red traceback).</summary>
    public static JsonObject Error(string name, string message, IEnumerable<string> traceback) => new()
    {
        ["ename"] = name,
        ["evalue"] = message,
        ["output_type"] = "error",
        ["traceback"] = new JsonArray(traceback.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
    };

    /// <summary>A mime bundle with text/plain only.</summary>
    public static JsonObject PlainText(string text) => new() { ["text/plain"] = NotebookDocument.MultilineText(text) };

    /// <summary>A mime bundle with a PNG (base64) and its text/plain description.</summary>
    public static JsonObject Png(byte[] png, string description) => new()
    {
        ["image/png"] = Convert.ToBase64String(png),
        ["text/plain"] = NotebookDocument.MultilineText(description),
    };
}
