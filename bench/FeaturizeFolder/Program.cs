using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Batch;
using Mmcs.Featurize.Datasets;

// Featurises a dataset folder (default: ../shared/datasets/4q-dev, 452 MP3s) end to end: hashing, ffmpeg decoding,
// downmix, resampling to 22050 Hz, the excerpt, features. Reports wall time, CPU time and peak memory.
//   --mode full|decode   full: the real ClipFeaturizer; decode: decoding + resampling only (a featuriser that does nothing)
//   --set seed|full      the 1D feature set (full mode)
//   --images             also the 2D arrays (original study sizes)
//   --out PATH           the table (default bench/out/4q-dev-<set>.parquet in full mode, none in decode mode)
//   --cache DIR          use a feature cache (default: none, a cold run)
//   --parallel N         workers (default: processor count)
//   --files-per-decode K files per ffmpeg process (default 8)
//   --folder DIR         the dataset folder
//   --limit N            only the first N files
var opts = ParseArgs(args);
string repo = FindRepoRoot();
string folder = opts.GetValueOrDefault("folder") ?? Path.Combine(Environment.GetEnvironmentVariable("MMCS_SHARED_DIR") ?? Path.Combine(repo, "..", "shared"), "datasets", "4q-dev");
if (!Directory.Exists(folder))
{
    Console.Error.WriteLine($"dataset folder {folder} is absent (set MMCS_SHARED_DIR or --folder)");
    return 2;
}
string mode = opts.GetValueOrDefault("mode") ?? "full";
var set = (opts.GetValueOrDefault("set") ?? "seed") == "full" ? FeatureSetKind.Full : FeatureSetKind.Seed;
var featurizerOptions = new FeaturizerOptions();
IClipFeaturizer featurizer = mode == "decode" ? new NoFeatures(featurizerOptions) : new ClipFeaturizer(featurizerOptions);
string? output = opts.GetValueOrDefault("out") ?? (mode == "decode" ? null : Path.Combine(repo, "bench", "out", $"4q-dev-{set.ToString().ToLowerInvariant()}.parquet"));

var dataset = DatasetReader.Open(folder);
if (opts.TryGetValue("limit", out var limitText)) dataset = dataset with { Items = dataset.Items.Take(int.Parse(limitText!, Invariant.Culture)).ToList() };
var request = new FeatureExtractionRequest
{
    Items = dataset.Items,
    Set = set,
    Options = featurizerOptions,
    Images = opts.ContainsKey("images") ? ImageOptions.OriginalStudy : null,
    TablePath = output,
    CacheDirectory = opts.GetValueOrDefault("cache"),
    MaxDegreeOfParallelism = opts.TryGetValue("parallel", out var p) ? int.Parse(p!, Invariant.Culture) : null,
    FilesPerDecode = opts.TryGetValue("files-per-decode", out var k) ? int.Parse(k!, Invariant.Culture) : 8,
};
Console.WriteLine($"{dataset.Items.Count} files in {folder} ({dataset.Layout}); mode {mode}, set {set}, images {request.Images != null}, " +
                  $"parallelism {request.MaxDegreeOfParallelism ?? Environment.ProcessorCount}, {request.FilesPerDecode} files per ffmpeg, cache {request.CacheDirectory ?? "none"}");

var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
var lastReport = Stopwatch.StartNew();
var progress = new ConsoleProgress(lastReport);
var summary = await FeatureExtraction.RunAsync(request, featurizer, progress);
var self = Process.GetCurrentProcess();
self.Refresh();
var cpu = self.TotalProcessorTime - cpu0;
var children = ChildrenUsage();

