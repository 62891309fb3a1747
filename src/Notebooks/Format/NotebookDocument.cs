using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mmcs.Core;

namespace Mmcs.Notebooks.Format;

/// <summary>
/// A Jupyter notebook (nbformat 4) held as its JSON tree, so that everything the runner does not touch (metadata
/// of other tools, attachments, unknown keys) is written back unchanged.
/// </summary>
public sealed class NotebookDocument
{
    private NotebookDocument(JsonObject root, string source)
    {
        Root = root;
        Source = source;
    }

    /// <summary>The whole JSON document.</summary>
    public JsonObject Root { get; }

    /// <summary>Where the notebook was read from (for error messages).</summary>
    public string Source { get; }

    /// <summary>The notebook's cells (the JSON objects of the <c>cells</c> array).</summary>
    public JsonArray Cells => (JsonArray)Root["cells"]!;

    /// <summary>The notebook's metadata object.</summary>
    public JsonObject Metadata => (JsonObject)Root["metadata"]!;

    /// <summary>Reads a notebook file; rejects anything that is not nbformat 4 with a message naming the file.</summary>
    public static NotebookDocument Load(string path)
    {
        if (!File.Exists(path))
            throw new NotebookException(ErrorCodes.ResourceDoesNotExist, $"notebook '{path}' does not exist");
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (IOException e)
        {
            throw new NotebookException(ErrorCodes.DataInvalid, $"notebook '{path}' cannot be read: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses notebook JSON text; <paramref name="source"/> names it in error messages.</summary>
    public static NotebookDocument Parse(string json, string source)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new NotebookException(ErrorCodes.DataInvalid,
                $"notebook '{source}' is not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        if (node is not JsonObject root)
            throw new NotebookException(ErrorCodes.DataInvalid, $"notebook '{source}' is not a JSON object");
        int major = ReadInt(root, "nbformat", source);
        if (major != 4)
            throw new NotebookException(ErrorCodes.DataInvalid,
                $"notebook '{source}' is nbformat {major}; only nbformat 4 is supported (convert it with 'jupyter nbconvert --to notebook')");
        if (root["cells"] is not JsonArray cells)
            throw new NotebookException(ErrorCodes.DataInvalid, $"notebook '{source}' has no 'cells' array");
        root["metadata"] ??= new JsonObject();
        if (root["nbformat_minor"] is null) root["nbformat_minor"] = 5;
        for (int i = 0; i < cells.Count; i++)
        {
            if (cells[i] is not JsonObject cell || cell["cell_type"]?.GetValueKind() != JsonValueKind.String)
                throw new NotebookException(ErrorCodes.DataInvalid, $"notebook '{source}': cell {i} has no cell_type");
            cell["metadata"] ??= new JsonObject();
            cell["source"] ??= "";
        }
        return new NotebookDocument(root, source);
    }

    /// <summary>Creates an empty notebook for the C# kernel of .NET Interactive (Polyglot Notebooks);
    /// <paramref name="path"/> is where it will live (relative #r paths and the output file name derive from it).</summary>
    public static NotebookDocument CreateCSharp(string path = "notebook.ipynb")
    {
        var root = new JsonObject
        {
            ["cells"] = new JsonArray(),
            ["metadata"] = CSharpNotebookMetadata(),
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        return new NotebookDocument(root, path);
    }

    /// <summary>The notebook metadata VS Code's Polyglot Notebooks and Jupyter's .NET kernel write.</summary>
    public static JsonObject CSharpNotebookMetadata() => new()
    {
        ["kernelspec"] = new JsonObject
        {
            ["display_name"] = ".NET (C#)",
            ["language"] = "C#",
            ["name"] = ".net-csharp",
        },
        ["language_info"] = new JsonObject
        {
            ["file_extension"] = ".cs",
            ["mimetype"] = "text/x-csharp",
            ["name"] = "C#",
            ["pygments_lexer"] = "csharp",
            ["version"] = "13.0",
        },
        ["polyglot_notebook"] = new JsonObject
        {
            ["kernelInfo"] = new JsonObject
            {
                ["defaultKernelName"] = "csharp",
                ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
            },
        },
    };

    /// <summary>Appends a markdown cell.</summary>
    public JsonObject AddMarkdown(string text)
    {
        var cell = new JsonObject
        {
            ["cell_type"] = "markdown",
            ["id"] = NewCellId(),
            ["metadata"] = new JsonObject(),
            ["source"] = MultilineText(text),
        };
        Cells.Add(cell);
        return cell;
    }

    /// <summary>Appends a C# code cell (optionally tagged, e.g. "parameters").</summary>
    public JsonObject AddCode(string code, params string[] tags)
    {
        var cell = NewCodeCell(code, tags);
        Cells.Add(cell);
        return cell;
    }

    /// <summary>A C# code cell with the metadata Polyglot Notebooks writes, no outputs, not executed.</summary>
    public static JsonObject NewCodeCell(string code, params string[] tags)
    {
        var metadata = new JsonObject
        {
            ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
            ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
        };
        if (tags.Length > 0) metadata["tags"] = new JsonArray(tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());
        return new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["id"] = NewCellId(),
            ["metadata"] = metadata,
            ["outputs"] = new JsonArray(),
            ["source"] = MultilineText(code),
        };
    }

    /// <summary>The text of a cell's source (nbformat allows a string or an array of lines).</summary>
    public static string SourceOf(JsonObject cell) => JoinMultiline(cell["source"]);

    /// <summary>The cell's type: "code", "markdown" or "raw".</summary>
    public static string CellType(JsonObject cell) => cell["cell_type"]!.GetValue<string>();

    /// <summary>The cell's tags (metadata.tags), empty when there are none.</summary>
    public static IReadOnlyList<string> TagsOf(JsonObject cell)
    {
        if (cell["metadata"] is JsonObject md && md["tags"] is JsonArray tags)
            return tags.Where(t => t?.GetValueKind() == JsonValueKind.String).Select(t => t!.GetValue<string>()).ToList();
        return [];
    }

    /// <summary>The kernel a cell is written for (Polyglot metadata), or null when it does not say.</summary>
    public static string? KernelOf(JsonObject cell)
    {
        if (cell["metadata"] is not JsonObject md) return null;
        if (md["polyglot_notebook"] is JsonObject pn && pn["kernelName"]?.GetValueKind() == JsonValueKind.String)
            return pn["kernelName"]!.GetValue<string>();
        if (md["dotnet_interactive"] is JsonObject di && di["language"]?.GetValueKind() == JsonValueKind.String)
            return di["language"]!.GetValue<string>();
        return null;
    }

    /// <summary>Joins nbformat multiline text (string or array of strings).</summary>
    public static string JoinMultiline(JsonNode? node) => node switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => "",
    };

    /// <summary>Splits text into the array-of-lines form Jupyter writes (each line keeps its "\n").</summary>
    public static JsonArray MultilineText(string text)
    {
        var array = new JsonArray();
        int start = 0;
        while (start < text.Length)
        {
            int nl = text.IndexOf('\n', start);
            int end = nl < 0 ? text.Length : nl + 1;
            array.Add(text[start..end]);
            start = end;
        }
        return array;
    }

    /// <summary>A fresh cell id (nbformat 4.5: 1-64 characters of [a-zA-Z0-9-_]).</summary>
    public static string NewCellId() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// Makes the document valid nbformat 4.5: every cell gets an id (unique), code cells get outputs and
    /// execution_count. Called before writing.
    /// </summary>
    public void Normalise()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (Root["nbformat_minor"] is JsonValue minor && minor.GetValue<int>() < 5) Root["nbformat_minor"] = 5;
        foreach (var node in Cells)
        {
            var cell = (JsonObject)node!;
            string? id = cell["id"]?.GetValueKind() == JsonValueKind.String ? cell["id"]!.GetValue<string>() : null;
            if (id is null || !IsValidId(id) || !seen.Add(id))
            {
                do id = NewCellId();
                while (!seen.Add(id));
                cell["id"] = id;
            }
            if (CellType(cell) == "code")
            {
                cell["outputs"] ??= new JsonArray();
                if (!cell.ContainsKey("execution_count")) cell["execution_count"] = null;
            }
        }
    }

    private static bool IsValidId(string id) =>
        id.Length is >= 1 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The notebook as JSON text, indented with one space like Jupyter writes it.</summary>
    public string ToJson()
    {
        Normalise();
        var options = new JsonSerializerOptions
        {
            WriteIndented = true,
            IndentSize = 1,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        return Root.ToJsonString(options) + "\n";
    }

    /// <summary>Writes the notebook atomically (temp file + rename).</summary>
    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllText(temp, ToJson(), new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>An independent copy.</summary>
    public NotebookDocument Clone() => new((JsonObject)Root.DeepClone(), Source);

    private static int ReadInt(JsonObject root, string key, string source)
    {
        if (root[key] is JsonValue v && v.TryGetValue<int>(out var i)) return i;
        if (root[key] is JsonValue d && d.TryGetValue<double>(out var x) && x == Math.Floor(x)) return (int)x;
        throw new NotebookException(ErrorCodes.DataInvalid, $"notebook '{source}' has no integer '{key}'");
    }
}
