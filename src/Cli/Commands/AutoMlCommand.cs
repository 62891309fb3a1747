using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Core;
using Mmcs.Pipelines.Run;
using Mmcs.Registry.Models;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Data;
using Mmcs.Train.Models;
using Mmcs.Train.Tabular;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Trainers;

namespace Mmcs.Cli.Commands;

/// <summary>
/// `mmcs automl --train table --label COLUMN`: searches preprocessing + trainer pipelines on any feature table with
/// grouped, stratified cross-validation within a time budget and prints the leaderboard.
/// </summary>
internal static class AutoMlCommand
{
    public static Command Create()
    {
        var train = new Option<string>("--train")
        {
            Description = "The training table (.csv, .tsv, .parquet, .xlsx): feature columns plus a label column.",
            Required = true,
        };
        var label = new Option<string>("--label") { Description = "The label column.", Required = true };
        var group = new Option<string?>("--group")
        {
            Description = "A column whose rows stay together in cross-validation (song, artist).",
        };
        var time = new Option<double>("--time")
        {
            Description = "Time budget of the search in seconds (refitting and the report come after it).",
            DefaultValueFactory = _ => 60,
        };
        var cv = new Option<int>("--cv") { Description = "Cross-validation folds.", DefaultValueFactory = _ => 5 };
        var metric = new Option<string>("--metric")
        {
            Description = "The metric to maximise.",
            DefaultValueFactory = _ => "accuracy",
        };
        metric.AcceptOnlyFromAmong("accuracy", "macro_f1");
        var trainers = new Option<string?>("--trainers")
        {
            Description = $"Comma-separated trainers to search (default: all of {string.Join(", ", TrainerCatalog.Names)}).",
        };
        var tuner = new Option<string>("--tuner")
        {
            Description = "cfo: cost-frugal local search per trainer with ECI trainer choice (FLAML); random: random search.",
            DefaultValueFactory = _ => "cfo",
        };
        tuner.AcceptOnlyFromAmong("cfo", "random");
        var maxTrials = new Option<int?>("--max-trials") { Description = "Stop after this many trials even if time remains." };
        var start = new Option<string[]>("--start")
        {
            Description = "Where a trainer's search starts instead of its defaults, as trainer:key=value[:key=value...] " +
                          "(e.g. lightgbm:iterations=200:leaves=15); its first trial is that configuration. Repeatable.",
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of folds, tuner and trainers (same seed and trial count: same search).",
            DefaultValueFactory = _ => 1,
        };
        var test = new Option<string?>("--test")
        {
            Description = "A held-out table with the same columns, scored by the refitted best model (never used for selection).",
        };
        var ignore = new Option<string?>("--ignore") { Description = "Comma-separated columns to leave out." };
        var output = new Option<string?>("--out")
        {
            Description = "Folder for the leaderboard, charts, report and the best model (model/, loadable as a classifier).",
        };
        var experiment = new Option<string>("--experiment") { Description = "MLflow experiment of the run (created when missing).", DefaultValueFactory = _ => "automl" };
        var register = new Option<string?>("--register") { Description = "Register the best model under this name (a new version)." };
        var tracking = CommonOptions.TrackingUri();
        var json = CommonOptions.Json();
        var command = new Command("automl",
            "AutoML on a feature table: searches normalisation, feature selection and trainers (LightGBM, FastTree, FastForest, " +
            "maximum entropy, one-versus-all linear models, RBF SVM, 1D CNN) with stratified cross-validation grouped by " +
            "--group, within --time seconds; prints the leaderboard.")
        {
            train, label, group, time, cv, metric, trainers, tuner, maxTrials, start, seed, test, ignore, output, experiment, register, tracking, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            var ignored = Split(parse.GetValue(ignore));
            var readOptions = new TableReadOptions
            {
                LabelColumn = parse.GetValue(label)!,
                GroupColumn = parse.GetValue(group),
                IgnoreColumns = ignored ?? [],
            };
            var table = TableReader.Read(parse.GetValue(train)!, readOptions);
            TabularDataset? testSet = null;
            if (parse.GetValue(test) is { } testPath)
                testSet = TableReader.Read(testPath, readOptions with { GroupColumn = null, ClassNames = table.Dataset.ClassNames }).Dataset;
            double seconds = parse.GetValue(time);
            if (!(seconds > 0) || !double.IsFinite(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--time must be a positive number of seconds, got {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            string? outDir = parse.GetValue(output);
            string artifacts = outDir ?? Path.Combine(Path.GetTempPath(), "mmcs-automl-" + Guid.NewGuid().ToString("N"));
            if (outDir != null) CommonOptions.CheckNewOutputFolder(outDir);
            var options = new AutoMlOptions
            {
                TimeBudget = TimeSpan.FromSeconds(seconds),
                Folds = parse.GetValue(cv),
                Metric = parse.GetValue(metric) == "macro_f1" ? AutoMlMetric.MacroF1 : AutoMlMetric.Accuracy,
                Tuner = parse.GetValue(tuner) == "random" ? TunerKind.Random : TunerKind.Cfo,
                Trainers = Split(parse.GetValue(trainers)),
                MaxTrials = parse.GetValue(maxTrials),
                StartingPoints = (parse.GetValue(start) ?? []).Select(StartingPoint.Parse).ToArray(),
                Seed = parse.GetValue(seed),
                ArtifactDirectory = artifacts,
            };
            options.Validate(); // a typo (--cv 1, --trainers foo) is refused before a run is tracked, not as a FAILED run
            if (parse.GetValue(register) is { } registeredName) Mmcs.Registry.Validation.ModelName(registeredName); // and not after the search
            if (!asJson)
            {
                foreach (var notice in table.Notices) Console.Error.WriteLine($"note: {notice}");
            }
            using var tracker = Tracker.Open(parse.GetValue(tracking));
            using var run = tracker.StartRun(parse.GetValue(experiment)!, "automl " + Path.GetFileName(parse.GetValue(train)!));
            try
            {
                run.LogParam("train_table", Path.GetFullPath(parse.GetValue(train)!));
                run.LogParam("label_column", readOptions.LabelColumn);
                using var result = await CliConsole.WithProgressAsync(asJson, progress =>
                    Task.Run(() => TabularAutoMl.Run(table.Dataset, options, new ActiveRunAutoMlAdapter(run), testSet, progress, ct), ct));
                string? version = null;
                if (result.Model is { } model)
                {
                    string package = Path.Combine(Path.GetTempPath(), "mmcs-automl-model-" + Guid.NewGuid().ToString("N"));
                    try
                    {
                        ClassifierStore.Save(model, package);
                        new MlModelFile { ArtifactPath = "model", RunId = run.RunId }.WithFlavor(MlModelFile.MmcsFlavor, new Dictionary<string, object?>
                        {
                            ["kind"] = model.Kind,
                            ["classifier"] = ".",
                            ["labels"] = model.Labels.ToList(),
                            ["columns"] = table.Dataset.Frame.ColumnNames.ToList(),
                        }).Write(package);
                        string uri = ModelLogging.LogModel(run, package);
                        if (parse.GetValue(register) is { } name)
                            version = ModelLogging.Register(tracker.Store, uri, name, run.RunId).Version;
                    }
                    finally
                    {
                        if (Directory.Exists(package)) Directory.Delete(package, recursive: true);
                    }
                }
                run.End();
                if (asJson) CliConsole.WriteJson(Summary(result, table, outDir, run.RunId, tracker.TrackingUri, version));
                else
                {
                    Print(result, outDir);
                    CliConsole.Info($"run {run.RunId} in {tracker.TrackingUri}" + (version != null ? $"; registered as version {version}" : ""));
                }
            }
            catch (OperationCanceledException)
            {
                run.End(Mmcs.Registry.RunStatus.Killed);
                throw;
            }
            catch (Exception e)
            {
                run.Fail(e);
                throw;
            }
            finally
            {
                if (outDir == null && Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);
            }
            return 0;
        });
        return command;
    }

    private static IReadOnlyList<string>? Split(string? list) =>
        list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static object Summary(AutoMlResult result, TableReadResult table, string? outDir, string? runId = null,
        string? trackingUri = null, string? registeredVersion = null) => new
    {
        run_id = runId,
        tracking_uri = trackingUri,
        registered_version = registeredVersion,
        best = new
        {
            trainer = result.Best.Trainer,
            cv_accuracy = result.Best.CvAccuracy,
            cv_macro_f1 = result.Best.CvMacroF1,
            cv_accuracy_ci95 = new[] { result.Best.CvAccuracyCi.Low, result.Best.CvAccuracyCi.High },
            cv_macro_f1_ci95 = new[] { result.Best.CvMacroF1Ci.Low, result.Best.CvMacroF1Ci.High },
            fold_accuracy_ci95 = new[] { result.Best.FoldAccuracyCi.Low, result.Best.FoldAccuracyCi.High },
            parameters = result.Best.Parameters,
            trial_id = result.Best.TrialId,
        },
        per_class = result.OutOfFold.PerClass.Select(m => new { label = m.Label, precision = m.Precision, recall = m.Recall, f1 = m.F1, support = m.Support }),
        confusion = result.OutOfFold.Confusion,
        labels = result.OutOfFold.Labels,
        test = result.Test is { } t ? new { accuracy = t.Accuracy, macro_f1 = t.MacroF1, rows = t.Count } : null,
        trials = result.Trials.Select(x => new
        {
            trial_id = x.TrialId,
            trainer = x.Trainer,
            status = x.Status,
            cv_accuracy = x.CvAccuracy,
            cv_macro_f1 = x.CvMacroF1,
            seconds = x.Seconds,
            parameters = x.Parameters,
            error = x.Error,
        }),
        importances = result.Importances.Take(20).Select(f => new { feature = f.Feature, columns = f.Columns, importance = f.Importance, std = f.StdDev }),
        search_seconds = result.SearchTime.TotalSeconds,
        rows = table.Dataset.RowCount,
        notices = table.Notices.Concat(result.Notices).ToArray(), // the table's, then the search's
        ignored_columns = table.IgnoredColumns,
        output = outDir is null ? null : Path.GetFullPath(outDir),
    };

    private static void Print(AutoMlResult result, string? outDir)
    {
        static string F(double? v) => v is { } x ? x.ToString("F3", Invariant.Culture) : "";
        CliConsole.Table($"Leaderboard ({result.Trials.Count} trials in {result.SearchTime.TotalSeconds.ToString("F0", Invariant.Culture)} s)",
            ["rank", "trial", "trainer", "status", "cv accuracy", "cv macro-F1", "seconds", "parameters"],
            result.Trials.Take(15).Select((t, i) => (IReadOnlyList<string>)
            [
                t.Status == "succeeded" ? (i + 1).ToString(Invariant.Culture) : "", t.TrialId.ToString(Invariant.Culture), t.Trainer, t.Status,
                F(t.CvAccuracy), F(t.CvMacroF1), t.Seconds.ToString("F1", Invariant.Culture),
                t.Error ?? string.Join(" ", t.Parameters.Select(kv => $"{kv.Key}={kv.Value}")),
            ]));
        int notShown = result.Trials.Count - 15;
        if (notShown > 0)
        {
            int unfinished = result.Trials.Skip(15).Count(t => t.Status != "succeeded");
            CliConsole.Info($"({notShown} more trials not shown{(unfinished > 0 ? $", {unfinished} of them failed or cancelled" : "")}; --json lists every trial)");
        }
        foreach (var notice in result.Notices) Console.Error.WriteLine($"note: {notice}");
        var b = result.Best;
        CliConsole.Info($"best: {b.Trainer} (trial {b.TrialId}): CV accuracy {F(b.CvAccuracy)} {b.CvAccuracyCi}, " +
                        $"macro-F1 {F(b.CvMacroF1)} {b.CvMacroF1Ci} (95% bootstrap intervals, out-of-fold)");
        CliConsole.Table("Per class (out-of-fold)", ["class", "precision", "recall", "F1", "support"],
            result.OutOfFold.PerClass.Select(m => (IReadOnlyList<string>)
                [m.Label, F(m.Precision), F(m.Recall), F(m.F1), m.Support.ToString(Invariant.Culture)]));
        if (result.Test is { } t) CliConsole.Info($"held-out test: accuracy {F(t.Accuracy)}, macro-F1 {F(t.MacroF1)} ({t.Count} rows)");
        if (outDir != null) CliConsole.Info($"artifacts and model: {Path.GetFullPath(outDir)}");
    }
}
