using Mmcs.Core;

namespace Mmcs.Notebooks;

/// <summary>A notebook that cannot be read, run or written (the message names the notebook and the problem).</summary>
public sealed class NotebookException : MmcsException
{
    public NotebookException(string errorCode, string message, Exception? innerException = null)
        : base(errorCode, message, innerException)
    {
    }
}
