using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Core;
using Mmcs.Web;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs serve`: the upload page, the models page and the JSON API.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, ';'-separated (port 0: any free port).", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var model = new Option<string?>("--model") { Description = $"Model URI that answers (default {MoodWebOptions.DefaultModelUri}); re-resolved per request, so a new champion answers at once." };
        var maxUpload = new Option<double>("--max-upload-mb") { Description = "Largest upload accepted, in MB (larger: 413).", DefaultValueFactory = _ => 50 };
        var maxSong = new Option<double>("--max-song-minutes") { Description = "Longest song analysed, in minutes (its duration is read before decoding; longer: 422).", DefaultValueFactory = _ => 20 };
        var maxConcurrent = new Option<int>("--max-concurrent") { Description = "Analyses at once (default: the number of cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var maxQueue = new Option<int?>("--max-queue") { Description = "Analyses waiting for a slot before new ones are refused with 429 (default: 4 x --max-concurrent)." };
        var hop = CommonOptions.Hop();
        var quiet = new Option<bool>("--quiet") { Description = "Log warnings and errors only." };
        var noTta = CommonOptions.NoTestTimeAugmentation();
        var tracking = CommonOptions.TrackingUri();
        var command = new Command("serve",
            "Serve the web pages (upload a song and see its mood; registered models and promotion) and the JSON API " +
            "(POST /api/predict, GET /api/models, POST /api/models/NAME/versions/V/promote, GET /healthz, /openapi/v1.json). " +
            $"Promotion over HTTP needs {MoodWebOptions.AdminTokenVariable} in the environment (sent as 'Authorization: Bearer TOKEN').")
        {
            urls, model, maxUpload, maxSong, maxConcurrent, maxQueue, hop, noTta, quiet, tracking,
        };
        command.SetAction(async (parse, ct) =>
        {
            double mb = parse.GetValue(maxUpload);
            if (!(mb > 0) || mb > 100_000)
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--max-upload-mb must be above 0 and at most 100000, got {mb.ToString(Invariant.Culture)}");
            var options = new MoodWebOptions
            {
                Urls = parse.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                ModelUri = parse.GetValue(model) ?? MoodWebOptions.DefaultModelUri,
                TrackingUri = parse.GetValue(tracking),
                MaxUploadBytes = (long)Math.Round(mb * 1024 * 1024),
                MaxSongSeconds = parse.GetValue(maxSong) * 60,
                MaxConcurrentAnalyses = parse.GetValue(maxConcurrent),
                MaxQueuedAnalyses = parse.GetValue(maxQueue),
                HopSeconds = parse.GetValue(hop),
                TestTimeAugmentation = !parse.GetValue(noTta),
                AdminToken = MoodWebOptions.AdminTokenFromEnvironment(),
                VerboseLogging = !parse.GetValue(quiet),
            };
            await using var host = MoodWebHost.Create(options);
            var (answering, error) = host.WarmUp();
            try
            {
                await host.StartAsync(ct);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException ||
                                      (e is InvalidOperationException && e.Source?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true))
            {
                // a taken port (IOException), an address not on this machine (SocketException), https without a
                // certificate (Kestrel's InvalidOperationException; one from the app's own set-up is a bug, not the address)
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--urls {string.Join(';', options.Urls)}: cannot listen ({e.Message})", e);
            }
            catch (FormatException e)
            {
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--urls {string.Join(';', options.Urls)}: not an address to listen on, such as http://127.0.0.1:5000 ({e.Message})", e);
            }
            string address = host.Addresses.FirstOrDefault() ?? options.Urls[0];
            CliConsole.Info($"MMCS is serving on {string.Join(", ", host.Addresses)}");
            CliConsole.Info($"  upload a song:  {address}/");
            CliConsole.Info($"  models:         {address}/models");
            CliConsole.Info($"  API:            {address}/openapi/v1.json   (POST /api/predict with a multipart field 'file')");
            CliConsole.Info(answering != null
                ? $"  model:          {options.ModelUri} -> {answering}"
                : $"  model:          {options.ModelUri} is not available yet ({error}); predictions answer 503 until it is");
            CliConsole.Info(options.AdminToken != null
                ? $"  promotion:      enabled for requests with 'Authorization: Bearer ${MoodWebOptions.AdminTokenVariable}'"
                : $"  promotion:      disabled over HTTP (set {MoodWebOptions.AdminTokenVariable} to enable it)");
            CliConsole.Info($"  limits:         {UploadLimit(options.MaxUploadBytes)} per upload, {options.MaxConcurrentAnalyses} analyses at once, {host.Gate.MaxQueued} waiting");
            CliConsole.Info("Press Ctrl+C to stop.");
            await host.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    private static string UploadLimit(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.##", Invariant.Culture) + " MB";
}
