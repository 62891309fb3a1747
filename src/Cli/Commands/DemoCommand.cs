using System.CommandLine;
using System.Reflection;
using Mmcs.Cli.Output;
using Mmcs.Core;
using Mmcs.Featurize.Synthesis;
using Mmcs.Pipelines.Definition;
using Mmcs.Pipelines.Run;
using Mmcs.Registry;
using Mmcs.Train.Predict;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs demo`: the main job on embedded defaults (no data, no server).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var set = PipelineCommands.SetOption();
        var tracking = CommonOptions.TrackingUri();
        var json = CommonOptions.Json();
        var command = new Command("demo",
            "The whole job on embedded defaults: generate the synthetic mood corpus (.mmcs/demo), run pipelines/demo.yaml " +
            "(1D AutoML, three 2D CNNs, the ensemble), register and promote the model in ./mlruns, predict a few new clips " +
            "and print a summary. A second run reuses the feature cache.")
        {
            set, tracking, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            string? trackingUri = parse.GetValue(tracking);
            var loaded = PipelineLoader.Load(DemoPipelineFile(), parse.GetValue(set) ?? []);
            string corpus = Path.GetFullPath(Path.Combine(".mmcs", "demo", "corpus"));
            var result = await PipelineCommands.RunAsync(loaded, new PipelineRunOptions { DataOverride = corpus, TrackingUri = trackingUri }, asJson, ct);

            // predict clips the models never saw (another seed of the generator)
            string examples = Path.GetFullPath(Path.Combine(".mmcs", "demo", "examples"));
            if (SyntheticCorpus.IsInterrupted(examples)) Directory.Delete(examples, recursive: true);
            if (!Directory.Exists(examples) || !Directory.EnumerateFiles(examples, "*.wav", SearchOption.AllDirectories).Any())
                SyntheticCorpus.Generate(examples, new SyntheticCorpusOptions { PerClass = 2, Seconds = 12, Seed = 2026 }, null, ct);
            var files = PredictCommand.ExpandInputs([examples]);
            string modelName = loaded.Definition.Registry.ModelName;
            string championUri = $"models:/{modelName}@{loaded.Definition.Promotion.ChampionAlias}";
            var (model, answering) = ModelLoading.Load(championUri, trackingUri);
            using var _ = model;
            var predictor = new MoodPredictor(model);
            var predictions = files.Select(f => predictor.Predict(f, ct)).ToArray();
            string store = result.TrackingUri;
            string storePath = store.StartsWith("file://", StringComparison.Ordinal) ? new Uri(store).LocalPath : store;

            if (asJson)
            {
                CliConsole.WriteJson(new
                {
                    pipeline = PipelineCommands.Summary(result),
                    champion = answering,
                    predictions = predictions.Select(p => PredictCommand.Json(p, answering)).ToArray(),
                    mlflow_ui = $"mlflow ui --backend-store-uri {store}",
                });
                return 0;
            }
            PipelineCommands.PrintSummary(result);
            CliConsole.Table($"New clips, predicted by {answering}", new[] { "clip", "truth", "predicted" }.Concat(model.Labels).Append("windows").ToArray(),
                predictions.Select(p => (IReadOnlyList<string>)new[]
                {
                    Path.GetFileName(p.Path), Path.GetFileName(Path.GetDirectoryName(p.Path)) ?? "", p.Mood,
                }.Concat(model.Labels.Select(l => p.Probabilities[l].ToString("0.00", Invariant.Culture)))
                 .Append(p.Windows.Count.ToString(Invariant.Culture)).ToArray()));
            string F(double v) => v.ToString("0.000", Invariant.Culture);
            CliConsole.Table("MMCS demo", ["", ""], new List<IReadOnlyList<string>>
            {
                new[] { "test accuracy", $"{F(result.Evaluation.Accuracy)} [{F(result.AccuracyCi.Low)}, {F(result.AccuracyCi.High)}]" },
                new[] { "test macro-F1", $"{F(result.Evaluation.MacroF1)} [{F(result.MacroF1Ci.Low)}, {F(result.MacroF1Ci.High)}]" },
                new[] { "champion", $"{answering} ({championUri})" },
                new[] { "this run's model", result.Version == null ? "-" : $"models:/{result.Version.Name}/{result.Version.Version}" + (result.Decision is { } d ? (d.Promote ? " (promoted)" : " (challenger, not promoted)") : "") },
                new[] { "tracking store", storePath },
                new[] { "open it in MLflow", $"mlflow ui --backend-store-uri {store}" },
                new[] { "next", $"./mmcs predict song.mp3    ./mmcs serve    ./mmcs runs list    ./mmcs registry show {modelName}" },
            });
            return 0;
        });
        return command;
    }

    /// <summary>pipelines/demo.yaml of the checkout (MMCS_HOME, set by ./mmcs, or the working directory), else the built-in copy.</summary>
    internal static string DemoPipelineFile()
    {
        foreach (var root in new[] { Environment.GetEnvironmentVariable("MMCS_HOME"), Directory.GetCurrentDirectory() })
        {
            if (string.IsNullOrEmpty(root)) continue;
            string candidate = Path.Combine(root, "pipelines", "demo.yaml");
            if (File.Exists(candidate)) return candidate;
        }
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Mmcs.Cli.demo.yaml")
                           ?? throw new MmcsException(ErrorCodes.InternalError, "the built-in demo pipeline is missing from the build");
        string dir = Path.GetFullPath(Path.Combine(".mmcs", "demo"));
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, "demo.yaml");
        using (var output = File.Create(file)) stream.CopyTo(output);
        return file;
    }
}
