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
        ParseNumbersInvariantly(root);
        RefuseOptionsAsPaths(root);
        return root;
    }

    /// <summary>A mistyped option ("--no-ttaa") after a command that takes any number of paths would otherwise be taken
    /// for one more path: predict would then fail on a file of that name, and features extract would featurise its
    /// other inputs as unlabelled audio. Every such token that looks like an option and is not an existing file or
    /// folder is refused as unrecognised (a parse error: exit 2).</summary>
    private static void RefuseOptionsAsPaths(Command command)
    {
        foreach (var argument in command.Arguments.OfType<Argument<string[]>>())
        {
            argument.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                {
                    string text = token.Value;
                    if (text.Length > 1 && text[0] == '-' && !File.Exists(text) && !Directory.Exists(text))
                        result.AddError($"Unrecognized command or argument '{text}'.");
                }
            });
        }
        foreach (var sub in command.Subcommands) RefuseOptionsAsPaths(sub);
    }

    /// <summary>Every number option of the tree is read in the invariant culture without group separators:
    /// System.CommandLine alone reads "--seconds 1,5" as 15 seconds. Options with their own parser keep it.</summary>
    private static void ParseNumbersInvariantly(Command command)
    {
        foreach (var option in command.Options)
        {
            switch (option)
            {
                case Option<double> d when d.CustomParser == null:
                    d.CustomParser = r => r.Tokens.Count == 0 ? (d.DefaultValueFactory is { } f ? f(r) : default) : CommonOptions.ParseNumber(r, d.Name) ?? default;
                    break;
                case Option<double?> n when n.CustomParser == null:
                    n.CustomParser = r => r.Tokens.Count == 0 ? (n.DefaultValueFactory is { } f ? f(r) : null) : CommonOptions.ParseNumber(r, n.Name);
                    break;
            }
        }
        foreach (var sub in command.Subcommands) ParseNumbersInvariantly(sub);
    }

    private static readonly System.Text.RegularExpressions.Regex TypedValueError = new(
        @"^Cannot parse argument '(?<text>.*)' for (?:option|argument|command) '(?<name>[^']*)' as expected type '(?:System\.Nullable`1\[)?System\.(?<type>\w+)\]?'\.$",
        System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>A parse error as the user should read it: System.CommandLine names .NET types ("as expected type
    /// 'System.Nullable`1[System.Int32]'") when a value does not convert; that becomes "--max-queue: 'x' is not a whole
    /// number." Other messages are kept.</summary>
    internal static string ParseErrorText(string message)
    {
        var m = TypedValueError.Match(message);
        if (!m.Success) return message;
        string text = m.Groups["text"].Value, name = m.Groups["name"].Value;
        string? what = m.Groups["type"].Value switch
        {
            "Int32" or "Int64" or "Int16" => "a whole number",
            "UInt32" or "UInt64" or "UInt16" or "Byte" => "a whole number of at least 0",
            "Double" or "Single" or "Decimal" => "a number",
            "Boolean" => "true or false",
            "TimeSpan" => "a time span such as 00:05:00",
            _ => null,
        };
        if (what == null) return $"{name}: '{text}' is not a valid value.";
        bool integral = what.StartsWith("a whole", StringComparison.Ordinal);
        if (integral && System.Numerics.BigInteger.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
            return $"{name}: {text} is out of range.";
        return $"{name}: '{text}' is not {what}{(text.Contains(',', StringComparison.Ordinal) ? " (numbers are written with a point: 0.5, not 0,5)" : "")}.";
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
            // no response files: "--cron @daily" is a cron macro, not the file 'daily' to read arguments from
            var parse = BuildRoot().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
            {
                CliConsole.Error(string.Join(" ", parse.Errors.Select(e => ParseErrorText(e.Message))) + " See 'mmcs --help'.");
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
