using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Batch;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Data;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Tabular;

namespace Mmcs.Bench.Cnn;

/// <summary>
/// The 2D CNNs (MFCC, spectrogram, mel presets of the original study) and their ensembles on the 4Q dev half,
/// evaluated with artist-grouped, stratified K-fold cross-validation:
/// <list type="number">
/// <item>featurise every clip once (57 seed features and the three images) through the batch featuriser into an
/// array directory under bench/out, with the feature cache (re-runs read the cache);</item>
/// <item>per outer fold, a grouped hold-out of the training artists (20 %) is the validation split for early
/// stopping and for the ensemble's weights; each CNN trains on the rest, streaming from the arrays;</item>
/// <item>the 1D tabular model (a short AutoML search over linear models and LightGBM on the same inner training
/// rows) joins the ensembles;</item>
/// <item>every model and ensemble predicts the outer test fold (through <see cref="IMoodClassifier"/> and
/// <see cref="EnsembleClassifier"/>, the path a registered model takes); out-of-fold predictions of all clips give
/// accuracy and macro-F1 with 95 % bootstrap intervals.</item>
/// </list>
/// </summary>
internal static class FourQ
{
    private static readonly ImageKind[] Kinds = [ImageKind.Mfcc, ImageKind.Spectrogram, ImageKind.Mel];
    private static readonly string[] TabularTrainers = ["sdca_logreg_ova", "lbfgs_maxent", "sdca_maxent", "lightgbm"];

