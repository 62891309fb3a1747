using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Core;
using Mmcs.Notebooks;
using Mmcs.Notebooks.Execution;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs notebook run`: executes .NET Interactive C# notebooks headless (like papermill).</summary>
internal static class NotebookCommand
{
    public static Command Create()
    {
        var notebooks = new Argument<string[]>("notebooks")
        {
            Description = "Notebook files (.ipynb), or folders of them, to run, each in its own session, in order.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out")
        {
            Description = "Folder the executed notebooks (same file names) and the files they save go to.",
            DefaultValueFactory = _ => Path.Combine("artifacts", "notebooks"),
        };
        var parameters = new Option<string[]>("--param")
        {
            Description = "name=value: overrides a variable of the notebook's cell tagged \"parameters\" " +
                          "(typed like its default: string, number or bool). Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var cellTimeout = new Option<double?>("--cell-timeout")
        {
            Description = "Fail a cell that runs longer than this many seconds (for unattended runs).",
        };
        var json = CommonOptions.Json();
        var run = new Command("run", "Execute the C# cells of notebooks in order, stopping a notebook at its first " +
                                     "failing cell; write the executed notebooks with their outputs.")
        {
            notebooks, output, parameters, cellTimeout, json,
        };
        run.SetAction(async (parse, ct) =>
        {
            var values = ParseParameters(parse.GetValue(parameters) ?? []);
            var outDir = parse.GetValue(output)!;
            bool asJson = parse.GetValue(json);
            var timeout = parse.GetValue(cellTimeout) is { } seconds
                ? seconds > 0 ? TimeSpan.FromSeconds(seconds)
                    : throw new NotebookException(ErrorCodes.InvalidParameterValue, $"--cell-timeout must be positive, got {seconds}")
                : (TimeSpan?)null;
            if (File.Exists(outDir))
                throw new NotebookException(ErrorCodes.InvalidParameterValue, $"--out {outDir} is a file; it names the folder for the executed notebooks");
            var options = new NotebookRunOptions { OutputDirectory = outDir, Parameters = values, CellTimeout = timeout };
            var results = new List<NotebookRunResult>();
            var unreadable = new List<(string Path, string Message)>();
            foreach (var path in ExpandNotebooks(parse.GetValue(notebooks)!))
            {
                NotebookRunResult result;
                try
                {
                    result = await CliConsole.WithProgressAsync(asJson,
                        progress => NotebookRunner.RunAsync(path, options, progress, ct));
                }
                catch (MmcsException e) when (!ct.IsCancellationRequested)
                {
                    // a notebook that cannot be read fails alone: the others of the batch still run
                    unreadable.Add((path, e.Message));
                    if (!asJson) CliConsole.Error(e.Message);
                    continue;
                }
                results.Add(result);
                if (!asJson) Report(result);
            }
            if (asJson)
            {
                CliConsole.WriteJson(unreadable.Select(u => (object)new
                {
                    notebook = u.Path,
                    output = (string?)null,
                    succeeded = false,
                    seconds = 0.0,
                    failure = u.Message,
                    warnings = Array.Empty<string>(),
                    cells = Array.Empty<object>(),
                }).Concat(results.Select(r => new
                {
                    notebook = r.NotebookPath,
                    output = r.OutputPath,
                    succeeded = r.Succeeded,
                    seconds = Math.Round(r.Elapsed.TotalSeconds, 2),
                    failure = r.FailureSummary,
                    warnings = r.Warnings,
                    cells = r.Cells.Where(c => c.CellType == "code").Select(c => new
                    {
                        index = c.Index,
                        status = c.Status.ToString().ToLowerInvariant(),
                        execution_count = c.ExecutionCount,
                        seconds = Math.Round(c.Duration.TotalSeconds, 3),
                        images = c.ImageCount,
                        error = c.Error?.Message,
                        line = c.Error?.Line,
                    }),
                })));
            }
            return unreadable.Count > 0 ? 2 : results.All(r => r.Succeeded) ? 0 : 1;
        });
        return new Command("notebook", "Run notebooks (.NET Interactive / Polyglot C# notebooks) headless.") { run };
    }

    /// <summary>Files as given; a folder stands for its .ipynb files in name order.</summary>
    internal static IEnumerable<string> ExpandNotebooks(IEnumerable<string> arguments)
    {
        foreach (var argument in arguments)
        {
            if (Directory.Exists(argument))
            {
                var found = Directory.GetFiles(argument, "*.ipynb").Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                    throw new NotebookException(ErrorCodes.ResourceDoesNotExist, $"folder '{argument}' has no .ipynb notebook");
                foreach (var file in found) yield return file;
            }
            else
            {
                yield return argument;
            }
        }
    }

    /// <summary>Parses name=value pairs; a later value of the same name wins.</summary>
    internal static Dictionary<string, string> ParseParameters(IEnumerable<string> pairs)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new NotebookException(ErrorCodes.InvalidParameterValue, $"--param '{pair}' is not name=value");
            values[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return values;
    }

    private static void Report(NotebookRunResult result)
    {
        foreach (var warning in result.Warnings) Console.Error.WriteLine($"warning: {warning}");
        int code = result.Cells.Count(c => c.CellType == "code");
        int ran = result.Cells.Count(c => c.Status is CellStatus.Succeeded or CellStatus.Failed);
        int images = result.Cells.Sum(c => c.ImageCount);
        if (result.Succeeded)
        {
            CliConsole.Info($"{result.NotebookPath}: {ran}/{code} code cells ran, {images} images, " +
                            $"{result.Elapsed.TotalSeconds.ToString("F1", Invariant.Culture)} s -> {result.OutputPath}");
            return;
        }
        CliConsole.Error(result.FailureSummary!);
        var error = result.FailedCell!.Error!;
        foreach (var d in error.Diagnostics.Skip(1)) Console.Error.WriteLine($"  {d}");
        if (error.Kind == CellErrorKind.Runtime && error.StackTrace != null)
        {
            foreach (var line in error.StackTrace.Split('\n').Skip(1).Where(l => !l.TrimStart().StartsWith("---", StringComparison.Ordinal)).Take(8))
                Console.Error.WriteLine($"  {line.Trim()}");
        }
        Console.Error.WriteLine($"  executed notebook with the error: {result.OutputPath}");
    }
}
