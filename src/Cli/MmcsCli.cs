using System.CommandLine;
using Mmcs.Cli.Commands;
using Mmcs.Cli.Output;
using Mmcs.Core;

namespace Mmcs.Cli;

/// <summary>The `mmcs` command line: a thin shell over the libraries.</summary>
public static class MmcsCli
{
    /// <summary>Builds the command tree.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("MMCS: music mood classification (happy, angry, sad, relaxed) from audio, " +
                                   "with training pipelines, an MLflow-compatible tracker and model registry.");
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Parses and runs; maps errors to a one-line reason on stderr and a non-zero exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var parse = BuildRoot().Parse(args);
            if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
            {
                CliConsole.Error(string.Join(" ", parse.Errors.Select(e => e.Message)) + " See 'mmcs --help'.");
                return 2;
            }
            var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            return await parse.InvokeAsync(config, cts.Token);
        }
        catch (OperationCanceledException)
        {
            CliConsole.Error("cancelled");
            return 130;
        }
        catch (MmcsException e)
        {
            CliConsole.Error(e.Message);
            return e.ExitCode;
        }
        catch (Exception e) when (e.InnerException is MmcsException inner)
        {
            CliConsole.Error(inner.Message);
            return inner.ExitCode;
        }
        catch (Exception e)
        {
            CliConsole.Error($"unexpected {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("MMCS_DEBUG") == "1") Console.Error.WriteLine(e);
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
