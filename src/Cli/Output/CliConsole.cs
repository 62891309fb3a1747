using System.Text.Json;
using System.Text.Json.Serialization;
using Mmcs.Core;
using Spectre.Console;

namespace Mmcs.Cli.Output;

/// <summary>
/// Console output for commands: rich (Spectre.Console tables and progress bars) when stdout is a terminal,
/// plain text when it is redirected, JSON when --json is given.
/// </summary>
internal static class CliConsole
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>True when stdout is an interactive terminal (rich output allowed).</summary>
    public static bool IsInteractive =>
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("MMCS_PLAIN") != "1";

    public static void Error(string message)
    {
        var oneLine = message.ReplaceLineEndings(" ").Trim();
        Console.Error.WriteLine($"error: {oneLine}");
    }

    /// <summary>An error about a file, naming it once: prefixed with the file unless the message names it already.</summary>
    public static void FileError(string file, string message) =>
        Error(message.Contains(file, StringComparison.Ordinal) ? message : $"{file}: {message}");

    public static void Info(string message) => Console.Out.WriteLine(message);

    /// <summary>A warning on stderr ("warning: …"), one line.</summary>
    public static void Warning(string message) => Console.Error.WriteLine($"warning: {message.ReplaceLineEndings(" ").Trim()}");

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>Prints a table: Spectre table when interactive, tab-separated text otherwise.</summary>
    public static void Table(string? title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        if (IsInteractive)
        {
            var table = new Table().Border(TableBorder.Rounded);
            if (title != null) table.Title(Markup.Escape(title));
            foreach (var h in headers) table.AddColumn(Markup.Escape(h));
            foreach (var row in rows) table.AddRow(row.Select(c => Markup.Escape(c)).ToArray());
            AnsiConsole.Write(table);
            return;
        }
        if (title != null) Console.Out.WriteLine(title);
        Console.Out.WriteLine(string.Join('\t', headers));
        foreach (var row in rows) Console.Out.WriteLine(string.Join('\t', row));
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a progress sink: Spectre bars when interactive and not JSON, otherwise
    /// occasional plain lines on stderr (so stdout stays clean for --json).
    /// </summary>
    public static async Task<T> WithProgressAsync<T>(bool json, Func<IProgress<ProgressUpdate>, Task<T>> work)
    {
        if (IsInteractive && !json)
        {
            T result = default!;
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var sink = new SpectreProgress(ctx);
                    result = await work(sink);
                    sink.CompleteAll();
                });
            return result;
        }
        return await work(new PlainProgress(json ? null : StandardError.Value));
    }

    private sealed class SpectreProgress(ProgressContext context) : IProgress<ProgressUpdate>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new();
        private readonly object _gate = new();

        public void Report(ProgressUpdate value)
        {
            lock (_gate)
            {
                if (!_tasks.TryGetValue(value.Task, out var task))
                {
                    task = context.AddTask(Markup.Escape(value.Task), maxValue: value.Total > 0 ? value.Total : 1);
                    _tasks[value.Task] = task;
                }
                if (value.Total > 0) task.MaxValue = value.Total;
                task.Value = value.Total > 0 ? value.Completed : 0;
                if (value.Total > 0 && value.Completed >= value.Total) task.StopTask();
                var label = value.Message is null ? value.Task : $"{value.Task}: {value.Message}";
                task.Description = Markup.Escape(label.Length > 60 ? label[..60] : label);
            }
        }

        public void CompleteAll()
        {
            lock (_gate)
            {
                foreach (var t in _tasks.Values)
                {
                    t.Value = t.MaxValue;
                    t.StopTask();
                }
            }
        }
    }

    /// <summary>Plain progress: a line when a task starts, every 10 % and when it ends.</summary>
    /// <summary>The process's real stderr (Console.Error may be redirected meanwhile, e.g. by a notebook cell capturing output).</summary>
    private static readonly Lazy<TextWriter> StandardError = new(() =>
        TextWriter.Synchronized(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true }));

    private sealed class PlainProgress(TextWriter? writer) : IProgress<ProgressUpdate>
    {
        private readonly Dictionary<string, int> _lastDecile = new();
        private readonly object _gate = new();

        public void Report(ProgressUpdate value)
        {
            if (writer == null) return;
            lock (_gate)
            {
                int decile = value.Total > 0 ? (int)(10 * value.Completed / value.Total) : -1;
                if (_lastDecile.TryGetValue(value.Task, out var last) && last == decile) return;
                _lastDecile[value.Task] = decile;
                var pct = value.Total > 0 ? $" {100 * value.Completed / value.Total:F0}%" : "";
                writer.WriteLine($"[{value.Task}]{pct}{(value.Message is null ? "" : " " + value.Message)}");
            }
        }
    }
}