    public static async Task<int> RunAsync(Args args)
    {
        string repo = RepoRoot();
        string shared = Environment.GetEnvironmentVariable("MMCS_SHARED_DIR") ?? Path.Combine(repo, "..", "shared");
        string data = Path.GetFullPath(args.String("data") ?? Path.Combine(shared, "datasets", "4q-dev"));
        if (!Directory.Exists(data))
        {
            Console.Error.WriteLine($"no 4Q dataset at {data}.");
            Console.Error.WriteLine("Give its folder with --data DIR (Q1..Q4 folders and panda_dataset_taffc_*.csv), or set MMCS_SHARED_DIR.");
            return 3;
        }
        int epochs = args.Int("epochs", 20);
        int folds = args.Int("folds", 5);
        int patience = args.Int("patience", 5);
        double scale = args.Double("scale", 0.5);
        double learningRate = args.Double("lr", 1e-3);
        double tabularSeconds = args.Double("tabular-seconds", 15);
        int seed = args.Int("seed", 1);
        int limit = args.Int("limit", 0);
        // --windows S: a mel CNN on S-second texture windows (hop S/2) of a mel image at --mel-rows x --mel-cols for the
        // whole 25.5 s excerpt (default 96 x 550: half the native time resolution), 4 blocks of --filters (pool 2x2), a
        // global-average-pooling head, SpecAugment and mixup; a clip is the mean of its windows' probabilities
        double windowSeconds = args.Double("windows", 0);
        int melRows = args.Int("mel-rows", 96), melCols = args.Int("mel-cols", 550);
        var filters = (args.String("filters") ?? "12,24,48,48").Split(',').Select(f => int.Parse(f, Invariant.Culture)).ToArray();
        if (windowSeconds > 0 && (args.String("kinds") != null || args.String("variant") != null))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "--windows trains its own mel CNN: --kinds and --variant do not apply");
        // --kinds mel: only some of the three CNNs; --variant gap+all: one of Cnn2dOptionSearch's standard variants
        var kinds = windowSeconds > 0 ? [ImageKind.Mel] : (args.String("kinds") ?? "mfcc,spectrogram,mel").Split(',').Select(k =>
            Enum.TryParse<ImageKind>(k, ignoreCase: true, out var kind) ? kind
                : throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--kinds: '{k}' is not one of mfcc, spectrogram, mel")).ToArray();
        string variantName = args.String("variant") ?? "original";
        var variantNames = Cnn2dOptionSearch.StandardVariants(ImageKind.Mel, new Cnn2dTrainingOptions()).Select(v => v.Name).ToArray();
        if (!variantNames.Contains(variantName))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--variant {variantName}: not one of {string.Join(", ", variantNames)}");
        string outDir = Path.GetFullPath(args.String("out") ?? Path.Combine(repo, "bench", "out", windowSeconds > 0 ? "cnn-4q-windows" : "cnn-4q"));
        Directory.CreateDirectory(outDir);
        var total = Stopwatch.StartNew();

        // 1. Featurise once (the cache makes re-runs cheap).
        var dataset = DatasetReader.Open(data);
        var items = limit > 0 ? dataset.Items.Where((_, i) => i % Math.Max(1, dataset.Items.Count / limit) == 0).Take(limit).ToArray() : dataset.Items;
        var images = windowSeconds > 0
            ? new ImageOptions { Spectrogram = new ImageSize(16, 16), Mfcc = new ImageSize(20, 16), Mel = new ImageSize(melRows, melCols) }
            : Scaled(ImageOptions.OriginalStudy, scale);
        string tag = (windowSeconds > 0 ? $"mel{melRows}x{melCols}" : "x" + scale.ToString("0.###", Invariant.Culture)) +
                     (limit > 0 ? "-limit" + limit.ToString(Invariant.Culture) : "");
        string arrays = Path.Combine(outDir, "arrays-" + tag);
        string tablePath = Path.Combine(outDir, $"4q-dev-seed-{tag}.parquet");
        var request = new FeatureExtractionRequest
        {
            Items = items,
            Set = FeatureSetKind.Seed,
            Images = images,
            TablePath = tablePath,
            ArraysDirectory = arrays,
            CacheDirectory = Path.GetFullPath(args.String("cache") ?? Path.Combine(repo, "bench", "out", "feature-cache")),
        };
        Console.WriteLine($"{data}: {items.Count} clips; images {Describe(images)}" +
                          (windowSeconds > 0 ? $" (mel for {Invariant.Format(windowSeconds)} s windows)" : $" (the original study's sizes x {Invariant.Format(scale)})"));
        var featurizeClock = Stopwatch.StartNew();
        var summary = await FeatureExtraction.RunAsync(request, new ClipFeaturizer(request.Options), new SyncProgress(u =>
        {
            if (u.Task == "featurise" && (u.Completed % 50 == 0 || u.Completed == u.Total))
                Console.WriteLine($"  featurise {u.Completed}/{u.Total} [{featurizeClock.Elapsed.TotalSeconds:F0} s]");
        }));
        double featurizeSeconds = featurizeClock.Elapsed.TotalSeconds;
        Console.WriteLine($"featurised in {featurizeSeconds:F0} s: {summary.Succeeded} clips, {summary.CacheHits} from the cache, " +
                          $"{summary.Computed} computed, {summary.Skipped} skipped, {summary.Failed} failed");
        foreach (var s in summary.Skips) Console.WriteLine($"  skipped {Path.GetFileName(s.Path)}: {s.Reason}");
        foreach (var f in summary.Failures) Console.WriteLine($"  failed {Path.GetFileName(f.Path)}: {f.Message}");

        // 2. The three image sources (streamed from the arrays) and the 1D vectors, in the index's order.
        var labels = dataset.Labels.ToArray();
        var sources = Kinds.ToDictionary(k => k, k => NpzImageSource.Open(arrays, k, labels));
        // the excerpt in melCols columns: a window of S seconds is S / excerpt of them
        double excerpt = request.Options.ExcerptSeconds;
        if (windowSeconds > excerpt)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--windows {Invariant.Format(windowSeconds)}: longer than the {Invariant.Format(excerpt)} s excerpt");
        var windowed = windowSeconds > 0
            ? new WindowImageSource(sources[ImageKind.Mel], (int)Math.Round(melCols * windowSeconds / excerpt), (int)Math.Round(melCols * windowSeconds / 2 / excerpt))
            : null;
        if (windowed != null) Console.WriteLine($"mel windows: {windowed.Size.Rows}x{windowed.Size.Cols}, {windowed.PerClip} per clip; filters {string.Join("/", filters)}");
        var reference = sources[ImageKind.Mfcc];
        var table = FeatureTableIO.Read(tablePath);
        var vectorsById = table.Rows.ToDictionary(r => r.Id, r => r.Values, StringComparer.Ordinal);
        var vectors = reference.Entries.Select(e => vectorsById.TryGetValue(e.Id, out var v) ? v
            : throw new MmcsException(ErrorCodes.DataInvalid, $"{tablePath}: no row for clip '{e.Id}'")).ToArray();
        var truth = reference.AllLabels();
        var groups = reference.AllGroups();
        int n = reference.Count;
        Console.WriteLine($"{n} clips ({string.Join(", ", labels.Select((l, c) => $"{l} {truth.Count(t => t == c)}"))}), " +
                          $"{groups.Distinct(StringComparer.Ordinal).Count()} artist groups; {folds}-fold artist-grouped CV, " +
                          $"up to {epochs} epochs (patience {patience}), Adam {Invariant.Format(learningRate)} reduced on plateau, " +
                          $"tabular AutoML {Invariant.Format(tabularSeconds)} s per fold; {Environment.ProcessorCount} cores");

        // 3. Cross-validation.
        var outerFolds = new StratifiedGroupKFold(folds, seed).Split(truth, groups);
        var predictions = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var probabilitiesOut = new Dictionary<string, double[][]>(StringComparer.Ordinal);
        var foldScores = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var training = new Dictionary<string, List<(double SecondsPerEpoch, int Epochs, int BestEpoch, double Seconds)>>(StringComparer.Ordinal);
        var weightsSeen = new List<double[]>();
        var tabularChoices = new List<string>();
        var trainingClock = Stopwatch.StartNew();

        void Record(string model, int[] rows, double[][] p, int[] foldTruth)
        {
            if (!predictions.ContainsKey(model))
            {
                predictions[model] = Enumerable.Repeat(-1, n).ToArray();
                probabilitiesOut[model] = new double[n][];
                foldScores[model] = [];
            }
            var predicted = ClassificationReport.ArgMax(p);
            for (int k = 0; k < rows.Length; k++)
            {
                predictions[model][rows[k]] = predicted[k];
                probabilitiesOut[model][rows[k]] = p[k];
            }
            foldScores[model].Add(ClassificationReport.Compute(foldTruth, predicted, labels).Accuracy);
        }

        for (int f = 0; f < outerFolds.Count; f++)
        {
            var (outerTrain, test) = outerFolds[f];
            var (innerLocal, validationLocal) = GroupedHoldOut.Split(outerTrain.Select(i => truth[i]).ToArray(),
                outerTrain.Select(i => groups[i]).ToArray(), 0.2, seed + f);
            var train = innerLocal.Select(i => outerTrain[i]).ToArray();
            var validation = validationLocal.Select(i => outerTrain[i]).ToArray();
            var testTruth = test.Select(i => truth[i]).ToArray();
            var validationTruth = validation.Select(i => truth[i]).ToArray();
            Console.WriteLine($"fold {f + 1}/{outerFolds.Count}: train {train.Length}, validation {validation.Length}, test {test.Length} clips " +
                              $"[{total.Elapsed.TotalSeconds:F0} s]");
            var testClips = Clips(test, sources, table.FeatureNames, vectors);
            var validationClips = Clips(validation, sources, table.FeatureNames, vectors);

            var members = new List<(string Name, IMoodClassifier Model, double[][] Validation)>();
            AutoMlResult? automl = null;
            var foldOptions = new Cnn2dTrainingOptions
            {
                LearningRate = learningRate,
                Schedule = LearningRateSchedule.ReduceOnPlateau,
                PlateauPatience = 2,
                MaxEpochs = epochs,
                Patience = patience,
                Seed = seed + f,
            };
            try
            {
                if (windowed != null)
                {
                    var split = CnnDataAssembly.Assemble(windowed, windowed.WindowsOf(train), windowed.WindowsOf(validation), windowed.WindowsOf(test));
                    var options = foldOptions with { L2 = 1e-4, SpecAugment = new SpecAugmentOptions(), MixupAlpha = 0.2 };
                    var architecture = new Cnn2dArchitecture
                    {
                        Filters = filters, PoolRows = 2, PoolCols = 2, Dense = [64], Dropout = 0.3, Head = Cnn2dHead.GlobalAveragePooling,
                    };
                    var clock = Stopwatch.StartNew();
                    var result = Cnn2dTrainer.Train(split, new Cnn2dVariant("windows", architecture, options));
                    const string name = "2D CNN Mel windows";
                    if (!training.TryGetValue(name, out var list)) training[name] = list = [];
                    list.Add((result.SecondsPerEpoch, result.History.Count, result.BestEpoch, clock.Elapsed.TotalSeconds));
                    var p = windowed.MeanPerClip(result.Model.PredictProbabilities(split.Test!));
                    Record(name, test, p, testTruth);
                    Console.WriteLine($"  windows     {result.History.Count,2} epochs (best {result.BestEpoch,2}), {result.SecondsPerEpoch:F2} s/epoch, " +
                                      $"val acc (windows) {result.Best.ValidationAccuracy:F3}, test acc (songs) {foldScores[name][^1]:F3} [{total.Elapsed.TotalSeconds:F0} s]");
                    if (f == 0) Cnn2dArtifacts.WriteTrainingCurves(Path.Combine(outDir, "curves", "mel-windows"), result, "Mel windows, fold 1");
                    result.Model.Dispose();
                }
                foreach (var kind in windowed != null ? [] : kinds)
                {
                    var split = CnnDataAssembly.Assemble(sources[kind], train, validation, test);
                    var options = foldOptions;
                    var clock = Stopwatch.StartNew();
                    var variant = Cnn2dOptionSearch.StandardVariants(kind, options).Single(v => v.Name == variantName);
                    var result = Cnn2dTrainer.Train(split, variant);
                    members.Add(($"cnn2d-{kind.ToString().ToLowerInvariant()}", result.Model, result.Model.PredictProbabilities(validationClips)));
                    string name = $"2D CNN {kind}";
                    if (!training.TryGetValue(name, out var list)) training[name] = list = [];
                    list.Add((result.SecondsPerEpoch, result.History.Count, result.BestEpoch, clock.Elapsed.TotalSeconds));
                    var p = result.Model.PredictProbabilities(testClips);
                    Record(name, test, p, testTruth);
                    Console.WriteLine($"  {kind,-11} {result.History.Count,2} epochs (best {result.BestEpoch,2}), {result.SecondsPerEpoch:F2} s/epoch, " +
                                      $"val acc {result.Best.ValidationAccuracy:F3}, test acc {foldScores[name][^1]:F3} [{total.Elapsed.TotalSeconds:F0} s]");
                    if (f == 0)
                        Cnn2dArtifacts.WriteTrainingCurves(Path.Combine(outDir, "curves", kind.ToString().ToLowerInvariant()), result,
                            $"{kind}, fold 1");
                }

                if (tabularSeconds > 0)
                {
                    var clock = Stopwatch.StartNew();
                    var tabular = TabularDataset.FromVectors(table.FeatureNames, train.Select(i => vectors[i]).ToArray(),
                        train.Select(i => labels[truth[i]]).ToArray(), train.Select(i => groups[i]).ToArray(), labels, "4q-dev seed");
                    automl = TabularAutoMl.Run(tabular, new AutoMlOptions
                    {
                        TimeBudget = TimeSpan.FromSeconds(tabularSeconds),
                        Folds = 3,
                        Seed = seed + f,
                        Trainers = TabularTrainers,
                        ImportanceRepeats = 0,
                        BootstrapResamples = 0,
                        VectorSet = FeatureSetKind.Seed,
                        ArtifactDirectory = Path.Combine(outDir, "tabular", $"fold{f + 1}"),
                    });
                    var model = automl.Model ?? throw new MmcsException(ErrorCodes.InternalError, "the AutoML search returned no model");
                    members.Add(("tabular", model, model.PredictProbabilities(validationClips)));
                    const string name = "1D tabular (AutoML)";
                    if (!training.TryGetValue(name, out var list)) training[name] = list = [];
                    list.Add((double.NaN, automl.Trials.Count, 0, clock.Elapsed.TotalSeconds));
                    tabularChoices.Add(model.Trainer);
                    Record(name, test, model.PredictProbabilities(testClips), testTruth);
                    Console.WriteLine($"  tabular     {automl.Trials.Count} trials, best {model.Trainer} (inner CV acc {automl.Best.CvAccuracy:F3}), " +
                                      $"test acc {foldScores[name][^1]:F3} [{total.Elapsed.TotalSeconds:F0} s]");
                }

                // Ensembles: the registered ensemble class over the members (borrowed: the fold disposes them).
                var cnns = members.Where(m => m.Name.StartsWith("cnn2d", StringComparison.Ordinal)).ToList();
                if (cnns.Count > 1) Ensemble($"ensemble 2D (mean of the {cnns.Count} CNNs)", cnns, null);
                if (cnns.Count > 0 && members.Count > cnns.Count)
                {
                    Ensemble("ensemble 2D + 1D (mean)", members, null);
                    var fitted = EnsembleWeights.Fit(members.Select(m => m.Validation).ToArray(), validationTruth, EnsembleWeighting.LogLoss, labels);
                    weightsSeen.Add(fitted);
                    Ensemble("ensemble 2D + 1D (log-loss weights on validation)", members, fitted);
                }

                void Ensemble(string name, List<(string Name, IMoodClassifier Model, double[][] Validation)> parts, double[]? weights)
                {
                    using var ensemble = new EnsembleClassifier(parts.Select(m => (IMoodClassifier)new Borrowed(m.Model)).ToArray(),
                        parts.Select(m => m.Name).ToArray(), weights, weights == null ? EnsembleWeighting.Equal : EnsembleWeighting.LogLoss);
                    var p = ensemble.PredictProbabilities(testClips);
                    if (p.Any(row => Math.Abs(row.Sum() - 1) > 1e-9))
                        throw new MmcsException(ErrorCodes.InternalError, $"{name}: probabilities do not sum to 1");
                    Record(name, test, p, testTruth);
                    Console.WriteLine($"  {name}: test acc {foldScores[name][^1]:F3}" +
                                      (weights == null ? "" : $" (weights {string.Join(", ", parts.Select((m, i) => $"{m.Name} {weights[i]:F2}"))})"));
                }
            }
            finally
            {
                foreach (var m in members.Where(m => m.Name != "tabular")) m.Model.Dispose();
                automl?.Dispose();
            }
        }
        double trainingSeconds = trainingClock.Elapsed.TotalSeconds;

        // 4. The report.
        var rowsOut = new List<object>();
        var md = new StringBuilder();
        md.AppendLine("| model | input | accuracy (95 % CI) | macro-F1 (95 % CI) | fold accuracies | s/epoch | epochs run (best) |");
        md.AppendLine("|---|---|---|---|---|---:|---|");
        ClassificationReport? bestEnsemble = null;
        string? bestEnsembleName = null;
        foreach (var (model, predicted) in predictions)
        {
            if (predicted.Any(p => p < 0)) throw new MmcsException(ErrorCodes.InternalError, $"{model}: a clip has no out-of-fold prediction");
            var report = ClassificationReport.Compute(truth, predicted, labels);
            var accuracyCi = ConfidenceIntervals.Bootstrap(truth, predicted, labels, r => r.Accuracy, seed: seed);
            var f1Ci = ConfidenceIntervals.Bootstrap(truth, predicted, labels, r => r.MacroF1, seed: seed);
            string input = windowed != null && model.StartsWith("2D CNN ", StringComparison.Ordinal)
                ? $"mel {windowed.Size.Rows}x{windowed.Size.Cols} windows ({windowed.PerClip} per clip, cut from {melRows}x{melCols})"
                : model.StartsWith("2D CNN ", StringComparison.Ordinal)
                ? $"{model[7..]} {Size(images, Enum.Parse<ImageKind>(model[7..]))}"
                : model.StartsWith("1D", StringComparison.Ordinal) ? "57 seed features" : "members' probabilities";
            string perEpoch = "", epochsRun = "";
            if (training.TryGetValue(model, out var t) && t.All(x => double.IsFinite(x.SecondsPerEpoch)))
            {
                perEpoch = t.Average(x => x.SecondsPerEpoch).ToString("F2", Invariant.Culture);
                epochsRun = $"{t.Average(x => x.Epochs):F1} ({t.Average(x => x.BestEpoch):F1})";
            }
            md.AppendLine($"| {model} | {input} | {report.Accuracy:F3} ({accuracyCi.Low:F3}-{accuracyCi.High:F3}) | " +
                          $"{report.MacroF1:F3} ({f1Ci.Low:F3}-{f1Ci.High:F3}) | {string.Join(" ", foldScores[model].Select(s => s.ToString("F2", Invariant.Culture)))} | " +
                          $"{perEpoch} | {epochsRun} |");
            rowsOut.Add(new
            {
                model,
                input,
                accuracy = report.Accuracy,
                accuracy_ci = new[] { accuracyCi.Low, accuracyCi.High },
                macro_f1 = report.MacroF1,
                macro_f1_ci = new[] { f1Ci.Low, f1Ci.High },
                fold_accuracy = foldScores[model],
                per_class_f1 = report.PerClass.ToDictionary(c => c.Label, c => c.F1),
                seconds_per_epoch = t?.Select(x => x.SecondsPerEpoch).ToArray(),
                epochs = t?.Select(x => x.Epochs).ToArray(),
                best_epoch = t?.Select(x => x.BestEpoch).ToArray(),
                train_seconds = t?.Select(x => x.Seconds).ToArray(),
            });
            string file = new string(model.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());
            Cnn2dArtifacts.WriteConfusionMatrix(Path.Combine(outDir, "confusion", file), report, model);
            if (model.StartsWith("ensemble", StringComparison.Ordinal) && (bestEnsemble == null || report.Accuracy > bestEnsemble.Accuracy))
            {
                bestEnsemble = report;
                bestEnsembleName = model;
            }
        }
        Console.WriteLine();
        Console.WriteLine(md.ToString());
        if (bestEnsemble != null)
        {
            Console.WriteLine($"{bestEnsembleName}, per class F1: " +
                              string.Join(", ", bestEnsemble.PerClass.Select(c => $"{c.Label} {c.F1:F3}")));
        }
        if (tabularChoices.Count > 0) Console.WriteLine($"tabular model per fold: {string.Join(", ", tabularChoices)}");
        if (weightsSeen.Count > 0)
        {
            var names = kinds.Select(k => "cnn2d-" + k.ToString().ToLowerInvariant()).Append("tabular").ToArray(); // the members' order
            Console.WriteLine("fitted weights per fold: " + string.Join("; ", weightsSeen.Select(w =>
                string.Join(" ", w.Select((x, i) => $"{names[i]} {x:F2}")))));
        }
        Console.WriteLine($"wall time: featurise {featurizeSeconds:F0} s, cross-validation {trainingSeconds:F0} s, total {total.Elapsed.TotalSeconds:F0} s");
        File.WriteAllText(Path.Combine(outDir, "summary.md"), md.ToString());
        // every model's out-of-fold probabilities per song, for votes with other benches' models (bench/Windows --member)
        var oof = new StringBuilder("model,song," + string.Join(",", labels) + "\n");
        foreach (var (model, p) in probabilitiesOut)
            for (int i = 0; i < n; i++)
                oof.Append($"\"{model}\",{reference.ItemId(i)},{string.Join(",", p[i].Select(v => v.ToString("R", Invariant.Culture)))}\n");
        File.WriteAllText(Path.Combine(outDir, "oof.csv"), oof.ToString());
        File.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(new
        {
            data,
            clips = n,
            folds,
            epochs,
            patience,
            learning_rate = learningRate,
            scale = windowed == null ? scale : (double?)null,
            images = kinds.ToDictionary(k => k.ToString(), k => Size(images, k)),
            variant = windowed == null ? variantName : null,
            windows = windowed == null ? null : new
            {
                seconds = windowSeconds,
                mel = $"{melRows}x{melCols}",
                window_cols = windowed.WindowCols,
                hop_cols = windowed.HopCols,
                per_clip = windowed.PerClip,
                filters,
            },
            tabular_seconds = tabularSeconds,
            seed,
            featurize_seconds = featurizeSeconds,
            cv_seconds = trainingSeconds,
            total_seconds = total.Elapsed.TotalSeconds,
            machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            tabular_choices = tabularChoices,
            fitted_weights = weightsSeen,
            results = rowsOut,
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        Console.WriteLine($"artifacts: {outDir}");
        return 0;
    }

    /// <summary>The clips at some rows as the classifiers take them: the 1D vector and the three images.</summary>
    private static ClipFeatures[] Clips(int[] rows, Dictionary<ImageKind, NpzImageSource> sources, IReadOnlyList<string> names,
        double[][] vectors) =>
        rows.Select(i => new ClipFeatures(new FeatureVector(names, vectors[i]), new FeatureImages(
            sources[ImageKind.Spectrogram].ReadMatrix(i), sources[ImageKind.Mfcc].ReadMatrix(i), sources[ImageKind.Mel].ReadMatrix(i)))).ToArray();

    internal static ImageOptions Scaled(ImageOptions options, double scale)
    {
        static ImageSize? S(ImageSize? s, double k) => s is null ? null
            : new ImageSize(Math.Max(1, (int)Math.Round(s.Rows * k)), Math.Max(1, (int)Math.Round(s.Cols * k)));
        return new ImageOptions { Spectrogram = S(options.Spectrogram, scale), Mfcc = S(options.Mfcc, scale), Mel = S(options.Mel, scale) };
    }

    private static string Size(ImageOptions options, ImageKind kind)
    {
        var s = kind switch { ImageKind.Spectrogram => options.Spectrogram, ImageKind.Mfcc => options.Mfcc, _ => options.Mel };
        return s is null ? "-" : $"{s.Rows}x{s.Cols}";
    }

    private static string Describe(ImageOptions options) => string.Join(", ", Kinds.Select(k => $"{k} {Size(options, k)}"));

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }

    /// <summary>A member lent to an ensemble: predictions pass through, disposal does not (the fold owns the model).</summary>
    private sealed class Borrowed(IMoodClassifier inner) : IMoodClassifier
    {
        public string Kind => inner.Kind;
        public IReadOnlyList<string> Labels => inner.Labels;
        public FeatureRequirements Requirements => inner.Requirements;
        public double[][] PredictProbabilities(IReadOnlyList<ClipFeatures> clips) => inner.PredictProbabilities(clips);
        public void Save(string directory) => inner.Save(directory);

        public void Dispose()
        {
        }
    }
}

/// <summary>Reports on the calling thread.</summary>
internal sealed class SyncProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
{
    public void Report(ProgressUpdate value) => report(value);
}
