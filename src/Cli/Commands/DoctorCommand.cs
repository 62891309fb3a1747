using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Mmcs.Cli.Output;
using Mmcs.Train.Torch;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs doctor`: checks the environment a user needs and says how to fix what is missing.</summary>
internal static class DoctorCommand
{
    internal sealed record Check(string Name, string Status, string Detail, string? Fix, bool Required);

    public static Command Create()
    {
        var json = CommonOptions.Json();
        var trackingUri = CommonOptions.TrackingUri();
        var command = new Command("doctor", "Check the environment: .NET, ffmpeg, libtorch, chromium, tracking URI.")
        {
            json, trackingUri,
        };
        command.SetAction(parse =>
        {
            var checks = RunChecks(parse.GetValue(trackingUri));
            bool ok = checks.All(c => c.Status != "missing" || !c.Required);
            if (parse.GetValue(json))
            {
                CliConsole.WriteJson(new { ok, checks });
            }
            else
            {
                CliConsole.Table("mmcs doctor", ["check", "status", "detail", "how to fix"],
                    checks.Select(c => (IReadOnlyList<string>)[c.Name, c.Status, c.Detail, c.Fix ?? ""]));
                CliConsole.Info(ok ? "All required checks passed." : "Some required checks failed; see 'how to fix'.");
            }
            // 3: a missing dependency (README's exit codes); 1: another required check (the tracking store)
            return ok ? 0 : checks.Any(c => c.Required && c.Status == "missing" && c.Name is "ffmpeg" or "libtorch") ? 3 : 1;
        });
        return command;
    }

    internal static List<Check> RunChecks(string? trackingUri)
    {
        var checks = new List<Check>
        {
            new(".NET runtime", "ok", $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})",
                null, true),
        };
        // the ffmpeg the decoder would start: $MMCS_FFMPEG when set, else ffmpeg on PATH
        string ffmpegPath = new Mmcs.Featurize.Audio.FfmpegOptions().ExecutablePath;
        bool fromEnv = ffmpegPath != "ffmpeg";
        var ffmpeg = ToolVersion(ffmpegPath, "-version");
        checks.Add(ffmpeg is null
            ? new Check("ffmpeg", "missing", (fromEnv ? $"MMCS_FFMPEG={ffmpegPath} cannot be started" : "not found on PATH") +
                " (needed to decode MP3, OGG, FLAC, M4A)",
                fromEnv ? "point MMCS_FFMPEG at an ffmpeg executable, or unset it to use the one on PATH" : "install it: sudo apt-get install ffmpeg", true)
            : new Check("ffmpeg", "ok", fromEnv ? $"{ffmpeg} (MMCS_FFMPEG={ffmpegPath})" : ffmpeg, null, true));
        checks.Add(CheckTorch());
        var chromium = ToolVersion("chromium", "--version") ?? ToolVersion("chromium-browser", "--version");
        checks.Add(chromium is null
            ? new Check("chromium", "missing", "not found (only the browser tests of the web page need it)",
                "sudo apt-get install chromium", false)
            : new Check("chromium", "ok", chromium, null, false));
        checks.Add(CheckTracking(trackingUri));
        return checks;
    }

    /// <summary>The tracking URI in effect (--tracking-uri, else MLFLOW_TRACKING_URI, else ./mlruns) and whether its store opens.</summary>
    internal static Check CheckTracking(string? trackingUri)
    {
        const string name = "tracking store";
        string uri = Registry.TrackingStores.ResolveUri(trackingUri);
        string source = !string.IsNullOrWhiteSpace(trackingUri) ? "--tracking-uri"
            : Environment.GetEnvironmentVariable(Registry.TrackingStores.EnvironmentVariable) is { Length: > 0 } ? "MLFLOW_TRACKING_URI" : "default ./mlruns";
        try
        {
            if (uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                using var rest = new Registry.Rest.RestStore(uri, Registry.Rest.RestCredentials.FromEnvironment(),
                    options: new Registry.Rest.RestStoreOptions { MaxRetries = 1, RequestTimeout = TimeSpan.FromSeconds(10) });
                int count = rest.SearchExperiments(maxResults: 100).Items.Count;
                return new Check(name, "ok", $"{uri} (from {source}): MLflow server answered, {count} experiment(s)", null, true);
            }
            using var store = Registry.TrackingStores.Open(uri);
            if (store is Registry.FileStore.FileStore fs && !Directory.Exists(fs.RootDirectory))
            {
                return CreatableProblem(fs.RootDirectory) is { } problem
                    ? new Check(name, "missing", $"{uri} (from {source}): cannot be created: {problem}",
                        "pass --tracking-uri or set MLFLOW_TRACKING_URI to a folder that can be written", true)
                    : new Check(name, "ok", $"{uri} (from {source}): not created yet; the first run creates it", null, true);
            }
            int experiments = store.SearchExperiments(maxResults: 1000).Items.Count;
            return new Check(name, "ok", $"{uri} (from {source}): MLflow file store, {experiments} experiment(s)", null, true);
        }
        catch (Core.MmcsException e)
        {
            return new Check(name, "missing", $"{uri} (from {source}): {e.Message.ReplaceLineEndings(" ")}",
                "pass --tracking-uri or set MLFLOW_TRACKING_URI to a folder, file:///abs/path or a running MLflow server (http://host:5000)", true);
        }
    }

    /// <summary>Why a folder that does not exist yet could not be created (an ancestor is a file, or the nearest
    /// existing one cannot be written), or null.</summary>
    internal static string? CreatableProblem(string folder)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(folder));
        while (dir != null && !Directory.Exists(dir))
        {
            if (File.Exists(dir)) return $"{dir} is a file";
            dir = Path.GetDirectoryName(dir);
        }
        if (dir == null) return "no existing folder above it";
        string probe = Path.Combine(dir, $".mmcs-doctor-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{dir} cannot be written ({e.Message})";
        }
    }

    private static Check CheckTorch()
    {
        try
        {
            var r = TorchSelfTest.Run();
            var shim = r.ShimLoaded ? ", GLIBCXX_3.4.32 shim loaded" : "";
            var isa = TorchRuntime.OneDnnIsaLimit is { } limit ? $", oneDNN kernels capped at {limit}" : "";
            return new Check("libtorch", "ok",
                $"libtorch {r.LibTorchVersion}, {r.Threads} threads, conv forward+backward ran (grad norm {r.GradientNorm:G4}){shim}{isa}",
                null, true);
        }
        catch (Exception e)
        {
            var message = (e.InnerException ?? e).Message.ReplaceLineEndings(" ");
            if (message.Length > 200) message = message[..200] + "...";
            return new Check("libtorch", "missing", $"TorchSharp failed: {message}",
                "rebuild with './mmcs --rebuild doctor' (the build patches TorchSharp for old libstdc++ and needs g++: " +
                "sudo apt-get install g++)", true);
        }
    }

    /// <summary>First line of `tool arg`, or null when the tool cannot be run.</summary>
    internal static string? ToolVersion(string tool, string arg)
    {
        try
        {
            var psi = new ProcessStartInfo(tool, arg)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (p is null) return null;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(15000))
            {
                p.Kill(entireProcessTree: true);
                return null;
            }
            var text = stdout.Result.Length > 0 ? stdout.Result : stderr.Result;
            var first = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim();
            return p.ExitCode == 0 ? first ?? tool : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
