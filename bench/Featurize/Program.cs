using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using Mmcs.Featurize;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Features;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Bench.Featurize;

/// <summary>
/// Per-clip speed of the feature extraction on ONE thread, side by side with librosa 0.11's figures for the same
/// work on the same machine kind (shared/fixtures/librosa/README.md): the full feature set (0.375 s per 25.5 s clip)
/// and the STFT + mel + MFCC arrays (0.046 s). Default: BenchmarkDotNet (in-process); --quick: a Stopwatch harness
/// (warm-up, then the median of many runs).
/// </summary>
public static class Program
{
    /// <summary>librosa's seconds per 25.5 s clip (median of 9, warm, one thread).</summary>
    public static readonly Dictionary<string, double> Librosa = new()
    {
        [nameof(ClipBenchmarks.FullSet)] = 0.375,
        [nameof(ClipBenchmarks.StftMelMfcc)] = 0.046,
        [nameof(ClipBenchmarks.Tonnetz)] = 0.134,
        [nameof(ClipBenchmarks.ChromaStft)] = 0.037,
        [nameof(ClipBenchmarks.Tempo)] = 0.034,
    };

    public static int Main(string[] args)
    {
        if (args.Contains("--steps"))
        {
            Steps();
            return 0;
        }
        if (args.Contains("--quick"))
        {
            int file = Array.IndexOf(args, "--file");
            Quick(file >= 0 && file + 1 < args.Length ? args[file + 1]
                : args.Contains("--clip-a-minor") ? "a_minor_pad_70bpm_25s5" : "c_major_120bpm_25s5");
            return 0;
        }
        var job = Job.Default.WithToolchain(InProcessNoEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15);
        var config = ManualConfig.CreateMinimumViable().AddJob(job).WithOptions(ConfigOptions.DisableOptimizationsValidator)
            .WithArtifactsPath(Path.Combine(ClipBenchmarks.RepoRoot(), "bench", "out", "featurize"));
        var summary = BenchmarkRunner.Run<ClipBenchmarks>(config, args);
        PrintRatios(summary);
        return 0;
    }

