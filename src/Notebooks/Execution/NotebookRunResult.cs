namespace Mmcs.Notebooks.Execution;

/// <summary>What became of one cell.</summary>
public enum CellStatus
{
    /// <summary>The code ran to the end.</summary>
    Succeeded,

    /// <summary>The code did not compile or threw.</summary>
    Failed,

    /// <summary>A code cell after the failing one (not run).</summary>
    NotRun,

    /// <summary>A markdown or raw cell (nothing to run).</summary>
    Skipped,
}

/// <summary>Why a cell failed.</summary>
public enum CellErrorKind
{
    /// <summary>The C# does not compile (see <see cref="CellError.Diagnostics"/>).</summary>
    Compilation,

    /// <summary>The code threw an exception.</summary>
    Runtime,

    /// <summary>The run was cancelled while the cell ran.</summary>
    Cancelled,

    /// <summary>The cell ran longer than <see cref="NotebookRunOptions.CellTimeout"/>.</summary>
    Timeout,
}

/// <summary>A compiler error in a cell, with its position in the cell's source (1-based).</summary>
public sealed record CellDiagnostic(int Line, int Column, string Id, string Message)
{
    public override string ToString() => $"line {Line}, column {Column}: {Id}: {Message}";
}

/// <summary>How a cell failed.</summary>
/// <param name="Kind">Compilation error, runtime exception or cancellation.</param>
/// <param name="Message">One line: the first compiler error, or the exception's type and message.</param>
/// <param name="Diagnostics">Every compiler error (empty for runtime errors).</param>
/// <param name="ExceptionType">The exception's full type name (runtime errors).</param>
/// <param name="Line">The line of the cell where it happened, when known (1-based).</param>
/// <param name="StackTrace">The exception's stack trace, cut at the runner's frames.</param>
public sealed record CellError(CellErrorKind Kind, string Message, IReadOnlyList<CellDiagnostic> Diagnostics,
    string? ExceptionType, int? Line, string? StackTrace);

/// <summary>One cell of a run.</summary>
/// <param name="Index">Position of the cell in the executed notebook's cells (0-based, the injected cell included).</param>
/// <param name="CellType">code, markdown or raw.</param>
/// <param name="Status">Succeeded, failed, not run or skipped.</param>
/// <param name="ExecutionCount">The execution_count written for the cell (code cells that ran).</param>
/// <param name="Duration">Wall time of the cell.</param>
/// <param name="ImageCount">image/png outputs the cell produced.</param>
/// <param name="Stdout">Everything the cell wrote to the console's standard output.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="Tags">The cell's tags (e.g. parameters, injected-parameters).</param>
public sealed record CellResult(int Index, string CellType, CellStatus Status, int? ExecutionCount, TimeSpan Duration,
    int ImageCount, string Stdout, CellError? Error, IReadOnlyList<string> Tags);

/// <summary>The outcome of running a notebook.</summary>
/// <param name="NotebookPath">The notebook that was run.</param>
/// <param name="OutputPath">Where the executed notebook was written (null when not written).</param>
/// <param name="Cells">Every cell, in order.</param>
/// <param name="Warnings">Things worth knowing that did not stop the run (e.g. an undeclared parameter).</param>
/// <param name="Elapsed">Wall time of the run.</param>
public sealed record NotebookRunResult(string NotebookPath, string? OutputPath, IReadOnlyList<CellResult> Cells,
    IReadOnlyList<string> Warnings, TimeSpan Elapsed)
{
    /// <summary>True when every code cell ran without error.</summary>
    public bool Succeeded => Cells.All(c => c.Status is CellStatus.Succeeded or CellStatus.Skipped);

    /// <summary>The cell that failed, if any.</summary>
    public CellResult? FailedCell => Cells.FirstOrDefault(c => c.Status == CellStatus.Failed);

    /// <summary>One line on the failure ("cell 4 (line 2): CS0103: ..."), or null when the run succeeded.</summary>
    public string? FailureSummary => FailedCell is { Error: { } e } cell
        ? $"notebook '{NotebookPath}': cell {cell.Index}{(e.Line is { } l ? $" (line {l})" : "")} failed: {e.Message}"
        : null;
}
