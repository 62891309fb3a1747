// Tabular AutoML on the 1D features of 4Q (dev half): artist-grouped, stratified K-fold CV of the best pipeline
// found within a time budget, against the original study's 0.51 accuracy (librosa features + 1D CNN, 80/20 split).
//
//   flock /tmp/mmcs-build.lock dotnet run -c Release --project bench/Automl -- \
//       --table bench/out/4q-dev-seed.parquet [--time 300] [--cv 10] [--seed 1] [--trainers a,b] [--tuner cfo|random]
//
// The table is a feature table as the featuriser writes it (Mmcs.Featurize.Storage.FeatureTableIO: meta columns
// id, path, label, group, song, augmentation + one column per feature; CSV or Parquet). Rows without a group get the
// artist from the dataset's metadata CSV (../shared/datasets/4q-dev, or $MMCS_SHARED_DIR/datasets/4q-dev).
using System.Diagnostics;
using System.Text.Json;
using Mmcs.Core;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;
using Mmcs.Train.Data;
using Mmcs.Train.Tabular;

try
{
    return await RunAsync(args);
}
catch (MmcsException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return e.ExitCode;
}

static async Task<int> RunAsync(string[] args)
{
string repo = FindRepoRoot();
var argsMap = ParseArgs(args);
string tablePath = argsMap.GetValueOrDefault("table") ?? Path.Combine(repo, "bench", "out", "4q-dev-seed.parquet");
string shared = Environment.GetEnvironmentVariable("MMCS_SHARED_DIR") ?? Path.Combine(repo, "..", "shared");
string datasetDir = argsMap.GetValueOrDefault("dataset") ?? Path.Combine(shared, "datasets", "4q-dev");
double seconds = double.Parse(argsMap.GetValueOrDefault("time") ?? "300", Invariant.Culture);
int folds = int.Parse(argsMap.GetValueOrDefault("cv") ?? "10", Invariant.Culture);
int seed = int.Parse(argsMap.GetValueOrDefault("seed") ?? "1", Invariant.Culture);
string outDir = argsMap.GetValueOrDefault("out") ?? Path.Combine(repo, "bench", "out", "automl-4q-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", Invariant.Culture));

if (!File.Exists(tablePath) && argsMap.GetValueOrDefault("featurize") == "true")
{
    // Featurise the 4Q clips (seed set) with the project's featuriser into the table, through the feature cache.
    var dataset = DatasetReader.ReadFourQ(datasetDir);
    var items = argsMap.TryGetValue("limit", out var limit) ? dataset.Items.Take(int.Parse(limit, Invariant.Culture)).ToArray() : dataset.Items;
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(tablePath))!);
    var request = new Mmcs.Featurize.Batch.FeatureExtractionRequest
    {
        Items = items,
        Set = Mmcs.Featurize.FeatureSetKind.Seed,
        TablePath = tablePath,
        CacheDirectory = Path.Combine(repo, "bench", "out", "feature-cache"),
    };
    var featurizeClock = Stopwatch.StartNew();
    var summary = await Mmcs.Featurize.Batch.FeatureExtraction.RunAsync(request, new Mmcs.Featurize.ClipFeaturizer(request.Options),
        new SyncProgress(u => { if (u.Completed % 25 == 0 || u.Completed == u.Total) Console.WriteLine($"  featurise {u.Completed}/{u.Total} {u.Message}"); }));
    Console.WriteLine($"featurised {items.Count} clips in {featurizeClock.Elapsed.TotalSeconds:F0} s: " +
                      JsonSerializer.Serialize(new { summary.Failures, summary.Skips }));
}

if (!File.Exists(tablePath))
{
    Console.Error.WriteLine($"no feature table at {tablePath}.");
    Console.Error.WriteLine("Featurise the 4Q dev clips first (seed set, 57 features) into that file with the featuriser's batch");
    Console.Error.WriteLine("command (Mmcs.Featurize: a FeatureTableIO table with label and group columns), then run again:");
    Console.Error.WriteLine("  flock /tmp/mmcs-build.lock dotnet run -c Release --project bench/Automl -- --table " + tablePath);
    Console.Error.WriteLine("or let this benchmark featurise them (add --featurize true; the feature cache makes reruns cheap).");
    return 2;
}

var table = FeatureTableIO.Read(tablePath);
Console.WriteLine($"table: {tablePath}: {table.Rows.Count} rows x {table.FeatureNames.Count} features");

