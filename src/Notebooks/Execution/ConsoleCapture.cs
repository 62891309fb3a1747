using System.Text;

namespace Mmcs.Notebooks.Execution;

/// <summary>
/// Routes <see cref="Console.Out"/> and <see cref="Console.Error"/> through writers that send text to the
/// current notebook cell (<see cref="CellContext.Current"/>) when there is one, and to the original console
/// otherwise. Installed once per process and left in place: code that is not running a cell sees no change.
/// </summary>
internal static class ConsoleCapture
{
    private static readonly object Gate = new();
    private static TextWriter? _installedOut;
    private static TextWriter? _installedError;

    /// <summary>Installs the routing writers, again if someone replaced them since.</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (!ReferenceEquals(Console.Out, _installedOut))
            {
                Console.SetOut(new RoutingWriter("stdout", Console.Out));
                _installedOut = Console.Out;
            }
            if (!ReferenceEquals(Console.Error, _installedError))
            {
                Console.SetError(new RoutingWriter("stderr", Console.Error));
                _installedError = Console.Error;
            }
        }
    }

    /// <summary>A writer that sends text to the current cell's stream, or to <paramref name="fallback"/>.</summary>
    private sealed class RoutingWriter(string stream, TextWriter fallback) : TextWriter
    {
        public override Encoding Encoding => fallback.Encoding;

        public override IFormatProvider FormatProvider => fallback.FormatProvider;

        public override void Write(char value)
        {
            if (CellContext.Current is { } cell) cell.AppendStream(stream, value.ToString());
            else fallback.Write(value);
        }

        public override void Write(string? value)
        {
            if (value is null) return;
            if (CellContext.Current is { } cell) cell.AppendStream(stream, value);
            else fallback.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            if (CellContext.Current is { } cell) cell.AppendStream(stream, new string(buffer, index, count));
            else fallback.Write(buffer, index, count);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            if (CellContext.Current is { } cell) cell.AppendStream(stream, new string(buffer));
            else fallback.Write(buffer);
        }

        public override void WriteLine(string? value)
        {
            if (CellContext.Current is { } cell) cell.AppendStream(stream, (value ?? "") + "\n");
            else fallback.WriteLine(value);
        }

        public override void WriteLine()
        {
            if (CellContext.Current is { } cell) cell.AppendStream(stream, "\n");
            else fallback.WriteLine();
        }

        public override void Flush()
        {
            if (CellContext.Current is null) fallback.Flush();
        }
    }
}
