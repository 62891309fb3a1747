using System.Text.Json.Nodes;
using Mmcs.Notebooks.Format;

namespace Mmcs.Notebooks.Execution;

/// <summary>
/// The outputs of the cell being executed. It flows with the execution context (AsyncLocal), so console writes
/// and display calls made by cell code, including from tasks it starts, land in that cell, while concurrent
/// notebook runs in one process stay apart.
/// </summary>
internal sealed class CellContext
{
    private static readonly AsyncLocal<CellContext?> CurrentCell = new();
    private readonly List<JsonObject> _outputs = new();
    private readonly object _gate = new();

    public CellContext(int index, string outputDirectory, string notebookDirectory)
    {
        Index = index;
        OutputDirectory = outputDirectory;
        NotebookDirectory = notebookDirectory;
    }

    /// <summary>The cell whose code is running on this execution context, or null outside notebook code.</summary>
    public static CellContext? Current
    {
        get => CurrentCell.Value;
        set => CurrentCell.Value = value;
    }

    public int Index { get; }

    public string OutputDirectory { get; }

    public string NotebookDirectory { get; }

    /// <summary>How many image outputs the cell produced.</summary>
    public int ImageCount { get; private set; }

    /// <summary>Appends console text; consecutive writes to one stream merge into one stream output.</summary>
    public void AppendStream(string name, string text)
    {
        if (text.Length == 0) return;
        lock (_gate)
        {
            if (_outputs.Count > 0 && _outputs[^1]["output_type"]?.GetValue<string>() == "stream"
                && _outputs[^1]["name"]?.GetValue<string>() == name)
            {
                var last = _outputs[^1];
                var merged = NotebookDocument.JoinMultiline(last["text"]) + text;
                last["text"] = NotebookDocument.MultilineText(merged);
            }
            else
            {
                _outputs.Add(NotebookOutputs.Stream(name, text));
            }
        }
    }

    /// <summary>Adds a display_data or execute_result output.</summary>
    public void Add(JsonObject output)
    {
        lock (_gate)
        {
            _outputs.Add(output);
            if (output["data"] is JsonObject data && data.ContainsKey("image/png")) ImageCount++;
        }
    }

    /// <summary>A snapshot of the outputs so far, in order.</summary>
    public List<JsonObject> Outputs()
    {
        lock (_gate)
        {
            return _outputs.ToList();
        }
    }
}
