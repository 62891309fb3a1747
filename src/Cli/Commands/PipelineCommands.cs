using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Core;
using Mmcs.Pipelines.Definition;
using Mmcs.Pipelines.Run;
using Mmcs.Pipelines.Schedule;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs pipeline …` and `mmcs schedule`: training pipelines by hand and on a cron schedule.</summary>
internal static class PipelineCommands
{
    public static Command Create()
    {
        var pipeline = new Command("pipeline", "Training pipelines defined in YAML (see pipelines/).");
        pipeline.Subcommands.Add(RunCommand());
        pipeline.Subcommands.Add(ValidateCommand());
        return pipeline;
    }

    internal static Option<string[]> SetOption() => new("--set")
    {
        Description = "Override a value of the YAML, e.g. --set train.automl.time=120 (repeatable).",
        AllowMultipleArgumentsPerToken = false,
    };

    internal static Option<string?> DataOption() => new("--data") { Description = "Dataset folder (overrides dataset.path)." };

    private static Command RunCommand()
    {
        var file = new Argument<string>("file") { Description = "The pipeline YAML, e.g. pipelines/4q.yaml." };
        var data = DataOption();
        var set = SetOption();
        var tracking = CommonOptions.TrackingUri();
        var json = CommonOptions.Json();
        var command = new Command("run",
            "Run a pipeline: ingest -> featurise -> split -> train 1D -> train 2D -> ensemble -> evaluate -> register -> " +
            "promote, as one MLflow run with a nested run per stage. Cached features are reused; after a failure a re-run resumes.")
        {
            file, data, set, tracking, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            var loaded = PipelineLoader.Load(parse.GetValue(file)!, parse.GetValue(set) ?? []);
            var result = await RunAsync(loaded, new PipelineRunOptions
            {
                DataOverride = parse.GetValue(data),
                TrackingUri = parse.GetValue(tracking),
            }, asJson, ct);
            if (asJson) CliConsole.WriteJson(Summary(result));
            else PrintSummary(result);
            return 0;
        });
        return command;
    }

    internal static Task<PipelineRunResult> RunAsync(LoadedPipeline loaded, PipelineRunOptions options, bool asJson, CancellationToken ct)
    {
        options = options with { Log = asJson ? line => Console.Error.WriteLine(line) : line => CliConsole.Info("  " + line) };
        return CliConsole.WithProgressAsync(asJson, progress =>
            Task.Run(() => new PipelineRunner(loaded, options, progress).RunAsync(ct), ct));
    }

    private static Command ValidateCommand()
    {
        var file = new Argument<string>("file") { Description = "The pipeline YAML." };
        var set = SetOption();
        var json = CommonOptions.Json();
        var command = new Command("validate", "Check a pipeline file against the schema (errors name the line and key).") { file, set, json };
        command.SetAction(parse =>
        {
            var loaded = PipelineLoader.Load(parse.GetValue(file)!, parse.GetValue(set) ?? []);
            if (parse.GetValue(json)) CliConsole.WriteJson(new { valid = true, name = loaded.Definition.Name, file = loaded.File });
            else CliConsole.Info($"{loaded.File}: valid (pipeline '{loaded.Definition.Name}')");
            return 0;
        });
        return command;
    }

    public static Command Schedule()
    {
        var file = new Argument<string>("file") { Description = "The pipeline YAML." };
        var cron = new Option<string>("--cron") { Description = "Cron expression (5 fields, or 6 with seconds), e.g. \"0 3 * * 0\".", Required = true };
        var zone = new Option<string?>("--time-zone") { Description = "IANA time zone of the cron expression (default: UTC)." };
        var once = new Option<bool>("--once") { Description = "Tick once now (skip if the data is unchanged or a run is busy) and exit." };
        var data = DataOption();
        var set = SetOption();
        var tracking = CommonOptions.TrackingUri();
        var command = new Command("schedule",
            "Run a pipeline on a cron schedule as a long-running process: a tick is skipped when the data has not changed " +
            "since the last good run (content hashes) or when a run is still going (a lock). Stop with Ctrl+C.")
        {
            file, cron, zone, once, data, set, tracking,
        };
        command.SetAction(async (parse, ct) =>
        {
            var loaded = PipelineLoader.Load(parse.GetValue(file)!, parse.GetValue(set) ?? []);
            var expression = CronSchedule.Parse(parse.GetValue(cron)!);
            var tz = parse.GetValue(zone) is { } z ? FindZone(z) : TimeZoneInfo.Utc;
            string? dataOverride = parse.GetValue(data);
            string dataPath = loaded.ResolveDataPath(dataOverride);
            // a mistyped --data is refused now (exit 2), not at every tick; a pipeline that synthesises its data makes it
            if (!Directory.Exists(dataPath) && !File.Exists(dataPath) && loaded.Definition.Dataset.Synthetic == null)
                throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"the data folder {dataPath} does not exist");
            var options = new PipelineRunOptions { DataOverride = dataOverride, TrackingUri = parse.GetValue(tracking), TakeLock = false };
            string state = options.StateDirectory;
            var scheduler = new PipelineScheduler(expression, tz, loaded.Definition.Name, state, Path.Combine(state, "locks"),
                () => ScheduledPipeline.Fingerprint(loaded, dataPath, options.TrackingUri),
                async token =>
                {
                    var result = await new PipelineRunner(loaded, options with { Log = line => CliConsole.Info("  " + line) }).RunAsync(token);
                    CliConsole.Info($"run {result.RunId}: accuracy {result.Evaluation.Accuracy:0.000}, macro-F1 {result.Evaluation.MacroF1:0.000}" +
                                    (result.Decision is { } d ? $"; {d.Reason}" : ""));
                });
            void OnTick(TickReport r) => CliConsole.Info($"{r.At:u} {r.Outcome}: {r.Message}");
            if (parse.GetValue(once))
            {
                var report = await scheduler.TickAsync(ct);
                OnTick(report);
                return report.Outcome == TickOutcome.Failed ? 1 : 0;
            }
            CliConsole.Info($"scheduling '{loaded.Definition.Name}' at \"{parse.GetValue(cron)}\" ({tz.Id}); Ctrl+C stops");
            try
            {
                await scheduler.RunAsync(OnTick, next => CliConsole.Info($"next run at {next:u}"), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                CliConsole.Info("stopped");
            }
            return 0;
        });
        return command;
    }

    private static TimeZoneInfo FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--time-zone '{id}' is not a known time zone");
        }
    }

    internal static object Summary(PipelineRunResult r) => new
    {
        run_id = r.RunId,
        experiment_id = r.ExperimentId,
        tracking_uri = r.TrackingUri,
        data = r.DataPath,
        clips = r.Clips,
        features = new { cache_hits = r.Features.CacheHits, computed = r.Features.Computed, failed = r.Features.Failed, skipped = r.Features.Skipped },
        protocol = r.Protocol,
        test_clips = r.Evaluation.Count,
        accuracy = r.Evaluation.Accuracy,
        macro_f1 = r.Evaluation.MacroF1,
        accuracy_ci = new[] { r.AccuracyCi.Low, r.AccuracyCi.High },
        macro_f1_ci = new[] { r.MacroF1Ci.Low, r.MacroF1Ci.High },
        per_class = r.Evaluation.PerClass.ToDictionary(c => c.Label, c => new { precision = c.Precision, recall = c.Recall, f1 = c.F1, support = c.Support }),
        confusion = r.Evaluation.Confusion,
        members = r.Members.ToDictionary(kv => kv.Key, kv => new { accuracy = kv.Value.Accuracy, macro_f1 = kv.Value.MacroF1 }),
        model_uri = r.ModelUri,
        registered = r.Version == null ? null : new { name = r.Version.Name, version = r.Version.Version, uri = $"models:/{r.Version.Name}/{r.Version.Version}" },
        promotion = r.Decision == null ? null : new { promoted = r.Decision.Promote, reason = r.Decision.Reason, challenger = r.Decision.ChallengerScore, champion = r.Decision.ChampionScore },
        resumed_stages = r.ResumedStages,
        seconds = r.Duration.TotalSeconds,
    };

    internal static void PrintSummary(PipelineRunResult r)
    {
        string F(double v) => v.ToString("0.000", Invariant.Culture);
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "run", r.RunId },
            new[] { "clips", $"{r.Clips}; features of clips and augmented copies: {r.Features.Computed} computed, {r.Features.CacheHits} from the cache" },
            new[] { "test accuracy", $"{F(r.Evaluation.Accuracy)} [{F(r.AccuracyCi.Low)}, {F(r.AccuracyCi.High)}] on {r.Evaluation.Count} held-out clips" },
            new[] { "test macro-F1", $"{F(r.Evaluation.MacroF1)} [{F(r.MacroF1Ci.Low)}, {F(r.MacroF1Ci.High)}]" },
        };
        foreach (var (name, report) in r.Members)
            rows.Add(new[] { "  " + name, $"accuracy {F(report.Accuracy)}, macro-F1 {F(report.MacroF1)}" });
        if (r.Version != null) rows.Add(new[] { "registered", $"models:/{r.Version.Name}/{r.Version.Version}" });
        if (r.Decision != null) rows.Add(new[] { "promotion", r.Decision.Reason });
        if (r.ResumedStages.Count > 0) rows.Add(new[] { "resumed", string.Join(", ", r.ResumedStages) });
        rows.Add(new[] { "tracking", r.TrackingUri });
        rows.Add(new[] { "took", $"{r.Duration.TotalSeconds:0} s" });
        CliConsole.Table("Pipeline run", ["", ""], rows);
    }
}
