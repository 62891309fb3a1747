using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Mmcs.Core;
using Mmcs.Notebooks.Format;

namespace Mmcs.Notebooks.Execution;

/// <summary>How to run a notebook.</summary>
public sealed record NotebookRunOptions
{
    /// <summary>Where the executed notebook (same file name) and the files its cells save are written.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Papermill-style parameter overrides (name → value as text, typed like the notebook's defaults).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Write the executed notebook into <see cref="OutputDirectory"/> (also when a cell fails).</summary>
    public bool WriteNotebook { get; init; } = true;

    /// <summary>A cell running longer than this fails with a time-out (its code cannot be stopped and is abandoned,
    /// so this is for headless runs that must end: CI, schedules). Null: no limit.</summary>
    public TimeSpan? CellTimeout { get; init; }
}

/// <summary>
/// Runs the C# cells of a .NET Interactive (Polyglot) notebook headless, as the .NET kernel would: one Roslyn
/// scripting session, each cell a submission continuing the previous one's state, in order, stopping at the first
/// failing cell. Console output, displayed values and the final expression's value become the cells' outputs, and
/// the executed notebook is written as nbformat 4.5.
/// </summary>
public static partial class NotebookRunner
{
    /// <summary>Runs <paramref name="notebookPath"/> and writes the executed copy under the same name into
    /// <paramref name="outputDirectory"/>.</summary>
    public static Task<NotebookRunResult> RunAsync(string notebookPath, string outputDirectory,
        IReadOnlyDictionary<string, string>? parameters = null, IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(NotebookDocument.Load(notebookPath), new NotebookRunOptions
        {
            OutputDirectory = outputDirectory,
            Parameters = parameters ?? new Dictionary<string, string>(),
        }, progress, cancellationToken);

    /// <summary>Runs the notebook file <paramref name="notebookPath"/> with <paramref name="options"/>.</summary>
    public static Task<NotebookRunResult> RunAsync(string notebookPath, NotebookRunOptions options,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(NotebookDocument.Load(notebookPath), options, progress, cancellationToken);

    /// <summary>Runs a notebook already in memory (its <see cref="NotebookDocument.Source"/> names the output file).</summary>
    public static async Task<NotebookRunResult> RunAsync(NotebookDocument notebook, NotebookRunOptions options,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notebook);
        ArgumentNullException.ThrowIfNull(options);
        progress ??= Progress.None;
        var clock = Stopwatch.StartNew();
        var document = notebook.Clone();
        CheckKernel(document);
        var warnings = NotebookParameters.Inject(document, options.Parameters).ToList();
        var outputDirectory = Path.GetFullPath(options.OutputDirectory);
        Directory.CreateDirectory(outputDirectory);
        var name = Path.GetFileName(document.Source);
        if (string.IsNullOrEmpty(name)) name = "notebook.ipynb";
        string? outputPath = options.WriteNotebook ? Path.Combine(outputDirectory, name) : null;

        // Handle every cell's directives before running anything: a notebook that cannot run fails fast.
        var cells = document.Cells.Select(c => (JsonObject)c!).ToList();
        var prepared = new PreparedCell?[cells.Count];
        for (int i = 0; i < cells.Count; i++)
        {
            if (NotebookDocument.CellType(cells[i]) != "code") continue;
            var kernel = NotebookDocument.KernelOf(cells[i]);
            if (!CellDirectives.IsCSharpKernel(kernel))
                throw new NotebookException(ErrorCodes.InvalidParameterValue,
                    $"notebook '{document.Source}', cell {i} is a {CellDirectives.KernelDisplayName(kernel!)} cell; " +
                    "mmcs notebook run executes C# cells only");
            prepared[i] = CellDirectives.Prepare(NotebookDocument.SourceOf(cells[i]), i, document.Source, ScriptEnvironment.ByName);
        }

        ConsoleCapture.EnsureInstalled();
        var globals = new NotebookGlobals(document.Source, outputDirectory, cancellationToken, progress);
        var baseOptions = ScriptOptions.Default
            .WithReferences(ScriptEnvironment.References)
            .WithImports(ScriptEnvironment.DefaultImports)
            .WithLanguageVersion(LanguageVersion.Latest)
            .WithEmitDebugInformation(true)
            .WithFileEncoding(Encoding.UTF8)
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(globals.NotebookDirectory))
            .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(globals.NotebookDirectory));

