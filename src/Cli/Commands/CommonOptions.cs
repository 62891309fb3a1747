using System.CommandLine;

namespace Mmcs.Cli.Commands;

/// <summary>Options shared by many commands.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print machine-readable JSON on stdout." };

    public static Option<bool> NoTestTimeAugmentation() => new("--no-tta")
    {
        Description = "Skip the model's test-time augmentation, if it has one (faster; not what its evaluation measured).",
    };

    /// <summary>Seconds between the analysis windows of long songs; refused at parse time unless positive and finite.</summary>
    public static Option<double?> Hop() => Positive(new Option<double?>("--hop")
    {
        Description = "Seconds between analysis windows of long songs (default: the model's, else half the excerpt).",
    });

    /// <summary>Makes a seconds option refuse what is not a number (in the invariant culture), and zero, negative, infinite
    /// and NaN values, with a message naming it (a parse error: exit 2).</summary>
    public static Option<double?> Positive(Option<double?> option)
    {
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0 || ParseNumber(result, option.Name) is not { } v) return null;
            if (v > 0 && double.IsFinite(v)) return v;
            result.AddError($"{option.Name} must be a positive number of seconds, got {result.Tokens[^1].Value}.");
            return null;
        };
        return option;
    }

    /// <summary>The option's last token as a number in the invariant culture, without group separators (System.CommandLine
    /// alone reads "1,5" as 15); else null, with the error in words ("--time: 'soon' is not a number.").</summary>
    public static double? ParseNumber(System.CommandLine.Parsing.ArgumentResult result, string name)
    {
        string text = result.Tokens[^1].Value;
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v)) return v;
        result.AddError(MmcsCli.ParseErrorText($"Cannot parse argument '{text}' for option '{name}' as expected type 'System.Double'."));
        return null;
    }

    /// <summary>Refuses an --out folder that is a file, below a file, or already holds something (what a command writes
    /// there would mix with it); a missing or empty folder is fine.</summary>
    public static void CheckNewOutputFolder(string folder)
    {
        Core.OutputPaths.CheckFolder(folder, "--out");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new Core.MmcsException(Core.ErrorCodes.ResourceAlreadyExists,
                $"--out '{folder}' exists and is not empty; give a new folder (or delete this one)");
    }

    public static Option<string?> TrackingUri() => new("--tracking-uri")
    {
        Description = "Tracking store: a path or file:/// URI (MLflow file store) or http(s):// (MLflow server). " +
                      "Default: $MLFLOW_TRACKING_URI, else ./mlruns.",
    };
}