// Artist groups: from the table, else from the 4Q metadata by song id.
Dictionary<string, string>? artists = null;
if (table.Rows.Any(r => string.IsNullOrEmpty(r.Group)))
{
    if (!Directory.Exists(datasetDir))
    {
        Console.Error.WriteLine($"rows without a group and no dataset at {datasetDir} to read artists from (set MMCS_SHARED_DIR)");
        return 2;
    }
    artists = DatasetReader.ReadFourQ(datasetDir).Items
        .Where(i => i.Group != null)
        .ToDictionary(i => i.SongId, i => i.Group!, StringComparer.OrdinalIgnoreCase);
}
var labels = new List<string>();
var groups = new List<string>();
var rows = new List<double[]>();
int missingGroups = 0;
foreach (var r in table.Rows)
{
    if (r.Label is null) throw new MmcsException(ErrorCodes.DataInvalid, $"{tablePath}: row {r.Id} has no label");
    string song = r.Song ?? Path.GetFileNameWithoutExtension(r.Path);
    string? group = string.IsNullOrEmpty(r.Group) ? artists?.GetValueOrDefault(song) : r.Group;
    if (group is null) missingGroups++;
    labels.Add(r.Label);
    groups.Add(group ?? "song:" + song);
    rows.Add(r.Values);
}
if (missingGroups > 0) Console.WriteLine($"note: {missingGroups} rows have no artist; each is its own group");
var data = TabularDataset.FromVectors(table.FeatureNames, rows, labels, groups, source: Path.GetFileName(tablePath));
Console.WriteLine($"classes: {string.Join(", ", data.ClassNames.Select((c, i) => $"{c} {data.ClassCounts()[i]}"))}; " +
                  $"{groups.Distinct().Count()} artist groups; {folds}-fold grouped CV; budget {seconds} s");

var options = new AutoMlOptions
{
    TimeBudget = TimeSpan.FromSeconds(seconds),
    Folds = folds,
    Seed = seed,
    Metric = argsMap.GetValueOrDefault("metric") == "macro_f1" ? AutoMlMetric.MacroF1 : AutoMlMetric.Accuracy,
    Tuner = argsMap.GetValueOrDefault("tuner") == "random" ? TunerKind.Random : TunerKind.Cfo,
    Trainers = argsMap.GetValueOrDefault("trainers")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
    ArtifactDirectory = outDir,
    VectorSet = table.FeatureNames.Count <= 60 ? Mmcs.Featurize.FeatureSetKind.Seed : Mmcs.Featurize.FeatureSetKind.Full,
};
var clock = Stopwatch.StartNew();
using var result = TabularAutoMl.Run(data, options, progress: new SyncProgress(u => { if (u.Message != null && u.Task == "automl") Console.WriteLine($"  [{clock.Elapsed.TotalSeconds,6:F1} s] {u.Message}"); }));
var b = result.Best;
Console.WriteLine();
Console.WriteLine($"trials: {result.Trials.Count} ({result.Trials.Count(t => t.Status == "failed")} failed) in {result.SearchTime.TotalSeconds:F0} s; total {clock.Elapsed.TotalSeconds:F0} s");
Console.WriteLine($"best: {b.Trainer} {string.Join(" ", b.Parameters.Select(kv => kv.Key + "=" + kv.Value))}");
Console.WriteLine($"artist-grouped {folds}-fold CV accuracy {b.CvAccuracy:F3} (95% bootstrap {b.CvAccuracyCi}; fold t-interval {b.FoldAccuracyCi}), " +
                  $"macro-F1 {b.CvMacroF1:F3} (95% bootstrap {b.CvMacroF1Ci})");
Console.WriteLine("original study (1D CNN on librosa features, 80/20 split): accuracy 0.51");
foreach (var m in result.OutOfFold.PerClass)
    Console.WriteLine($"  {m.Label,-8} precision {m.Precision:F3} recall {m.Recall:F3} F1 {m.F1:F3} (n={m.Support})");
Console.WriteLine("best per trainer:");
foreach (var g in result.Trials.Where(t => t.Status == "succeeded").GroupBy(t => t.Trainer).OrderByDescending(g => g.Max(t => t.CvAccuracy)))
    Console.WriteLine($"  {g.Key,-24} {g.Max(t => t.CvAccuracy)!.Value:F3} ({g.Count()} trials)");
Console.WriteLine("top features (permutation importance, out-of-fold): " +
                  string.Join(", ", result.Importances.Take(8).Select(f => $"{f.Feature} {f.Importance:F3}")));
File.WriteAllText(Path.Combine(outDir, "bench-summary.json"), JsonSerializer.Serialize(new
{
    table = tablePath,
    rows = data.RowCount,
    features = data.Frame.Columns.Count,
    folds,
    seed,
    budget_s = seconds,
    trials = result.Trials.Count,
    best = b,
    per_class = result.OutOfFold.PerClass,
    machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
}, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
Console.WriteLine($"artifacts: {outDir}");
return 0;
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var map = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"expected --name value pairs, got '{args[i]}'");
        map[args[i][2..]] = args[++i];
    }
    return map;
}

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class SyncProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
{
    public void Report(ProgressUpdate value) => report(value);
}
