using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Registry;
using Mmcs.Registry.Models;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs registry …`: registered models, their versions, stages and aliases.</summary>
internal static class RegistryCommands
{
    public static Command Create()
    {
        var registry = new Command("registry", "Model registry: list models, show versions, promote a version (alias, stage).");
        registry.Subcommands.Add(List());
        registry.Subcommands.Add(Show());
        registry.Subcommands.Add(Promote());
        return registry;
    }

    private static object VersionJson(ModelVersion v) => new
    {
        name = v.Name,
        version = v.Version,
        current_stage = v.CurrentStage,
        aliases = v.Aliases,
        run_id = v.RunId,
        source = v.Source,
        status = v.Status,
        description = v.Description,
        tags = v.Tags,
        creation_timestamp = v.CreationTimestamp,
        last_updated_timestamp = v.LastUpdatedTimestamp,
    };

    private static Command List()
    {
        var json = CommonOptions.Json();
        var trackingUri = CommonOptions.TrackingUri();
        var command = new Command("list", "List registered models with their latest versions and aliases.") { json, trackingUri };
        command.SetAction(parse =>
        {
            using var store = TrackingStores.Open(parse.GetValue(trackingUri));
            var models = new List<RegisteredModel>();
            string? token = null;
            do
            {
                var page = store.SearchRegisteredModels(pageToken: token);
                models.AddRange(page.Items);
                token = page.NextPageToken;
            }
            while (token != null);
            RunsCommands.WarnSkipped(store);
            if (parse.GetValue(json))
            {
                CliConsole.WriteJson(new
                {
                    tracking_uri = store.TrackingUri,
                    models = models.Select(m => new
                    {
                        name = m.Name,
                        description = m.Description,
                        aliases = m.Aliases.ToDictionary(a => a.Alias, a => a.Version),
                        latest_versions = m.LatestVersions.Select(VersionJson),
                        tags = m.Tags,
                        creation_timestamp = m.CreationTimestamp,
                        last_updated_timestamp = m.LastUpdatedTimestamp,
                    }),
                });
                return 0;
            }
            if (models.Count == 0)
            {
                CliConsole.Info($"No registered models in {store.TrackingUri}{RunsCommands.NoStoreYet(store)}.");
                return 0;
            }
            CliConsole.Table($"Registered models in {store.TrackingUri}", ["name", "latest version", "by stage", "aliases", "updated (UTC)"],
                models.Select(m => (IReadOnlyList<string>)
                [
                    m.Name,
                    m.LatestVersions.Count == 0 ? "-" : m.LatestVersions.Max(v => v.Number).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    string.Join(", ", m.LatestVersions.Where(v => v.CurrentStage != ModelStages.None).Select(v => $"{v.CurrentStage}: v{v.Version}")),
                    string.Join(", ", m.Aliases.Select(a => $"@{a.Alias} → v{a.Version}")),
                    RunsCommands.Time(m.LastUpdatedTimestamp),
                ]));
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("NAME") { Description = "The registered model's name." };
        var json = CommonOptions.Json();
        var trackingUri = CommonOptions.TrackingUri();
        var command = new Command("show", "Show a registered model and all its versions.") { name, json, trackingUri };
        command.SetAction(parse =>
        {
            using var store = TrackingStores.Open(parse.GetValue(trackingUri));
            var registry = new ModelRegistry(store);
            var model = registry.Get(parse.GetValue(name)!);
            var versions = registry.Versions(model.Name);
            RunsCommands.WarnSkipped(store);
            if (parse.GetValue(json))
            {
                CliConsole.WriteJson(new
                {
                    name = model.Name,
                    description = model.Description,
                    aliases = model.Aliases.ToDictionary(a => a.Alias, a => a.Version),
                    tags = model.Tags,
                    creation_timestamp = model.CreationTimestamp,
                    last_updated_timestamp = model.LastUpdatedTimestamp,
                    versions = versions.Select(VersionJson),
                });
                return 0;
            }
            CliConsole.Info($"{model.Name}" + (model.Description is { Length: > 0 } d ? $": {d}" : ""));
            if (model.Tags.Count > 0) CliConsole.Info("tags: " + string.Join(", ", model.Tags.Select(t => $"{t.Key}={t.Value}")));
            if (versions.Count == 0)
            {
                CliConsole.Info("No versions yet.");
                return 0;
            }
            CliConsole.Table($"Versions of {model.Name}", ["version", "stage", "aliases", "run id", "source", "created (UTC)"],
                versions.Select(v => (IReadOnlyList<string>)
                [
                    v.Version, v.CurrentStage, string.Join(", ", v.Aliases.Select(a => "@" + a)), v.RunId ?? "", v.Source, RunsCommands.Time(v.CreationTimestamp),
                ]));
            return 0;
        });
        return command;
    }

    private static Command Promote()
    {
        var name = new Argument<string>("NAME") { Description = "The registered model's name." };
        var version = new Argument<string>("VERSION") { Description = "The version to promote." };
        var alias = new Option<string?>("--alias") { Description = "Point this alias at the version (e.g. champion, challenger)." };
        var stage = new Option<string?>("--stage") { Description = "Move the version to this stage: None, Staging, Production or Archived." };
        var keep = new Option<bool>("--keep-existing") { Description = "Do not archive the versions already in that stage." };
        var json = CommonOptions.Json();
        var trackingUri = CommonOptions.TrackingUri();
        var command = new Command("promote", "Promote a model version: set an alias and/or transition its stage (archiving the previous one).")
        {
            name, version, alias, stage, keep, json, trackingUri,
        };
        command.SetAction(parse =>
        {
            string? a = parse.GetValue(alias), s = parse.GetValue(stage);
            if (a == null && s == null) throw MlflowException.Invalid("registry promote needs --alias and/or --stage.");
            using var store = TrackingStores.Open(parse.GetValue(trackingUri));
            var registry = new ModelRegistry(store);
            var v = registry.Promote(parse.GetValue(name)!, parse.GetValue(version)!, a, s, archiveExisting: !parse.GetValue(keep));
            if (parse.GetValue(json))
            {
                CliConsole.WriteJson(VersionJson(v));
                return 0;
            }
            var parts = new List<string>();
            if (s != null) parts.Add($"stage {v.CurrentStage}");
            if (a != null) parts.Add($"alias @{a}");
            CliConsole.Info($"{v.Name} version {v.Version}: {string.Join(", ", parts)}.");
            return 0;
        });
        return command;
    }
}
