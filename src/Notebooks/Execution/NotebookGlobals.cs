using Mmcs.Core;

namespace Mmcs.Notebooks.Execution;

/// <summary>
/// The globals every cell sees (Roslyn scripting's globals object): <c>display(x)</c> as in .NET Interactive,
/// where the notebook is, where its outputs go, and the run's cancellation token.
/// </summary>
#pragma warning disable IDE1006, CA1707 // display() is spelled as .NET Interactive spells it.
public sealed class NotebookGlobals
{
    internal NotebookGlobals(string notebookPath, string outputDirectory, CancellationToken cancellationToken,
        IProgress<ProgressUpdate> progress)
    {
        NotebookPath = notebookPath;
        NotebookDirectory = Path.GetDirectoryName(Path.GetFullPath(notebookPath)) ?? Directory.GetCurrentDirectory();
        OutputDirectory = outputDirectory;
        CancellationToken = cancellationToken;
        Progress = progress;
    }

    /// <summary>The notebook file being run.</summary>
    public string NotebookPath { get; }

    /// <summary>The folder of the notebook (relative paths in notebooks are best made against it).</summary>
    public string NotebookDirectory { get; }

    /// <summary>Where the executed notebook is written; plots and other files of the run go here too.</summary>
    public string OutputDirectory { get; }

    /// <summary>Cancelled when the run is (Ctrl+C) or when the cell outlives the cell time limit: pass it to long
    /// library calls. (Each cell sees its own; read it in the cell that uses it.)</summary>
    public CancellationToken CancellationToken { get; internal set; }

    /// <summary>The run's progress sink: pass it to long library calls.</summary>
    public IProgress<ProgressUpdate> Progress { get; }

    /// <summary>Shows a value below the cell (plots and images as PNG, anything else as text).</summary>
    public void display(object? value) => Display.Value(value);
}
#pragma warning restore IDE1006, CA1707