Console.WriteLine();
Console.WriteLine($"files {summary.Files}: {summary.Succeeded} featurised, {summary.Skipped} skipped, {summary.Failed} failed; {summary.RowsWritten} rows, {summary.FeatureNames.Count} features");
foreach (var s in summary.Skips) Console.WriteLine($"  skipped {Path.GetFileName(s.Path)}: {s.Reason}");
foreach (var f in summary.Failures) Console.WriteLine($"  FAILED {f.ErrorCode} {f.Message}");
var t = summary.Timings;
Console.WriteLine($"wall {t.Wall.TotalSeconds:F2} s; summed over workers: hashing {t.Hashing.TotalSeconds:F2} s, decoding+resampling {t.Decoding.TotalSeconds:F2} s, featurising {t.Featurising.TotalSeconds:F2} s, writing {t.Writing.TotalSeconds:F2} s");
Console.WriteLine($"CPU: this process {cpu.TotalSeconds:F1} s (user {self.UserProcessorTime.TotalSeconds:F1} s, system {self.PrivilegedProcessorTime.TotalSeconds:F1} s), ffmpeg children {children.CpuSeconds:F1} s");
Console.WriteLine($"peak memory: this process {self.PeakWorkingSet64 / 1048576.0:F0} MiB (VmHWM), largest ffmpeg child {children.MaxRssKiB / 1024.0:F0} MiB");
if (summary.TablePath != null) Console.WriteLine($"table: {summary.TablePath}");

string outDir = Path.Combine(repo, "bench", "out");
Directory.CreateDirectory(outDir);
File.WriteAllText(Path.Combine(outDir, $"featurize-folder-{mode}.json"), JsonSerializer.Serialize(new
{
    mode,
    set = set.ToString(),
    images = request.Images != null,
    files = summary.Files,
    summary.Succeeded,
    summary.Skipped,
    summary.Failed,
    wallSeconds = t.Wall.TotalSeconds,
    decodeSeconds = t.Decoding.TotalSeconds,
    featuriseSeconds = t.Featurising.TotalSeconds,
    cpuSeconds = cpu.TotalSeconds,
    ffmpegCpuSeconds = children.CpuSeconds,
    peakWorkingSetMiB = self.PeakWorkingSet64 / 1048576.0,
    ffmpegPeakRssMiB = children.MaxRssKiB / 1024.0,
    cores = Environment.ProcessorCount,
}, new JsonSerializerOptions { WriteIndented = true }));
return 0;

static Dictionary<string, string?> ParseArgs(string[] args)
{
    var d = new Dictionary<string, string?>();
    for (int i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument {args[i]}");
        string key = args[i][2..];
        string? value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
        d[key] = value;
    }
    return d;
}

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

static (double CpuSeconds, long MaxRssKiB) ChildrenUsage()
{
    if (!OperatingSystem.IsLinux()) return (0, 0);
    var u = new RUsage();
    if (Native.getrusage(-1 /* RUSAGE_CHILDREN */, ref u) != 0) return (0, 0);
    return (u.UtimeSec + u.UtimeUsec / 1e6 + u.StimeSec + u.StimeUsec / 1e6, u.MaxRss);
}

/// <summary>Decoding and resampling only: a featuriser that computes nothing.</summary>
internal sealed class NoFeatures(FeaturizerOptions options) : IClipFeaturizer
{
    public FeaturizerOptions Options { get; } = options;

    public IReadOnlyList<string> FeatureNames(FeatureSetKind set) => [];

    public ClipFeatures Extract(AudioSignal clip, FeatureSetKind set, ImageOptions? images = null) => new(new FeatureVector([], []), null);
}

internal sealed class ConsoleProgress(Stopwatch clock) : IProgress<ProgressUpdate>
{
    public void Report(ProgressUpdate value)
    {
        if (value.Task != "featurise" || (value.Completed % 50 != 0 && value.Completed != value.Total)) return;
        Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:F1} s  {value.Completed,4}/{value.Total}");
    }
}

[StructLayout(LayoutKind.Sequential)]
internal struct RUsage
{
    public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
    public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
}

internal static partial class Native
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int getrusage(int who, ref RUsage usage);
}
