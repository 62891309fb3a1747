using System.Reflection;
using System.Text.RegularExpressions;
using Mmcs.Core;

namespace Mmcs.Notebooks.Execution;

/// <summary>A cell's code after its .NET Interactive directives were handled (line numbers unchanged).</summary>
/// <param name="Code">C# for Roslyn scripting: directive lines blanked or rewritten in place.</param>
/// <param name="Notes">What was done with the directives (shown on stderr of the cell).</param>
/// <param name="Timed">The cell asked for its wall time (<c>#!time</c>).</param>
internal sealed record PreparedCell(string Code, IReadOnlyList<string> Notes, bool Timed);

/// <summary>
/// The .NET Interactive (Polyglot) directives a C# cell may carry, handled the way a headless offline runner can:
/// <list type="bullet">
/// <item><c>#!csharp</c> / <c>#!c#</c>: removed; other kernels (<c>#!fsharp</c>, <c>#!pwsh</c>, …): rejected.</item>
/// <item><c>#r "nuget: Name, Version"</c>: accepted when the runner already ships the package's assembly,
/// otherwise rejected (no package restore offline).</item>
/// <item><c>#r "path.dll"</c>: the path is resolved against the notebook's folder and loaded; an assembly the
/// runner already references is not loaded twice.</item>
/// <item><c>#i</c> (package sources): ignored. <c>#!time</c>: the cell's wall time is printed.</item>
/// </list>
/// </summary>
internal static partial class CellDirectives
{
    private static readonly HashSet<string> CSharpKernels = new(StringComparer.OrdinalIgnoreCase) { "csharp", "c#", "cs" };

    private static readonly Dictionary<string, string> OtherKernels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["fsharp"] = "F#", ["f#"] = "F#", ["fs"] = "F#",
        ["pwsh"] = "PowerShell", ["powershell"] = "PowerShell",
        ["javascript"] = "JavaScript", ["js"] = "JavaScript",
        ["html"] = "HTML", ["markdown"] = "Markdown", ["md"] = "Markdown", ["mermaid"] = "Mermaid",
        ["sql"] = "SQL", ["kql"] = "KQL", ["python"] = "Python", ["r"] = "R", ["value"] = "value", ["http"] = "HTTP",
    };

    /// <summary>Is a cell's metadata kernel name C# (or absent)?</summary>
    public static bool IsCSharpKernel(string? kernel) => kernel is null || CSharpKernels.Contains(kernel);

    /// <summary>Display name of a kernel for messages.</summary>
    public static string KernelDisplayName(string kernel) => OtherKernels.TryGetValue(kernel, out var n) ? n : kernel;

    /// <summary>
    /// Handles the directives of one cell. Throws <see cref="NotebookException"/> naming the notebook, the cell
    /// and the line for a directive that cannot be honoured.
    /// </summary>
    public static PreparedCell Prepare(string source, int cellIndex, string notebookPath,
        IReadOnlyDictionary<string, AssemblyName> preReferenced)
    {
        var notebookDir = Path.GetDirectoryName(Path.GetFullPath(notebookPath)) ?? Directory.GetCurrentDirectory();
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var notes = new List<string>();
        bool timed = false;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            string where = $"notebook '{notebookPath}', cell {cellIndex}, line {i + 1}";
            if (line.StartsWith("#!", StringComparison.Ordinal))
            {
                var magic = line[2..].Split(' ', 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
                if (CSharpKernels.Contains(magic))
                {
                    lines[i] = "";
                }
                else if (OtherKernels.ContainsKey(magic))
                {
                    throw new NotebookException(ErrorCodes.InvalidParameterValue,
                        $"{where}: '#!{magic}' switches to the {KernelDisplayName(magic)} kernel; " +
                        "mmcs notebook run executes C# cells only");
                }
                else if (magic == "time")
                {
                    lines[i] = "";
                    timed = true;
                }
                else
                {
                    throw new NotebookException(ErrorCodes.InvalidParameterValue,
                        $"{where}: the magic command '#!{magic}' is not supported by mmcs notebook run " +
                        "(supported: #!csharp, #!time, #r, #i)");
                }
            }
            else if (line.StartsWith("#i ", StringComparison.Ordinal) || line == "#i")
            {
                lines[i] = "";
                notes.Add($"line {i + 1}: '#i' (package source) ignored: packages are not restored offline");
            }
            else if (line.StartsWith("#r", StringComparison.Ordinal) && (line.Length == 2 || char.IsWhiteSpace(line[2])))
            {
                var match = QuotedArgument().Match(line);
                if (!match.Success)
                    throw new NotebookException(ErrorCodes.InvalidParameterValue, $"{where}: '#r' needs a quoted argument: #r \"path.dll\"");
                var argument = match.Groups[1].Value;
                lines[i] = ResolveReference(argument, where, notebookDir, preReferenced, notes, i + 1);
            }
        }
        return new PreparedCell(string.Join('\n', lines), notes, timed);
    }

    private static string ResolveReference(string argument, string where, string notebookDir,
        IReadOnlyDictionary<string, AssemblyName> preReferenced, List<string> notes, int lineNumber)
    {
        if (argument.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase))
        {
            var spec = argument["nuget:".Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var package = spec.FirstOrDefault() ?? "";
            if (package.Length > 0 && preReferenced.TryGetValue(package, out var shipped))
            {
                var requested = spec.Length > 1 ? $" (version {spec[1]} requested)" : "";
                notes.Add($"line {lineNumber}: #r \"nuget:{package}\"{requested}: using the {package} " +
                          $"{shipped.Version} the runner ships");
                return "";
            }
            throw new NotebookException(ErrorCodes.MissingDependency,
                $"{where}: #r \"{argument}\": NuGet packages are not supported offline by mmcs notebook run; " +
                "use a package the runner ships (ScottPlot, MathNet.Numerics, Microsoft.ML, the Mmcs.* libraries, …) " +
                "or reference a built assembly with #r \"path/to/Assembly.dll\"");
        }
        var path = Path.GetFullPath(Path.IsPathRooted(argument) ? argument : Path.Combine(notebookDir, argument));
        if (!File.Exists(path))
        {
            // A bare assembly name the runner already references (#r "System.Net.Http") is fine as it is.
            if (!argument.Contains('/') && !argument.Contains('\\') &&
                preReferenced.ContainsKey(Path.GetFileNameWithoutExtension(argument.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? argument : argument + ".dll")))
            {
                notes.Add($"line {lineNumber}: #r \"{argument}\": already referenced by the runner");
                return "";
            }
            throw new NotebookException(ErrorCodes.ResourceDoesNotExist,
                $"{where}: #r \"{argument}\": the file '{path}' does not exist (relative paths are resolved against the notebook's folder)");
        }
        AssemblyName name;
        try
        {
            name = AssemblyName.GetAssemblyName(path);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException)
        {
            throw new NotebookException(ErrorCodes.InvalidParameterValue, $"{where}: #r \"{argument}\": '{path}' is not a .NET assembly", e);
        }
        if (name.Name != null && preReferenced.ContainsKey(name.Name))
        {
            notes.Add($"line {lineNumber}: #r \"{argument}\": {name.Name} is already referenced by the runner; not loaded twice");
            return "";
        }
        return "#r \"" + path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    [GeneratedRegex("^#r\\s+\"([^\"]*)\"\\s*$")]
    private static partial Regex QuotedArgument();
}
