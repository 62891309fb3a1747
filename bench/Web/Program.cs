using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Synthesis;
using Mmcs.Pipelines.Definition;
using Mmcs.Pipelines.Run;
using Mmcs.Registry;
using Mmcs.Registry.Models;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Predict;
using Mmcs.Web;

namespace Mmcs.Bench.Web;

/// <summary>
/// What a user of `mmcs serve` waits for: the latency of one 30 s MP3 (decode → features → ensemble) in process and
/// over HTTP, and the requests per second the real server sustains under concurrent clients. Trains the demo model
/// (pipelines/demo.yaml) into bench/out/web/mlruns when no model is registered there.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string root = RepoRoot();
        string outDir = Arg(args, "--out") ?? Path.Combine(root, "bench", "out", "web");
        string tracking = Arg(args, "--tracking-uri") ?? Path.Combine(outDir, "mlruns");
        string modelUri = Arg(args, "--model") ?? MoodWebOptions.DefaultModelUri;
        int runs = int.Parse(Arg(args, "--runs") ?? "30", Invariant.Culture);
        double seconds = double.Parse(Arg(args, "--seconds") ?? "20", Invariant.Culture);
        int[] clients = (Arg(args, "--clients") ?? "1,2,4,8").Split(',').Select(c => int.Parse(c, Invariant.Culture)).ToArray();
        Directory.CreateDirectory(outDir);

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {CpuModel()}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        await EnsureModelAsync(root, outDir, tracking, modelUri);
        string mp3 = Arg(args, "--mp3") ?? FindOrMakeMp3(root, outDir);
        Console.WriteLine($"song: {mp3} ({new FileInfo(mp3).Length / 1024} KB)");

        // ---- in process: decode -> features -> ensemble
        using var store = TrackingStores.Open(tracking);
        var resolved = new ModelUriResolver(store).Resolve(modelUri);
        string answering = $"models:/{resolved.Name}/{resolved.Version}";
        using var model = MoodModel.Load(resolved.LocalPath, answering);
        var predictor = new MoodPredictor(model);
        var loader = new AudioLoader(model.Manifest.Featurizer);
        var first = predictor.Predict(mp3);
        Console.WriteLine($"model: {answering} ({model.Manifest.Kind}: {string.Join(", ", first.Members.Keys)}), excerpt {model.Manifest.Featurizer.ExcerptSeconds} s, " +
                          $"{first.Windows.Count} windows over {first.SongSeconds:0.0} s -> {first.Mood}");
        for (int i = 0; i < 3; i++) predictor.Predict(mp3);
        // at the hop predict uses (the model's texture-window hop, else half the excerpt)
        var atPredictHop = new WindowOptions { HopSeconds = model.Manifest.WindowHopSeconds ?? model.Manifest.Featurizer.ExcerptSeconds / 2 };
        var decode = Measure(runs, () => loader.LoadWindows(mp3, atPredictHop));
        var predict = Measure(runs, () => predictor.Predict(mp3));
        Report("in process, decode only (ffmpeg, windows)", decode);
        if (model.Manifest.TestTimeAugmentation != null)
            // (since 87a13a4 the copies are made when a window is first featurised: they are in the full prediction below)
            Report("in process, decode, windows and the test-time copies of the song", Measure(runs, () =>
            {
                foreach (var w in predictor.LoadWindows(mp3).Windows) _ = w.Copies?[0];
            }));
        Report("in process, decode -> features -> ensemble", predict);
        var parallel = Measure(runs, () => WindowParallelism.Predict(predictor, mp3, Environment.ProcessorCount));
        Report($"in process, windows over {Environment.ProcessorCount} threads (what a lone request gets)", parallel);

        // where the time goes: features of every window, then each model on them
        var song = loader.LoadWindows(mp3, atPredictHop);
        var featurizer = new ClipFeaturizer(model.Manifest.Featurizer);
        var requirements = model.Classifier.Requirements;
        var set = requirements.VectorSet ?? model.Manifest.FeatureSet ?? FeatureSetKind.Seed;
        var images = requirements.ToImageOptions();
        ClipFeatures[] features = [];
        var featurize = Measure(runs, () => features = song.Windows.Select(w => featurizer.Extract(w.Signal, set, images)).ToArray());
        Report($"  features of {song.Windows.Count} windows ({set} set + images)", featurize);
        if (model.Classifier is EnsembleClassifier ensemble)
        {
            for (int m = 0; m < ensemble.Members.Count; m++)
            {
                var member = ensemble.Members[m];
                Report($"  model {ensemble.Names[m]} on {features.Length} windows", Measure(runs, () => member.PredictProbabilities(features)));
            }
        }
        else
        {
            Report($"  model {model.Classifier.Kind} on {features.Length} windows", Measure(runs, () => model.Classifier.PredictProbabilities(features)));
        }
        if (model.Manifest.TestTimeAugmentation is { } tta)
        {
            // the same song without the model's test-time copies, side by side
            var plain = new MoodPredictor(model, new PredictOptions { TestTimeAugmentation = false });
            Report($"in process, without test-time augmentation ({tta.Copies.Count} cop{(tta.Copies.Count == 1 ? "y" : "ies")} of the song skipped)",
                Measure(runs, () => plain.Predict(mp3)));
        }
        var hopOne = new MoodPredictor(model, new PredictOptions { HopSeconds = model.Manifest.Featurizer.ExcerptSeconds });
        var lessOverlap = Measure(runs, () => hopOne.Predict(mp3));
        Report($"in process, hop = excerpt ({hopOne.Predict(mp3).Windows.Count} windows)", lessOverlap);

        // ---- the real server
        var options = new MoodWebOptions
        {
            Urls = ["http://127.0.0.1:0"],
            TrackingUri = tracking,
            ModelUri = modelUri,
            VerboseLogging = false,
        };
        await using var host = MoodWebHost.Create(options);
        host.WarmUp();
        await host.StartAsync();
        var baseAddress = new Uri(host.Addresses.First());
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
        byte[] bytes = await File.ReadAllBytesAsync(mp3);
        for (int i = 0; i < 3; i++) (await PostAsync(http, bytes)).Dispose();
        var acquire = Measure(runs, () => host.Models.Acquire().Dispose());
        Report("  per request: resolve the alias and take the loaded model", acquire);
        var single = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            using var r = await PostAsync(http, bytes);
            r.EnsureSuccessStatusCode();
            single.Add(sw.Elapsed.TotalMilliseconds);
        }
        Report("HTTP, one client (upload + analysis + JSON)", single);

        Console.WriteLine();
        Console.WriteLine($"server: {options.MaxConcurrentAnalyses} analyses at once, {host.Gate.MaxQueued} queued; {seconds:0} s per level");
        Console.WriteLine("| clients | requests/s (200) | 429/s | errors | latency p50 (ms) | p95 (ms) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        var load = new List<object>();
        foreach (int c in clients)
        {
            var (ok, busy, errors, latencies, elapsed) = await LoadAsync(http, bytes, c, TimeSpan.FromSeconds(seconds));
            latencies.Sort();
            Console.WriteLine($"| {c} | {ok / elapsed:0.00} | {busy / elapsed:0.00} | {errors} | {Percentile(latencies, 0.5):0} | {Percentile(latencies, 0.95):0} |");
            load.Add(new { clients = c, ok, busy, errors, seconds = elapsed, rps = ok / elapsed, p50 = Percentile(latencies, 0.5), p95 = Percentile(latencies, 0.95) });
        }
        var summary = new
        {
            date = DateTime.UtcNow.ToString("yyyy-MM-dd", Invariant.Culture),
            cores = Environment.ProcessorCount,
            song = Path.GetFileName(mp3),
            model = answering,
            windows = first.Windows.Count,
            decode = Stats(decode),
            predict = Stats(predict),
            predict_parallel_windows = Stats(parallel),
            features = Stats(featurize),
            predict_hop_excerpt = Stats(lessOverlap),
            http_single = Stats(single),
            load,
        };
        string json = Path.Combine(outDir, "web-bench.json");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"\nwritten: {json}");
        return 0;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, byte[] bytes)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/mpeg");
        form.Add(content, "file", "song.mp3");
        return await http.PostAsync("/api/predict", form);
    }

    private static async Task<(int Ok, int Busy, int Errors, List<double> Latencies, double Seconds)> LoadAsync(HttpClient http, byte[] bytes, int clients, TimeSpan duration)
    {
        int ok = 0, busy = 0, errors = 0;
        var latencies = new List<double>();
        var total = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(async _ =>
        {
            while (total.Elapsed < duration)
            {
                var sw = Stopwatch.StartNew();
                using var r = await PostAsync(http, bytes);
                await r.Content.ReadAsByteArrayAsync();
                if (r.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref ok);
                    lock (latencies) latencies.Add(sw.Elapsed.TotalMilliseconds);
                }
                else if (r.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref busy);
                    await Task.Delay(50);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return (ok, busy, errors, latencies, total.Elapsed.TotalSeconds);
    }

    /// <summary>Registers the demo model into the bench store unless the URI already resolves there.</summary>
    private static async Task EnsureModelAsync(string root, string outDir, string tracking, string modelUri)
    {
        using (var store = TrackingStores.Open(tracking))
        {
            try
            {
                new ModelUriResolver(store).Resolve(modelUri);
                return;
            }
            catch (MmcsException)
            {
            }
        }
        Console.WriteLine($"{modelUri} is not in {tracking}: training the demo pipeline (a few minutes)…");
        var loaded = PipelineLoader.Load(Path.Combine(root, "pipelines", "demo.yaml"), [$"features.cache_dir={Path.Combine(outDir, "feature-cache")}"]);
        var result = await new PipelineRunner(loaded, new PipelineRunOptions
        {
            DataOverride = Path.Combine(outDir, "demo-corpus"),
            TrackingUri = tracking,
            StateDirectory = Path.Combine(outDir, "state"),
        }).RunAsync();
        Console.WriteLine($"trained: {result.Version?.Name}/{result.Version?.Version}, test accuracy {result.Evaluation.Accuracy:0.000}");
    }

    /// <summary>A 30 s MP3 of the 4Q dev set when present (../shared/datasets/4q-dev), else a synthetic one encoded with ffmpeg.</summary>
    private static string FindOrMakeMp3(string root, string outDir)
    {
        string shared = Path.GetFullPath(Path.Combine(root, "..", "shared", "datasets", "4q-dev"));
        if (Directory.Exists(shared))
        {
            var first = Directory.EnumerateFiles(shared, "*.mp3", SearchOption.AllDirectories).Order(StringComparer.Ordinal).FirstOrDefault();
            if (first != null) return first;
        }
        string wav = Path.Combine(outDir, "synthetic-30s.wav"), mp3 = Path.Combine(outDir, "synthetic-30s.mp3");
        if (File.Exists(mp3)) return mp3;
        var p = MoodSynthesizer.Draw("happy", 5, 0);
        WavWriter.Write(wav, MoodSynthesizer.Render(p, 30, 44100, 5, 0), 1, 44100);
        var psi = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-nostdin", "-y", "-loglevel", "error", "-i", wav, "-codec:a", "libmp3lame", "-b:a", "128k", mp3 }) psi.ArgumentList.Add(a);
        using var proc = Process.Start(psi)!;
        proc.WaitForExit();
        if (proc.ExitCode != 0) throw new InvalidOperationException("ffmpeg could not encode the synthetic song: " + proc.StandardError.ReadToEnd());
        return mp3;
    }

    private static List<double> Measure(int runs, Action action)
    {
        var times = new List<double>(runs);
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        return times;
    }

    private static object Stats(List<double> ms)
    {
        var s = ms.Order().ToList();
        return new { runs = s.Count, p50 = Percentile(s, 0.5), p95 = Percentile(s, 0.95), mean = s.Average(), min = s[0], max = s[^1] };
    }

    private static void Report(string what, List<double> ms)
    {
        var s = ms.Order().ToList();
        Console.WriteLine($"{what}: p50 {Percentile(s, 0.5):0} ms, p95 {Percentile(s, 0.95):0} ms, mean {s.Average():0} ms (n={s.Count})");
    }

    /// <summary>Linear-interpolated percentile of sorted values.</summary>
    private static double Percentile(List<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
