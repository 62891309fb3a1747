using System.CommandLine;
using System.Globalization;
using Mmcs.Cli.Output;
using Mmcs.Registry;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs runs …`: the runs recorded in the tracking store (MLflow file store or server).</summary>
internal static class RunsCommands
{
    public static Command Create()
    {
        var runs = new Command("runs", "Tracked runs: list them, show one (params, metrics, tags, artifacts).");
        runs.Subcommands.Add(List());
        runs.Subcommands.Add(Show());
        return runs;
    }

    internal sealed record RunSummary(
        string RunId, string ExperimentId, string Experiment, string RunName, string Status, string UserId,
        long StartTime, long? EndTime, string? ParentRunId, IReadOnlyDictionary<string, double> Metrics,
        IReadOnlyDictionary<string, string> Params);

    private static Command List()
    {
        var experiment = new Option<string?>("--experiment") { Description = "Only the runs of this experiment (by name)." };
        var max = new Option<int>("--max") { Description = "At most this many runs (newest first).", DefaultValueFactory = _ => 100 };
        var json = CommonOptions.Json();
        var trackingUri = CommonOptions.TrackingUri();
        var command = new Command("list", "List runs, newest first.") { experiment, max, json, trackingUri };
        command.SetAction(parse =>
        {
            int limit = parse.GetValue(max);
            if (limit < 1) throw MlflowException.Invalid($"--max must be at least 1, got {limit}");
            using var store = TrackingStores.Open(parse.GetValue(trackingUri));
            var experiments = SelectExperiments(store, parse.GetValue(experiment));
            var names = experiments.ToDictionary(e => e.ExperimentId, e => e.Name);
            var runs = new List<Run>();
            if (experiments.Count > 0)
            {
                string? token = null;
                do
                {
                    var page = store.SearchRuns(new RunQuery(experiments.Select(e => e.ExperimentId).ToList(),
                        OrderBy: ["attributes.start_time DESC"], MaxResults: Math.Min(limit - runs.Count, 1000), PageToken: token));
                    runs.AddRange(page.Items);
                    token = page.NextPageToken;
                }
                while (token != null && runs.Count < limit);
            }
            var summaries = runs.Select(r => Summary(r, names.GetValueOrDefault(r.Info.ExperimentId, r.Info.ExperimentId))).ToList();
            WarnSkipped(store);
            if (parse.GetValue(json))
            {
                CliConsole.WriteJson(new { tracking_uri = store.TrackingUri, runs = summaries });
                return 0;
            }
            if (summaries.Count == 0)
            {
                CliConsole.Info($"No runs in {store.TrackingUri}" + (parse.GetValue(experiment) is { } n ? $" (experiment '{n}')" : "") + NoStoreYet(store) + ".");
                return 0;
            }
            CliConsole.Table($"Runs in {store.TrackingUri}", ["run id", "experiment", "name", "status", "started (UTC)", "duration", "metrics"],
                summaries.Select(s => (IReadOnlyList<string>)
                [
                    s.RunId, s.Experiment, s.RunName, s.Status, Time(s.StartTime), Duration(s.StartTime, s.EndTime),
                    string.Join(", ", s.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Take(4).Select(m => $"{m.Key}={Number(m.Value)}")),
                ]));
            return 0;
        });
        return command;
    }

    /// <summary>Says on stderr what a listing skipped because it could not be read (a malformed meta.yaml), so that a
    /// broken folder is not mistaken for an empty store.</summary>
    internal static void WarnSkipped(ITrackingStore store)
    {
        foreach (var entry in store.SkippedEntries)
            CliConsole.Warning($"skipped, as it cannot be read: {entry}");
    }

    /// <summary>" (the folder does not exist)" for a file store nothing was written to yet: usually a mistyped path.</summary>
    internal static string NoStoreYet(ITrackingStore store) =>
        store is Mmcs.Registry.FileStore.FileStore fs && !Directory.Exists(fs.RootDirectory) ? $" ({fs.RootDirectory} does not exist)" : "";

    private static Command Show()
    {
        var runId = new Argument<string>("RUN_ID") { Description = "The run's id (32 hex characters)." };
        var json = CommonOptions.Json();
        var trackingUri = CommonOptions.TrackingUri();
        var command = new Command("show", "Show a run: status, params, metrics, tags and artifacts.") { runId, json, trackingUri };
        command.SetAction(parse =>
        {
            using var store = TrackingStores.Open(parse.GetValue(trackingUri));
            var run = store.GetRun(parse.GetValue(runId)!);
            string experiment;
            try
            {
                experiment = store.GetExperiment(run.Info.ExperimentId).Name;
            }
            catch (MlflowException)
            {
                experiment = run.Info.ExperimentId;
            }
            IReadOnlyList<ArtifactInfo> artifacts;
            try
            {
                artifacts = store.ListArtifacts(run.Info.RunId);
            }
            catch (MlflowException)
            {
                artifacts = [];
            }
            if (parse.GetValue(json))
            {
                CliConsole.WriteJson(new
                {
                    run_id = run.Info.RunId,
                    experiment_id = run.Info.ExperimentId,
                    experiment,
                    run_name = run.Info.RunName,
                    status = StatusName(run.Info.Status),
                    lifecycle_stage = run.Info.LifecycleStage == LifecycleStage.Active ? "active" : "deleted",
                    user_id = run.Info.UserId,
                    start_time = run.Info.StartTime,
                    end_time = run.Info.EndTime,
                    artifact_uri = run.Info.ArtifactUri,
                    @params = run.Data.Params,
                    metrics = run.Data.Metrics.Values.OrderBy(m => m.Key, StringComparer.Ordinal)
                        .Select(m => new { key = m.Key, value = m.Value, step = m.Step, timestamp = m.Timestamp }),
                    tags = run.Data.Tags,
                    inputs = run.Inputs,
                    artifacts,
                });
                return 0;
            }
            var i = run.Info;
            CliConsole.Table($"Run {i.RunId}", ["field", "value"],
            [
                ["name", i.RunName], ["experiment", $"{experiment} ({i.ExperimentId})"], ["status", StatusName(i.Status)],
                ["user", i.UserId], ["started (UTC)", Time(i.StartTime)], ["ended (UTC)", i.EndTime is { } e ? Time(e) : "-"],
                ["duration", Duration(i.StartTime, i.EndTime)], ["artifacts", i.ArtifactUri],
                ["lifecycle", i.LifecycleStage == LifecycleStage.Active ? "active" : "deleted"],
            ]);
            if (run.Data.Params.Count > 0)
                CliConsole.Table("Params", ["key", "value"], run.Data.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IReadOnlyList<string>)[p.Key, OneLine(p.Value)]));
            if (run.Data.Metrics.Count > 0)
                CliConsole.Table("Metrics (latest)", ["key", "value", "step"],
                    run.Data.Metrics.Values.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => (IReadOnlyList<string>)[m.Key, Number(m.Value), m.Step.ToString(CultureInfo.InvariantCulture)]));
            if (run.Data.Tags.Count > 0)
                CliConsole.Table("Tags", ["key", "value"], run.Data.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (IReadOnlyList<string>)[t.Key, OneLine(t.Value)]));
            if (artifacts.Count > 0)
                CliConsole.Table("Artifacts", ["path", "size"], artifacts.Select(a => (IReadOnlyList<string>)[a.Path + (a.IsDirectory ? "/" : ""), a.FileSize?.ToString(CultureInfo.InvariantCulture) ?? ""]));
            return 0;
        });
        return command;
    }

    private static List<Experiment> SelectExperiments(ITrackingStore store, string? name)
    {
        if (name != null)
        {
            var e = store.GetExperimentByName(name);
            if (e == null)
            {
                WarnSkipped(store); // the experiment may be the one whose meta.yaml cannot be read
                throw MlflowException.NotFound($"No experiment named '{name}' in {store.TrackingUri}{NoStoreYet(store)}.");
            }
            return [e];
        }
        var all = new List<Experiment>();
        string? token = null;
        do
        {
            var page = store.SearchExperiments(pageToken: token);
            all.AddRange(page.Items);
            token = page.NextPageToken;
        }
        while (token != null);
        return all;
    }

    internal static RunSummary Summary(Run r, string experiment) => new(
        r.Info.RunId, r.Info.ExperimentId, experiment, r.Info.RunName, StatusName(r.Info.Status), r.Info.UserId,
        r.Info.StartTime, r.Info.EndTime, r.Data.Tags.GetValueOrDefault(Registry.Tracking.SystemTags.ParentRunId),
        r.Data.Metrics.ToDictionary(m => m.Key, m => m.Value.Value), r.Data.Params);

    internal static string StatusName(RunStatus s) => s.ToString().ToUpperInvariant();

    internal static string Time(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Duration(long start, long? end)
    {
        if (end is not { } e) return "-";
        var d = TimeSpan.FromMilliseconds(Math.Max(0, e - start));
        return d.TotalHours >= 1 ? $"{(int)d.TotalHours}h{d.Minutes:00}m" : d.TotalMinutes >= 1 ? $"{(int)d.TotalMinutes}m{d.Seconds:00}s"
            : d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
    }

    internal static string Number(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static string OneLine(string s)
    {
        var line = s.ReplaceLineEndings(" ");
        return line.Length > 120 ? line[..120] + "…" : line;
    }
}
