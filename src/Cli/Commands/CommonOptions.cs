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

    public static Option<string?> TrackingUri() => new("--tracking-uri")
    {
        Description = "Tracking store: a path or file:/// URI (MLflow file store) or http(s):// (MLflow server). " +
                      "Default: $MLFLOW_TRACKING_URI, else ./mlruns.",
    };
}