        int codeCells = prepared.Count(p => p != null);
        int done = 0;
        int executionCount = 0;
        bool failed = false;
        ScriptState<object>? state = null;
        var results = new List<CellResult>();
        string task = $"notebook {name}";
        progress.Report(new ProgressUpdate(task, 0, codeCells));
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            var tags = NotebookDocument.TagsOf(cell);
            if (prepared[i] is not { } code)
            {
                results.Add(new CellResult(i, NotebookDocument.CellType(cell), CellStatus.Skipped, null, TimeSpan.Zero, 0, "", null, tags));
                continue;
            }
            if (failed)
            {
                cell["outputs"] = new JsonArray();
                cell["execution_count"] = null;
                results.Add(new CellResult(i, "code", CellStatus.NotRun, null, TimeSpan.Zero, 0, "", null, tags));
                continue;
            }
            cancellationToken.ThrowIfCancellationRequested();
            executionCount++;
            var outcome = await RunCellAsync(i, code, executionCount, state, baseOptions, globals, options.CellTimeout, cancellationToken);
            state = outcome.State ?? state;
            var outputs = outcome.Context.Outputs();
            if (outcome.Error is { } error) outputs.Add(ErrorOutput(error));
            cell["outputs"] = new JsonArray(outputs.Select(o => (JsonNode?)o).ToArray());
            cell["execution_count"] = executionCount;
            var stdout = string.Concat(outputs.Where(o => o["output_type"]?.GetValue<string>() == "stream"
                                                            && o["name"]?.GetValue<string>() == "stdout")
                .Select(o => NotebookDocument.JoinMultiline(o["text"])));
            results.Add(new CellResult(i, "code", outcome.Error is null ? CellStatus.Succeeded : CellStatus.Failed,
                executionCount, outcome.Duration, outcome.Context.ImageCount, stdout, outcome.Error, tags));
            failed = outcome.Error is not null;
            progress.Report(new ProgressUpdate(task, ++done, codeCells,
                failed ? $"cell {i} failed" : $"cell {i} ({outcome.Duration.TotalSeconds:F1} s)"));
        }
        if (outputPath != null) document.Save(outputPath);
        var result = new NotebookRunResult(document.Source, outputPath, results, warnings, clock.Elapsed);
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    private sealed record CellOutcome(ScriptState<object>? State, CellContext Context, CellError? Error, TimeSpan Duration);

    private static async Task<CellOutcome> RunCellAsync(int index, PreparedCell code, int executionCount,
        ScriptState<object>? previous, ScriptOptions baseOptions, NotebookGlobals globals, TimeSpan? timeout,
        CancellationToken ct)
    {
        var context = new CellContext(index, globals.OutputDirectory, globals.NotebookDirectory);
        var clock = Stopwatch.StartNew();
        var saved = CellContext.Current;
        CellContext.Current = context;
        try
        {
            foreach (var note in code.Notes) context.AppendStream("stderr", note + "\n");
            if (string.IsNullOrWhiteSpace(code.Code))
                return new CellOutcome(previous, context, null, clock.Elapsed);

            var options = baseOptions.WithFilePath(CellFileName(index));
            Script<object> script = previous is null
                ? CSharpScript.Create(code.Code, options, typeof(NotebookGlobals))
                : previous.Script.ContinueWith(code.Code, options);
            var diagnostics = script.Compile(ct);
            var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
                return new CellOutcome(null, context, CompilationError(errors), clock.Elapsed);
            bool hasResult = EndsWithExpression(script.GetCompilation());

            ScriptState<object> state;
            try
            {
                // on a worker thread: a cell that computes (or sleeps) without awaiting would otherwise run to its end
                // before the time limit is looked at; past the limit it is abandoned (it cannot be stopped, only left:
                // worker threads end with the process)
                var runToken = globals.CancellationToken;
                var cellCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                globals.CancellationToken = cellCts.Token; // cancelled at the time limit: a cell that passes it on stops
                var run = Task.Run(() => previous is null
                    ? script.RunAsync(globals, _ => true, cellCts.Token)
                    : script.RunFromAsync(previous, _ => true, cellCts.Token), cellCts.Token);
                try
                {
                    state = timeout is { } limit ? await run.WaitAsync(limit, ct) : await run.WaitAsync(ct);
                }
                catch (TimeoutException)
                {
                    cellCts.Cancel(); // not disposed: the abandoned cell may still read its token
                    throw;
                }
                finally
                {
                    globals.CancellationToken = runToken;
                }
                cellCts.Dispose();
            }
            catch (TimeoutException)
            {
                return new CellOutcome(null, context, new CellError(CellErrorKind.Timeout,
                    $"the cell ran longer than {timeout!.Value.TotalSeconds.ToString("0.###", Invariant.Culture)} s and was abandoned",
                    [], null, null, null), clock.Elapsed);
            }
            catch (CompilationErrorException e)
            {
                return new CellOutcome(null, context, CompilationError(e.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList()), clock.Elapsed);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return new CellOutcome(null, context,
                    new CellError(CellErrorKind.Cancelled, "cancelled", [], null, null, null), clock.Elapsed);
            }
            if (state.Exception is { } exception)
                return new CellOutcome(state, context, RuntimeError(exception, index, globals.NotebookDirectory, ct), clock.Elapsed);
            if (hasResult)
                context.Add(NotebookOutputs.ExecuteResult(executionCount, Display.MimeBundle(state.ReturnValue)));
            if (code.Timed)
                context.AppendStream("stdout", $"Wall time: {clock.Elapsed.TotalMilliseconds:F0} ms\n");
            return new CellOutcome(state, context, null, clock.Elapsed);
        }
        finally
        {
            CellContext.Current = saved;
        }
    }

    /// <summary>
    /// Does the submission end with an expression that has a value (no semicolon, not void), as Jupyter shows it?
    /// </summary>
    private static bool EndsWithExpression(Compilation compilation)
    {
        var tree = compilation.SyntaxTrees.LastOrDefault();
        if (tree?.GetRoot() is not Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax root) return false;
        if (root.Members.LastOrDefault() is not Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax
            {
                Statement: Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionStatementSyntax statement,
            } || !statement.SemicolonToken.IsMissing)
            return false;
        var type = compilation.GetSemanticModel(tree).GetTypeInfo(statement.Expression).Type;
        return type is not null && type.SpecialType != SpecialType.System_Void;
    }

    /// <summary>The file name a cell's code carries in stack traces and diagnostics.</summary>
    internal static string CellFileName(int index) => $"cell[{index}]";

    private static CellError CompilationError(IReadOnlyList<Diagnostic> errors)
    {
        var diagnostics = errors.Select(d =>
        {
            var span = d.Location.GetLineSpan();
            return new CellDiagnostic(span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1, d.Id,
                d.GetMessage(Invariant.Culture));
        }).ToList();
        var first = diagnostics[0];
        return new CellError(CellErrorKind.Compilation, $"{first.Id}: {first.Message}", diagnostics, null, first.Line, null);
    }

    private static CellError RuntimeError(Exception exception, int index, string notebookDirectory, CancellationToken ct)
    {
        if (exception is OperationCanceledException && ct.IsCancellationRequested)
            return new CellError(CellErrorKind.Cancelled, "cancelled", [], exception.GetType().FullName, null, null);
        // Frames of cell code read "in cell[3]:line 5" (Roslyn prefixes the file name with the base directory).
        var trace = exception.ToString().Replace(Path.Combine(notebookDirectory, "cell["), "cell[", StringComparison.Ordinal);
        // Cut the frames of Roslyn's scripting machinery and of the runner: the user wants their own code.
        var kept = trace.Split('\n').TakeWhile(l => !l.Contains("Microsoft.CodeAnalysis.Scripting", StringComparison.Ordinal)).ToList();
        int? line = null;
        var match = CellLine().Matches(trace).FirstOrDefault(m => m.Groups[1].Value == index.ToString(Invariant.Culture));
        if (match != null) line = int.Parse(match.Groups[2].Value, Invariant.Culture);
        var message = $"{exception.GetType().Name}: {exception.Message}".ReplaceLineEndings(" ");
        return new CellError(CellErrorKind.Runtime, message, [], exception.GetType().FullName, line,
            string.Join('\n', kept).TrimEnd());
    }

    private static JsonObject ErrorOutput(CellError error) => error.Kind switch
    {
        CellErrorKind.Compilation => NotebookOutputs.Error("CompilationError", error.Message,
            error.Diagnostics.Select(d => $"(line {d.Line}, column {d.Column}): error {d.Id}: {d.Message}")),
        CellErrorKind.Cancelled => NotebookOutputs.Error("OperationCanceledException", "the run was cancelled", []),
        CellErrorKind.Timeout => NotebookOutputs.Error("TimeoutException", error.Message, [error.Message]),
        // Message is "ShortTypeName: message"; Jupyter wants the type in ename and the message alone in evalue.
        _ => NotebookOutputs.Error(error.ExceptionType ?? "Exception",
            error.Message.IndexOf(": ", StringComparison.Ordinal) is var colon and >= 0 ? error.Message[(colon + 2)..] : error.Message,
            (error.StackTrace ?? error.Message).Split('\n')),
    };

    private static void CheckKernel(NotebookDocument document)
    {
        if (document.Metadata["kernelspec"] is not JsonObject spec) return;
        var language = spec["language"]?.GetValue<string>();
        var kernelName = spec["name"]?.GetValue<string>();
        bool csharp = language is null || language.Equals("C#", StringComparison.OrdinalIgnoreCase)
                                       || language.Equals("csharp", StringComparison.OrdinalIgnoreCase);
        if (!csharp)
            throw new NotebookException(ErrorCodes.InvalidParameterValue,
                $"notebook '{document.Source}' is written for the {language} kernel ({kernelName}); " +
                "mmcs notebook run executes .NET Interactive C# notebooks (kernelspec .net-csharp)");
    }

    [GeneratedRegex(@"cell\[(\d+)\]:line (\d+)")]
    private static partial Regex CellLine();
}