    private static void PrintRatios(Summary summary)
    {
        Console.WriteLine();
        Console.WriteLine("| work (per 25.5 s clip, 1 thread) | clip | MMCS median (ms) | librosa (ms) | speed-up |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var report in summary.Reports)
        {
            if (report.ResultStatistics is null) continue;
            string method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            string clip = report.BenchmarkCase.Parameters["Clip"]?.ToString() ?? "";
            double ms = report.ResultStatistics.Median / 1e6;
            string lib = Librosa.TryGetValue(method, out var s) ? (s * 1000).ToString("F0") : "–";
            string ratio = Librosa.TryGetValue(method, out var s2) ? (s2 * 1000 / ms).ToString("F1") + "×" : "–";
            Console.WriteLine($"| {method} | {clip} | {ms:F2} | {lib} | {ratio} |");
        }
    }

    /// <summary>Median time of each step of the analysis (developer aid).</summary>
    private static void Steps()
    {
        var b = new ClipBenchmarks();
        b.Setup();
        var y = b.Signal.Samples;
        var sig = b.Signal;
        var stft = new Stft(new StftOptions());
        var s = stft.Compute(y);
        var mel = new MelSpectrogram();
        var m = mel.Compute(s);
        var db = Decibels.PowerToDb(m);
        var mfcc = new Mfcc();
        var onsetMed = new OnsetStrength(new OnsetOptions { Aggregate = OnsetAggregate.Median });
        var onsetMean = new OnsetStrength();
        var env = onsetMed.FromMelDb(db);
        var tempo = new TempoEstimator();
        var fullSet = new Mmcs.Featurize.FeatureSets.FullFeatureSet();
        var flatness = new SpectralFlatness();
        var dissonance = new SensoryDissonance();
        var pitch = new PredominantPitch();
        var modulation = new ModulationSpectrum();
        var chroma = new ChromaStft();
        var ccqt = new ChromaCqt();
        var cqt = ccqt.Compute(sig, out _, s);
        var cqt0 = new ConstantQ(new CqtOptions { Tuning = 0.0 });
        var tuner = new TuningEstimator();
        var feat = new ClipFeaturizer();
        var analysis = feat.Analyze(sig);
        var cqt4 = new ConstantQ(new CqtOptions { Tuning = 0.04 });
        var cqtMag = cqt4.Magnitude(y, out _);
        {
            for (int i = 0; i < 5; i++) b.FullSet();
            var pause0 = GC.GetTotalPauseDuration();
            long alloc0 = GC.GetTotalAllocatedBytes(true);
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 20; i++) b.FullSet();
            Console.WriteLine($"FullSet: {sw.Elapsed.TotalMilliseconds / 20:F2} ms/op, GC pause {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds / 20:F2} ms/op, " +
                $"allocated {(GC.GetTotalAllocatedBytes(true) - alloc0) / 20 / 1048576.0:F1} MiB/op, gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        }
        var steps = new (string, Action)[]
        {
            ("stft", () => stft.Compute(y)),
            ("mel", () => mel.Compute(s)),
            ("power_to_db", () => Decibels.PowerToDb(m)),
            ("mfcc", () => mfcc.FromMelDb(db)),
            ("onset median", () => onsetMed.FromMelDb(db)),
            ("onset mean", () => onsetMean.FromMelDb(db)),
            ("tempogram+tempo", () => tempo.BeatTrackTempo(env)),
            ("chroma_stft", () => chroma.Compute(s)),
            ("chroma_cqt", () => ccqt.Compute(sig, out _, s)),
            ("tonnetz", () => Mmcs.Featurize.Features.Tonnetz.FromChroma(cqt)),
            ("rms", () => new Rms().Compute(y)),
            ("zcr", () => new ZeroCrossingRate().Compute(y)),
            ("centroid", () => new SpectralCentroid().Compute(s)),
            ("bandwidth", () => new SpectralBandwidth().Compute(s)),
            ("rolloff", () => new SpectralRolloff().Compute(s)),
            ("contrast", () => new SpectralContrast().Compute(s)),
            ("deltas", () => { Delta.Compute(mfcc.FromMelDb(db), 1); Delta.Compute(mfcc.FromMelDb(db), 2); }),
            ("decimate x6", () => b.Decimate6()),
            ("analysis", () => feat.Analyze(sig)),
            ("full stats", () => fullSet.Compute(analysis)),
            ("seed stats", () => Mmcs.Featurize.FeatureSets.SeedFeatureSet.Compute(analysis)),
            ("spectral flatness", () => flatness.Compute(s)),
            ("dissonance", () => dissonance.Compute(s)),
            ("predominant pitch", () => pitch.Track(analysis.Cqt, analysis.CqtTuning)),
            ("modulation", () => modulation.Compute(analysis.Mfcc)),
            ("triads", () => TriadChords.FromChroma(analysis.ChromaCqt)),
            ("harmonic change", () => HarmonicChange.FromTonnetz(analysis.Tonnetz)),
            ("cqt fixed tuning", () => cqt0.Magnitude(y, out _)),
            ("piptrack+tuning", () => tuner.Estimate(s.Magnitude, s.Bins, s.Frames, 36)),
            ("cqt tuning 0.04", () => cqt4.Magnitude(y, out _)),
            ("chroma from cqt", () => ccqt.FromCqt(cqtMag)),
            ("fft2048d x275", () => { var pl = BatchRealFft<double>.Get(2048); var w = pl.CreateWorkspace(); for (int i = 0; i < 275; i++) pl.Forward(w); }),
            ("fft2048f x138", () => { var pl = BatchRealFft<float>.Get(2048); var w = pl.CreateWorkspace(); for (int i = 0; i < 138; i++) pl.Forward(w); }),
            ("fft1024f x966", () => { var pl = BatchRealFft<float>.Get(1024); var w = pl.CreateWorkspace(); for (int i = 0; i < 966; i++) pl.Forward(w); }),
        };
        foreach (var (name, run) in steps)
        {
            for (int i = 0; i < 3; i++) run();
            var t = new double[11];
            for (int i = 0; i < t.Length; i++)
            {
                var sw = Stopwatch.StartNew();
                run();
                t[i] = sw.Elapsed.TotalMilliseconds;
            }
            Array.Sort(t);
            Console.WriteLine($"{name,-18} {t[5],8:F2} ms");
        }
    }

    private static void Quick(string clip)
    {
        var b = new ClipBenchmarks { Clip = clip };
        b.Setup();
        var work = new (string Name, Action Run)[]
        {
            (nameof(ClipBenchmarks.FullSet), () => b.FullSet()),
            (nameof(ClipBenchmarks.SeedSet), () => b.SeedSet()),
            (nameof(ClipBenchmarks.StftMelMfcc), () => b.StftMelMfcc()),
            (nameof(ClipBenchmarks.Stft), () => b.Stft()),
            (nameof(ClipBenchmarks.Tonnetz), () => b.Tonnetz()),
            (nameof(ClipBenchmarks.ChromaStft), () => b.ChromaStft()),
            (nameof(ClipBenchmarks.Tempo), () => b.Tempo()),
            (nameof(ClipBenchmarks.Decimate6), () => b.Decimate6()),
        };
        Console.WriteLine($"clip {clip}, {Environment.ProcessorCount} cores, one thread, median of 21 after 5 warm-ups");
        Console.WriteLine("| work | median (ms) | librosa (ms) | speed-up |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, run) in work)
        {
            for (int i = 0; i < 5; i++) run();
            var times = new double[21];
            for (int i = 0; i < times.Length; i++)
            {
                var sw = Stopwatch.StartNew();
                run();
                times[i] = sw.Elapsed.TotalMilliseconds;
            }
            Array.Sort(times);
            double med = times[times.Length / 2];
            string lib = Librosa.TryGetValue(name, out var s) ? (s * 1000).ToString("F0") : "–";
            string ratio = Librosa.TryGetValue(name, out var s2) ? (s2 * 1000 / med).ToString("F1") + "×" : "–";
            Console.WriteLine($"| {name} | {med:F2} | {lib} | {ratio} |");
        }
    }
}

/// <summary>The measured work, each on one 25.5 s fixture clip (22050 Hz mono).</summary>
[MemoryDiagnoser]
public class ClipBenchmarks
{
    private AudioSignal _signal = null!;

    public AudioSignal Signal => _signal;
    private ClipFeaturizer _featurizer = null!;
    private Stft _stft = null!;
    private MelSpectrogram _mel = null!;
    private Mfcc _mfcc = null!;
    private ChromaCqt _chromaCqt = null!;
    private ChromaStft _chromaStft = null!;
    private OnsetStrength _onsetMedian = null!;
    private TempoEstimator _tempo = null!;

    [Params("c_major_120bpm_25s5", "a_minor_pad_70bpm_25s5")]
    public string Clip { get; set; } = "c_major_120bpm_25s5";

    [GlobalSetup]
    public void Setup()
    {
        if (File.Exists(Clip))
        {
            // Any audio file (--quick --file PATH): the excerpt the batch featuriser analyses, decoded as it does.
            _signal = new AudioLoader().Load(Clip);
        }
        else
        {
            string path = FindClip(Clip);
            var pcm = WavReader.Read(path);
            _signal = new AudioSignal(pcm.ToMono(), pcm.SampleRate, path);
        }
        _featurizer = new ClipFeaturizer();
        _stft = new Stft(new StftOptions());
        _mel = new MelSpectrogram();
        _mfcc = new Mfcc();
        _chromaCqt = new ChromaCqt();
        _chromaStft = new ChromaStft();
        _onsetMedian = new OnsetStrength(new OnsetOptions { Aggregate = OnsetAggregate.Median });
        _tempo = new TempoEstimator();
    }

    /// <summary>The full feature set (every librosa feature, deltas, statistics) from one STFT.</summary>
    [Benchmark]
    public double FullSet() => _featurizer.Extract(_signal, FeatureSetKind.Full).Vector.Values[0];

    /// <summary>The 57-value seed set (the same analysis, fewer statistics).</summary>
    [Benchmark]
    public double SeedSet() => _featurizer.Extract(_signal, FeatureSetKind.Seed).Vector.Values[0];

    /// <summary>STFT magnitude, mel power, mel dB and MFCC arrays.</summary>
    [Benchmark]
    public float StftMelMfcc()
    {
        var s = _stft.Compute(_signal.Samples);
        var melDb = Decibels.PowerToDb(_mel.Compute(s));
        return _mfcc.FromMelDb(melDb).Data[0];
    }

    [Benchmark]
    public float Stft() => _stft.Compute(_signal.Samples).Magnitude[0];

    /// <summary>Tonnetz through chroma_cqt (tuning estimation, 7-octave CQT), as librosa.feature.tonnetz(y).</summary>
    [Benchmark]
    public float Tonnetz() => Mmcs.Featurize.Features.Tonnetz.FromChroma(_chromaCqt.Compute(_signal, out _)).Data[0];

    /// <summary>chroma_stft with tuning estimation (STFT included).</summary>
    [Benchmark]
    public float ChromaStft() => _chromaStft.Compute(_signal).Data[0];

    /// <summary>beat_track's tempo: STFT, mel dB, median onset envelope, tempogram.</summary>
    [Benchmark]
    public double Tempo()
    {
        var s = _stft.Compute(_signal.Samples);
        var melDb = Decibels.PowerToDb(_mel.Compute(s));
        return _tempo.BeatTrackTempo(_onsetMedian.FromMelDb(melDb));
    }

    /// <summary>The six octave decimations of the CQT.</summary>
    [Benchmark]
    public float Decimate6()
    {
        float[] y = _signal.Samples;
        for (int i = 0; i < 6; i++) y = OctaveDecimator.Decimate(y, scale: true);
        return y[0];
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
        if (dir is null) throw new FileNotFoundException("repository root (MmcsTraining.sln) not found");
        return dir.FullName;
    }

    private static string FindClip(string clip)
    {
        string path = Path.Combine(RepoRoot(), "tests", "Featurize.Tests", "Fixtures", "librosa", "clips", clip + ".wav");
        if (!File.Exists(path)) throw new FileNotFoundException($"fixture clip not found: {path}");
        return path;
    }
}
