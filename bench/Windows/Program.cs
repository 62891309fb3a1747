// Window-level ("texture window") training with song-level averaging, against whole-excerpt training, on the 4Q dev
// half: each clip is cut into W-second windows (hop H), every window is featurised (full set) and is a training row;
// a test song's class probabilities are the mean over its windows. The folds are artist-grouped and stratified at
// song level, so the windows of a song (and every song of an artist) are on one side only.
//
//   dotnet run -c Release --project bench/Windows -- [--windows 25.5,10,6,3] [--trainers sdca_maxent,rbf_svm,lightgbm]
//       [--folds 10] [--repeats 1] [--seed 42] [--hop S] [--excerpt S] [--set seed|full] [--context true] [--context-columns a,b]
//       [--aggregate mean|geometric] [--augment N] [--train-copies false] [--tta true] [--tta-copies K] [--test-hop S] [--member FILE#MODEL]
//       [--train-fraction F[,F...]] [--oof FILE] [--class-bias true] [--extra-columns FILE] [--stereo true] [--layers true] [--melody true] [--chords true] [--melody-probe FILE] [--correlations KIND,...] [--drop-columns PREFIX,...] [--agreement-weight T] [--codebook K] [--least-typical F:drop|twice|thrice] [--data DIR]
//
// --context true appends to every window row its song's whole-excerpt features (prefixed "song_"); --context-columns a,b
// only those.
// --augment N adds N augmented copies of every window (noise, gain, pitch; as the pipeline's augmentation section)
// to the training folds, of training songs only: for every trainer, or only for those named "name+aug" if any is.
// --train-copies false (with --augment): only trainers named "name+aug" train on the copies (as augmentation.use: test).
// --member FILE#MODEL adds another bench's out-of-fold song probabilities (bench/Cnn's oof.csv) to the votes; several
// members are separated by ';'; FILE+FILE#MODEL is one member, the mean of the files' probabilities (e.g. seeds), so a
// FILE cannot contain '+' or ';'.
// --test-hop S scores songs on windows every S seconds while training on those of the training hop.
// --tta true (with --augment) scores a song by the mean over its original and augmented windows (test-time augmentation).
// --tta-copies K scores only the first K copies (default: all); the trainers that train on copies still take all N.
// --train-fraction F (0 < F <= 1) trains every fold on a random share F of its training songs, whole artists at a time,
// no class above its share; the test folds are the same as with F = 1. Several shares print a learning curve: the
// vote's macro-F1 against the training songs, a line in log2(songs) extrapolated to twice the largest, and a check of
// that line on the curve itself. Not with --member (its probabilities come from whole training folds).
// --oof FILE writes every member's out-of-fold song probabilities, per repetition ("model",repeat,song,label,classes...).
// --class-bias true prints, for every member and the vote of all, the macro-F1 with per-class weights on the song
// probabilities: fitted on every song (an oracle), and cross-fitted on two halves of the artists.
// --extra-columns FILE appends columns computed outside the featuriser to every window row: a CSV with a header
// "song,window,name..." and one line per song and window index (window k of the run's one window length and hop);
// a copy takes its original window's values. Every window row must find its line.
// --stereo true: such columns from the clips' two channels (StereoColumns below; written once to bench/out/windows/);
// --layers true: the number of simultaneous pitched sources ("musical layers", LayerColumns below); --melody true: the
// contours of the predominant melody (MelodyColumns below); --chords true: the shares of seven chord types, sevenths
// included (ChordColumns below); --correlations mel,chroma (or mfcc, contrast, mfcc-rest,
// mfcc-delta, mfcc-contrast): how rows of the analysis move together over the frames (CorrelationColumns below).
// They can be combined. --melody-probe FILE prints the melody's median note per half second of a clip and exits (to
// look at what the melody columns follow, e.g. on a synthetic melody over a bass).
// --codebook K: a bag of frames per window: the histogram of its frames' nearest of K timbre codewords (MFCC 2-20 of
// every frame, standardised), K columns "codebook_NN" that sum to 1. The codewords are k-means centroids learnt in
// every training fold from its training songs' frames only (scaling included), so a test song's frames shape nothing
// it is scored with; a copy takes its original window's histogram. Not with ~av, ~low, ~high or --train-fraction.
// --agreement-weight T counts the training windows (and copies) of songs whose PQuad (the share of their AllMusic mood
// tags in their quadrant, panda_dataset_taffc_metadata.csv in the dataset folder) is T or more twice: the rows are
// repeated, a weight of 2 for every trainer. Test songs are scored as always.
// --least-typical F:drop|twice|thrice: a window inherits its song's quadrant, yet an intro or a bridge may not sound like it.
// In every training fold, the share F of each quadrant's training windows that an RBF SVM fitted on the other half of
// the fold's training songs finds least like their quadrant (LeastTypicalWindows, as train.automl.least_typical_twice in
// a pipeline) are left out of every trainer's training rows ("drop"), or count twice ("twice") or three times ("thrice"), with their copies.
// Test songs are scored on all their windows, as always.
// --aggregate geometric scores a song by the geometric mean of its windows' probabilities instead of their mean.
// Trainers are "name[:key=value...][@k]": the default configuration with some values replaced, seeded with seed + k
// ("mlp@1": another MLP seed; "rbf_svm:c=4"); "name~av" learns arousal and valence as two binary tasks on the same
// rows and folds and scores each quadrant by the product of its arousal's and its valence's probabilities. Suffixes
// go in this order: name[:key=value...][@k][+aug][~av], e.g. "mlp@1+aug~av". "name~low" trains a specialist of the
// low-arousal pair (sad against relaxed, on those songs' windows only) whose --oof columns hold P(sad | low) and
// P(relaxed | low); "name~high" the same for the high-arousal pair (angry against happy). With several trainers or window lengths
// it prints the best soft votes (the mean of song probabilities) over every subset of them, window lengths mixed.
//
// Tables are cached in bench/out/windows/ (window length, hop, set and the featuriser's code version in the name).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Augment;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Features;
using Mmcs.Featurize.FeatureSets;
using Mmcs.Featurize.Storage;
using Mmcs.Train.Data;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Tabular;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Trainers;

var opts = ParseArgs(args);
// a misspelt option would otherwise run the baseline unnoticed
string[] known = ["windows", "trainers", "folds", "repeats", "seed", "hop", "excerpt", "set", "context", "context-columns", "aggregate",
    "augment", "train-copies", "tta", "tta-copies", "test-hop", "member", "train-fraction", "oof", "class-bias", "extra-columns", "stereo", "layers", "melody",
    "correlations", "drop-columns", "agreement-weight", "data", "melody-probe", "codebook", "chords", "least-typical"];
foreach (string name in opts.Keys)
    if (!known.Contains(name)) throw new ArgumentException($"--{name}: not an option of this bench (options: --{string.Join(", --", known)})");
foreach (string flag in new[] { "context", "tta", "train-copies", "stereo", "layers", "melody", "chords" })
    if (opts.TryGetValue(flag, out var v) && v is not ("true" or "false")) throw new ArgumentException($"--{flag} {v}: true or false");
// --melody-probe FILE: the melody's pitch track of a clip (MelodyContours), its median note per half second, and exit
if (opts.TryGetValue("melody-probe", out var probePath))
{
    var probeOptions = new FeaturizerOptions();
    var signal = new AudioLoader(probeOptions).Load(probePath);
    var probeCqtOptions = ClipAnalyzer.CqtOptionsFor(probeOptions);
    var probeCqt = new ConstantQ(probeCqtOptions);
    var track = new MelodyContours(MelodyOptions.ForCqt(probeCqtOptions)).Track(probeCqt.Magnitude(signal, out _));
    var (sal1, best1, floor1) = PitchSalience(probeCqt, signal);
    var track1 = sal1.Select((s, t) => best1[t] > 0 && best1[t] >= floor1 ? Array.IndexOf(s, best1[t]) : -1).ToArray();
    int perHalf = (int)Math.Round(probeOptions.SampleRate / (double)probeOptions.HopLength / 2);
    static string Median(IEnumerable<int> bins, int firstMidi)
    {
        var part = bins.Where(p => p >= 0).Order().ToArray();
        return (part.Length == 0 ? "-" : (firstMidi + part[part.Length / 2] / 3.0).ToString("F1", Invariant.Culture)) + $" ({part.Length} voiced)";
    }
    Console.WriteLine("time  MIDI (MelodyContours)  MIDI (first version)");
    for (int t0 = 0; t0 < track.Length; t0 += perHalf)
        Console.WriteLine($"{(t0 * probeOptions.HopLength / (double)probeOptions.SampleRate).ToString("F2", Invariant.Culture)} s  "
            + $"{Median(track.Skip(t0).Take(perHalf), 24)}  {Median(track1.Skip(t0).Take(perHalf), 36)}");
    return 0;
}
string repo = FindRepoRoot();
string data = opts.GetValueOrDefault("data") ?? Path.Combine(Environment.GetEnvironmentVariable("MMCS_SHARED_DIR") ?? Path.Combine(repo, "..", "shared"), "datasets", "4q-dev");
if (!Directory.Exists(data))
{
    Console.Error.WriteLine($"dataset folder {data} is absent (set MMCS_SHARED_DIR or --data)");
    return 2;
}
var windows = (opts.GetValueOrDefault("windows") ?? "25.5,6").Split(',').Select(s => double.Parse(s, Invariant.Culture)).ToArray();
var trainers = (opts.GetValueOrDefault("trainers") ?? "sdca_maxent,rbf_svm,lightgbm").Split(',');
int folds = int.Parse(opts.GetValueOrDefault("folds") ?? "10", Invariant.Culture);
int repeats = int.Parse(opts.GetValueOrDefault("repeats") ?? "1", Invariant.Culture);
int seed = int.Parse(opts.GetValueOrDefault("seed") ?? "42", Invariant.Culture);
double? hopArg = opts.TryGetValue("hop", out var h) ? double.Parse(h, Invariant.Culture) : null;
// only windows inside the first E seconds (the pipeline cuts its windows from the 25.5 s excerpt); default: the whole clip
double? excerptArg = opts.TryGetValue("excerpt", out var e) ? double.Parse(e, Invariant.Culture) : null;
var set = opts.GetValueOrDefault("set") == "seed" ? FeatureSetKind.Seed : FeatureSetKind.Full;
// song context: append to every window row its song's whole-excerpt features (the 25.5 s table, prefixed "song_")
bool context = opts.GetValueOrDefault("context") == "true" || opts.ContainsKey("context-columns");
// --context-columns a,b: only these of the song's whole-excerpt features (e.g. its key mode and tempo)
var contextColumns = opts.GetValueOrDefault("context-columns")?.Split(',');
// --extra-columns FILE, --stereo true, --layers true: per-window columns computed outside the featuriser (by song and
// window index), appended to every window row
bool stereo = opts.GetValueOrDefault("stereo") == "true";
bool layers = opts.GetValueOrDefault("layers") == "true";
// --melody true: the contours of the predominant melody (MelodyColumns below)
bool melody = opts.GetValueOrDefault("melody") == "true";
// --chords true: the shares of seven chord types, sevenths included (ChordColumns below)
bool chords = opts.GetValueOrDefault("chords") == "true";
// --correlations KIND[,KIND...]: correlations over the frames between rows of the analysis (CorrelationColumns below)
var correlationKinds = opts.TryGetValue("correlations", out var ck) ? ck.Split(',') : [];
// --drop-columns PREFIX[,PREFIX...]: the featuriser's columns whose names start so are left out (e.g. the full set as it
// was before a change: --drop-columns mfcc_corr_,spectral_contrast_corr_ gives the 329 values before mmcs-featurize-5)
var dropPrefixes = opts.TryGetValue("drop-columns", out var dc) ? dc.Split(',') : [];
bool correlations = correlationKinds.Length > 0;
string outDir = Path.Combine(repo, "bench", "out", "windows");
Directory.CreateDirectory(outDir);
var extraPaths = new List<string>();
if (opts.TryGetValue("extra-columns", out var extraArg)) extraPaths.Add(extraArg);
bool windowColumns = stereo || layers || melody || chords || correlations || extraPaths.Count > 0;
if (windowColumns && windows.Length > 1)
    throw new ArgumentException("--extra-columns, --stereo, --layers, --melody, --chords and --correlations: their window indices are those of one window length; give one --windows");
if (windowColumns && opts.ContainsKey("test-hop"))
    throw new ArgumentException("--extra-columns, --stereo, --layers, --melody, --chords and --correlations: their window indices are those of the training hop, not of --test-hop's");
foreach (var (wanted, kind) in new[] { (stereo, "stereo"), (layers, "layers"), (melody, "melody"), (chords, "chords"), (correlations, "correlations") })
{
    if (!wanted) continue;
    double hop = hopArg ?? windows[0] / 2;
    // v2: the stereo windows are numbered without the silent ones (as the featuriser's)
    // melody-v3: MelodyContours (MelodyColumns below)
    // the correlations come from the featuriser's analysis: its code version is in their name
    string name = kind switch { "stereo" => "stereo-v2", "melody" => "melody-v3", "correlations" => $"correlations-{string.Join('+', correlationKinds)}", _ => kind };
    string version = kind == "correlations" ? $"-{FeatureCache.CodeVersion}" : "";
    string path = Path.Combine(outDir, $"{name}-w{windows[0].ToString(Invariant.Culture)}-h{hop.ToString(Invariant.Culture)}{version}.csv");
    if (!File.Exists(path))
    {
        if (kind == "stereo") StereoColumns(DatasetReader.Open(data), windows[0], hop, path);
        else if (kind == "layers") LayerColumns(DatasetReader.Open(data), windows[0], hop, path);
        else if (kind == "melody") MelodyColumns(DatasetReader.Open(data), windows[0], hop, path);
        else if (kind == "chords") ChordColumns(DatasetReader.Open(data), windows[0], hop, path);
        else CorrelationColumns(DatasetReader.Open(data), windows[0], hop, correlationKinds, path);
    }
    extraPaths.Add(path);
}
// --codebook K: every window's frames (MFCC 2-20), for the codewords learnt per fold
int codebookSize = int.Parse(opts.GetValueOrDefault("codebook") ?? "0", Invariant.Culture);
Dictionary<(string Song, int Window), float[][]>? windowFrames = null;
if (codebookSize != 0)
{
    if (codebookSize < 2) throw new ArgumentException($"--codebook {codebookSize}: at least 2 codewords");
    if (windows.Length > 1 || opts.ContainsKey("test-hop")) throw new ArgumentException("--codebook: one --windows and no --test-hop");
    if (trainers.Any(t => t.EndsWith("~av", StringComparison.Ordinal) || t.EndsWith("~low", StringComparison.Ordinal) || t.EndsWith("~high", StringComparison.Ordinal)))
        throw new ArgumentException("--codebook: not with ~av, ~low or ~high trainers");
    if (opts.ContainsKey("train-fraction")) throw new ArgumentException("--codebook: not with --train-fraction");
    windowFrames = CodebookFrames(DatasetReader.Open(data), windows[0], hopArg ?? windows[0] / 2);
}
// --least-typical F:drop|twice|thrice: the share of each quadrant's training windows left out (or counted twice) in every training fold
string? leastTypicalArg = opts.GetValueOrDefault("least-typical");
double typicalShare = 0;
int leastTypicalCount = 0; // how many times a least typical window counts: 0 (drop), 2 (twice) or 3 (thrice)
if (leastTypicalArg != null)
{
    var parts = leastTypicalArg.Split(':');
    if (parts.Length != 2 || parts[1] is not ("drop" or "twice" or "thrice") || !double.TryParse(parts[0], NumberStyles.Float, Invariant.Culture, out typicalShare)
        || !(typicalShare > 0 && typicalShare < 1))
        throw new ArgumentException($"--least-typical {leastTypicalArg}: a share above 0 and below 1, then :drop, :twice or :thrice (e.g. 0.2:drop)");
    leastTypicalCount = parts[1] switch { "drop" => 0, "twice" => 2, _ => 3 };
}
var extras = extraPaths.Select(path => (Path: path, Columns: ReadExtraColumns(path))).ToList();
// a song's probabilities: the mean of its windows' (default) or their geometric mean (--aggregate geometric)
bool geometric = opts.GetValueOrDefault("aggregate") == "geometric";
// augmented copies of every window (as the pipeline's augmentation section: noise 0.003, gain ±3 dB, pitch ±1 semitone,
// alternating up and down); only the copies of training songs are trained on, and songs are scored on their originals
int augment = int.Parse(opts.GetValueOrDefault("augment") ?? "0", Invariant.Culture);
var plan = augment > 0 ? AugmentationPlanOf(augment) : null;
// test-time augmentation: a song's probabilities are the mean over its original and augmented windows
bool tta = opts.GetValueOrDefault("tta") == "true";
if (tta && plan == null) throw new ArgumentException("--tta true needs --augment N");
// --tta-copies K: only the first K of the --augment copies are scored (all of them are trained on by the trainers that train
// on copies), e.g. --augment 2 --tta-copies 1 trains the RBF SVM on two copies and scores songs on one copy, as pipelines/4q.yaml's one
int ttaCopies = augment;
if (opts.TryGetValue("tta-copies", out var tc))
{
    ttaCopies = int.Parse(tc, Invariant.Culture);
    if (!tta || ttaCopies < 1 || ttaCopies > augment)
        throw new ArgumentException($"--tta-copies {ttaCopies}: needs --tta true and 1 to the --augment copies ({augment})");
}
// --train-copies false: with --augment, no trainer trains on the copies (unless named "name+aug"): test-time use only
bool trainCopies = (opts.GetValueOrDefault("train-copies") ?? "true") switch
{
    "true" => true,
    "false" when plan != null => false,
    "false" => throw new ArgumentException("--train-copies false needs --augment N"),
    var other => throw new ArgumentException($"--train-copies {other}: true or false"),
};
// --test-hop S: songs are scored on windows every S seconds (denser than the training hop, which must be a multiple of S);
// training still uses the windows of the training hop only
double? testHopArg = opts.TryGetValue("test-hop", out var th) ? double.Parse(th, Invariant.Culture) : null;
// --train-fraction F[,F...]: every fold trains on a share F of its training songs (whole artists, no class over its
// share); several shares make a learning curve
var trainFractions = (opts.GetValueOrDefault("train-fraction") ?? "1").Split(',').Select(f => double.Parse(f, Invariant.Culture)).ToArray();
foreach (double f in trainFractions)
    if (!(f > 0 && f <= 1)) throw new ArgumentException($"--train-fraction {f.ToString(Invariant.Culture)}: a share of the training songs, above 0 and at most 1");
// a --member's probabilities come from models trained on whole folds: they cannot join a smaller training share
if (opts.ContainsKey("member") && trainFractions.Any(f => f < 1)) throw new ArgumentException("--member cannot be used with --train-fraction below 1");

var dataset = DatasetReader.Open(data);
Console.WriteLine($"{dataset.Items.Count} clips in {data}; windows {string.Join(", ", windows)} s; trainers {string.Join(", ", trainers)}; " +
                  $"{repeats} x {folds}-fold artist-grouped CV (seed {seed})");

// window tables by path: read (or featurised and written) once, however many training shares run over them
var tables = new Dictionary<string, FeatureTable>(StringComparer.Ordinal);
var curve = new List<(double Fraction, double Songs, ClassificationReport Vote)>();
foreach (double trainFraction in trainFractions)
{
    if (trainFractions.Length > 1) Console.WriteLine($"=== training on {trainFraction.ToString(Invariant.Culture)} of each fold's training songs");
    var (vote, meanTrainingSongs) = RunAt(trainFraction);
    if (vote != null) curve.Add((trainFraction, meanTrainingSongs, vote));
}
if (curve.Count > 1) PrintLearningCurve(curve);
return 0;

// the table of windows of a length and hop (copies with a plan): from memory, else its cache file, else featurised there
FeatureTable Table(string path, double window, double tableHop, AugmentationPlan? withPlan)
{
    if (!tables.TryGetValue(path, out var table))
        tables[path] = table = File.Exists(path) ? FeatureTableIO.Read(path) : Featurise(dataset, window, tableHop, set, path, withPlan);
    return table;
}

// every window length and trainer at one training share: the song-level report of the vote of all members (of the
// only member if there is one; null without members) and the mean number of training songs per fold
(ClassificationReport? Vote, double TrainingSongs) RunAt(double trainFraction)
{
    var foldTrainingSongs = new List<int>();
    var voteMembers = new List<VoteMember>();
    var artistOf = new Dictionary<string, string>(StringComparer.Ordinal);
    foreach (double w in windows)
    {
        double hop = hopArg ?? (w >= 20 ? 100 : w / 2); // a whole excerpt: one window (the first 25.5 s, as the pipeline)
        double tableHop = testHopArg ?? hop;
        int stride = (int)Math.Round(hop / tableHop);
        if (stride < 1 || Math.Abs(stride * tableHop - hop) > 1e-9)
            throw new ArgumentException($"--test-hop {tableHop}: the {w} s windows' training hop {hop} s is not a multiple of it");
        string TablePath(double tHop) => Path.Combine(outDir, $"w{w.ToString(Invariant.Culture)}-h{tHop.ToString(Invariant.Culture)}-{set.ToString().ToLowerInvariant()}-{FeatureCache.CodeVersion}.parquet");
        string tablePath = TablePath(tableHop);
        var table = Table(tablePath, w, tableHop, null);
        var rows = table.Rows;
        var augmentedRows = new List<FeatureRow>();
        if (plan != null)
        {
            string augPath = TablePath(hop).Replace(".parquet", $"-aug{augment}.parquet", StringComparison.Ordinal);
            augmentedRows = Table(augPath, w, hop, plan).Rows.ToList();
        }
        if (excerptArg is { } excerpt)
        {
            // window k starts at k * hop: keep those that end inside the excerpt
            rows = rows.Where(r => WindowIndex(r.Id) * tableHop + w <= excerpt + 1e-9).ToList();
            augmentedRows = augmentedRows.Where(r => WindowIndex(r.Id) * hop + w <= excerpt + 1e-9).ToList();
        }
        // Songs in a fixed order; the folds are made over songs, then mapped to their windows.
        var songs = rows.Select(r => r.Song!).Distinct().ToArray();
        var songIndex = songs.Select((s, i) => (s, i)).ToDictionary(t => t.s, t => t.i);
        // --agreement-weight T: the songs whose training rows count twice
        HashSet<string>? agreed = null;
        if (opts.TryGetValue("agreement-weight", out var agreementArg))
        {
            double threshold = double.Parse(agreementArg, Invariant.Culture);
            var pquad = ReadPQuad(Path.Combine(data, DatasetReader.FourQMetadata));
            agreed = songs.Where(song => (pquad.TryGetValue(song, out var v) ? v : throw new InvalidDataException($"no PQuad for song {song} in the metadata")) >= threshold).ToHashSet();
            Console.WriteLine($"--agreement-weight {agreementArg}: the training rows of {agreed.Count} of {songs.Length} songs (PQuad >= {agreementArg}) count twice");
        }
        var songLabel = new string[songs.Length];
        var songGroup = new string[songs.Length];
        foreach (var r in rows) { songLabel[songIndex[r.Song!]] = r.Label!; songGroup[songIndex[r.Song!]] = r.Group ?? "song:" + r.Song; }
        for (int i = 0; i < songs.Length; i++) artistOf[songs[i]] = songGroup[i];
        var featureNames = table.FeatureNames;
        if (dropPrefixes.Length > 0)
        {
            var names = featureNames;
            var keep = Enumerable.Range(0, names.Count).Where(j => !dropPrefixes.Any(p => names[j].StartsWith(p, StringComparison.Ordinal))).ToArray();
            foreach (string prefix in dropPrefixes)
                if (!names.Any(n => n.StartsWith(prefix, StringComparison.Ordinal))) throw new ArgumentException($"--drop-columns {prefix}: no feature starts so");
            rows = rows.Select(r => r with { Values = [.. keep.Select(k => r.Values[k])] }).ToList();
            augmentedRows = augmentedRows.Select(r => r with { Values = [.. keep.Select(k => r.Values[k])] }).ToList();
            featureNames = [.. keep.Select(k => names[k])];
        }
        if (context)
        {
            string songTablePath = Path.Combine(outDir, $"w25.5-h100-{set.ToString().ToLowerInvariant()}-{FeatureCache.CodeVersion}.parquet");
            var songTable = Table(songTablePath, 25.5, 100, null);
            var keep = contextColumns == null ? Enumerable.Range(0, songTable.FeatureNames.Count).ToArray()
                : contextColumns.Select(c => songTable.FeatureNames.ToList().IndexOf(c) is var k and >= 0 ? k : throw new ArgumentException($"--context-columns: no feature '{c}'")).ToArray();
            var bySong = songTable.Rows.ToDictionary(r => r.Song!, r => keep.Select(k => r.Values[k]).ToArray());
            rows = rows.Where(r => bySong.ContainsKey(r.Song!)).Select(r => r with { Values = [.. r.Values, .. bySong[r.Song!]] }).ToList();
            featureNames = [.. featureNames, .. keep.Select(k => "song_" + songTable.FeatureNames[k])];
        }
        foreach (var (extraPath, x) in extras)
        {
            double[] ExtraOf(FeatureRow r) => x.Values.TryGetValue((r.Song!, WindowIndex(r.Id)), out var v) ? v
                : throw new InvalidDataException($"{extraPath}: no line for song {r.Song}, window {WindowIndex(r.Id)}");
            rows = rows.Select(r => r with { Values = [.. r.Values, .. ExtraOf(r)] }).ToList();
            augmentedRows = augmentedRows.Select(r => r with { Values = [.. r.Values, .. ExtraOf(r)] }).ToList();
            featureNames = [.. featureNames, .. x.Names];
        }
        // a column twice (e.g. --correlations mfcc on a full set that has them) would be trained on twice, unnoticed
        if (featureNames.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"the column {twice.Key} is there twice (leave it out of the featuriser's with --drop-columns, or of the extra columns)");
        // the original windows first (the songs are scored on them), then the augmented copies of every song
        int originalRows = rows.Count;
        var allRows = rows.Concat(augmentedRows.Where(r => songIndex.ContainsKey(r.Song!))).ToList();
        // the rows as a dataset, labelled by quadrant, or by arousal or valence for "name~av" trainers
        TabularDataset Labelled(Func<string, string> label) => TabularDataset.FromVectors(featureNames, allRows.Select(r => r.Values).ToList(),
            allRows.Select(r => label(r.Label!)).ToList(), allRows.Select(r => r.Group ?? "song:" + r.Song).ToList());
        var tab = Labelled(quadrant => quadrant);
        var classNames = tab.ClassNames;
        // built once per window length, when a trainer needs them
        var axisTabs = new Lazy<(Func<string, string> Axis, TabularDataset Tab)[]>(() =>
            [.. new Func<string, string>[] { Arousal, Valence }.Select(axis => (axis, Labelled(axis)))]);
        var songY = songLabel.Select(l => classNames.ToList().IndexOf(l)).ToArray();
        Console.WriteLine($"window {w} s, hop {hop} s{(stride > 1 ? $" (scored every {tableHop} s)" : "")}{(excerptArg is { } ex ? $", inside the first {ex} s" : "")}: {rows.Count} rows of {songs.Length} songs ({(double)rows.Count / songs.Length:F1} per song), {featureNames.Count} features" +
                          (plan != null ? $"; {allRows.Count - originalRows} augmented rows ({(trainCopies || trainers.Any(t => WithoutTaskSuffix(t).EndsWith("+aug", StringComparison.Ordinal)) ? "trained on for training songs only" : "never trained on")}" +
                                          $"{(tta ? ", scored" : "")})" : ""));
        // --codebook: the codebook columns of every row, per repetition and fold (learnt on that fold's training songs)
        var codebookColumns = new Dictionary<(int Rep, int Fold), double[][]>();
        double[][] CodebookColumnsOf(int rep, int foldIndex, HashSet<int> testSongs)
        {
            if (!codebookColumns.TryGetValue((rep, foldIndex), out var columns))
            {
                var trainingKeys = rows.Where(r => !testSongs.Contains(songIndex[r.Song!])).Select(r => (r.Song!, WindowIndex(r.Id))).ToList();
                var codebook = new FrameCodebook(trainingKeys.Select(k => FramesOf(k)), codebookSize, seed + 1000 * rep + foldIndex);
                var byWindow = new Dictionary<(string, int), double[]>();
                columns = [.. allRows.Select(r => (r.Song!, WindowIndex(r.Id))).Select(k =>
                    byWindow.TryGetValue(k, out var v) ? v : byWindow[k] = codebook.Histogram(FramesOf(k)))];
                codebookColumns[(rep, foldIndex)] = columns;
            }
            return columns;
        }
        float[][] FramesOf((string Song, int Window) key) => windowFrames!.TryGetValue(key, out var f) ? f
            : throw new InvalidDataException($"--codebook: no frames for song {key.Song}, window {key.Window}");
        // --least-typical: the least typical training windows, per repetition and fold (the same for every trainer)
        var leastTypical = new Dictionary<(int Rep, int Fold), HashSet<(string Song, int Window)>>();
        HashSet<(string Song, int Window)> LeastTypical(int rep, int foldIndex, int[] trainingSongs)
        {
            if (leastTypical.TryGetValue((rep, foldIndex), out var chosen)) return chosen;
            var training = trainingSongs.ToHashSet();
            int[] originals = [.. Enumerable.Range(0, originalRows)
                .Where(i => training.Contains(songIndex[allRows[i].Song!]) && WindowIndex(allRows[i].Id) % stride == 0)];
            var found = LeastTypicalWindows.Find(tab.SelectRows(originals), [.. originals.Select(i => allRows[i].Song!)], typicalShare,
                seed + 1000 * rep + foldIndex);
            chosen = [.. found.Select(k => (allRows[originals[k]].Song!, WindowIndex(allRows[originals[k]].Id)))];
            leastTypical[(rep, foldIndex)] = chosen;
            return chosen;
        }
        string[] codebookNames = [.. Enumerable.Range(1, codebookSize).Select(k => $"codebook_{k:D2}")];
        // song-level probabilities of every trainer, per repetition, for the ensemble (mean over trainers) at the end
        foreach (string trainerName in trainers)
        {
            var perRepeat = new double[repeats][][];
            // "name~av": two binary models, arousal and valence, whose product gives the quadrant probabilities
            bool factorised = trainerName.EndsWith("~av", StringComparison.Ordinal);
            // "name~low": a specialist of the low-arousal pair, trained on the windows of sad and relaxed training songs only,
            // labelled by valence; its probabilities go to the sad and relaxed columns (happy and angry 0), for analyses of
            // the --oof file (e.g. redistributing a vote's low-arousal mass), not as a quadrant classifier
            // "name~high": the same for the high-arousal pair (angry against happy)
            string? pairArousal = trainerName.EndsWith("~low", StringComparison.Ordinal) ? "low" : trainerName.EndsWith("~high", StringComparison.Ordinal) ? "high" : null;
            string baseName = WithoutTaskSuffix(trainerName);
            // "name+aug": this trainer trains on the augmented copies too (with --augment); the others on the originals only
            bool withCopies = baseName.EndsWith("+aug", StringComparison.Ordinal) ||
                              (plan != null && trainCopies && !trainers.Any(t => WithoutTaskSuffix(t).EndsWith("+aug", StringComparison.Ordinal)));
            var (trainer, config, seedOffset) = ParseTrainer(baseName.EndsWith("+aug", StringComparison.Ordinal) ? baseName[..^4] : baseName);
            var truth = new List<int>();
            var predicted = new List<int>();
            var foldF1 = new List<double>();
            var trainingSongs = new List<int>();
            var clock = Stopwatch.StartNew();
            for (int rep = 0; rep < repeats; rep++)
            {
                var songFolds = new StratifiedGroupKFold(folds, seed + rep).Split(songY, songGroup);
                var rowFolds = songFolds.Select((f, foldIndex) =>
                {
                    var test = new HashSet<int>(f.Test);
                    var kept = LearningCurve.TrainingShare(Enumerable.Range(0, songs.Length).Where(s => !test.Contains(s)).ToArray(), songY, songGroup,
                        trainFraction, seed + 1000 * rep + foldIndex).ToHashSet();
                    var keptClasses = kept.Select(s => songY[s]).Distinct().Count();
                    if (keptClasses < classNames.Count)
                        throw new ArgumentException($"--train-fraction {trainFraction.ToString(Invariant.Culture)}: a fold kept {kept.Count} training songs of {keptClasses} of the {classNames.Count} classes; use a larger share");
                    var tr = new List<int>(); var te = new List<int>();
                    var atypical = typicalShare > 0 ? LeastTypical(rep, foldIndex, [.. kept.Order()]) : null;
                    // a test song's augmented copies are predicted too (every row must be) but never trained on or scored
                    for (int i = 0; i < allRows.Count; i++)
                    {
                        if (test.Contains(songIndex[allRows[i].Song!])) te.Add(i);
                        else if (!kept.Contains(songIndex[allRows[i].Song!])) continue;
                        else if (pairArousal != null && Arousal(allRows[i].Label!) != pairArousal) continue;
                        else if (i < originalRows ? WindowIndex(allRows[i].Id) % stride == 0 : withCopies)
                        {
                            bool isAtypical = atypical != null && atypical.Contains((allRows[i].Song!, WindowIndex(allRows[i].Id)));
                            if (isAtypical && leastTypicalCount == 0) continue;
                            tr.Add(i);
                            int extra = Math.Max(agreed != null && agreed.Contains(allRows[i].Song!) ? 1 : 0, isAtypical ? leastTypicalCount - 1 : 0);
                            for (int e = 0; e < extra; e++) tr.Add(i);
                        }
                    }
                    trainingSongs.Add(kept.Count);
                    return (tr.ToArray(), te.ToArray());
                }).ToList();
                double[][] rowProbabilities;
                if (pairArousal != null)
                {
                    var (axis, axisTab) = axisTabs.Value[1]; // valence
                    using var cv = CrossValidation.Run(axisTab, rowFolds, trainer, config, seed + seedOffset);
                    var column = classNames.Select(c => Arousal(c) == pairArousal ? axisTab.ClassNames.ToList().IndexOf(axis(c)) : -1).ToArray();
                    rowProbabilities = cv.OutOfFoldProbabilities.Select(p => column.Select(k => k < 0 ? 0.0 : p[k]).ToArray()).ToArray();
                }
                else if (windowFrames != null)
                {
                    // every fold on its own columns: the featuriser's and the histograms over its own codewords
                    rowProbabilities = new double[allRows.Count][];
                    for (int foldIndex = 0; foldIndex < rowFolds.Count; foldIndex++)
                    {
                        var (tr, te) = rowFolds[foldIndex];
                        var columns = CodebookColumnsOf(rep, foldIndex, new HashSet<int>(songFolds[foldIndex].Test));
                        var foldTab = TabularDataset.FromVectors([.. featureNames, .. codebookNames],
                            allRows.Select((r, i) => (double[])[.. r.Values, .. columns[i]]).ToList(),
                            allRows.Select(r => r.Label!).ToList(), allRows.Select(r => r.Group ?? "song:" + r.Song).ToList(), classNames);
                        using var pipeline = FittedPipeline.Fit(foldTab, tr, trainer, config, seed + seedOffset);
                        var p = pipeline.PredictProbabilities(foldTab.Frame, te);
                        for (int i = 0; i < te.Length; i++) rowProbabilities[te[i]] = p[i];
                    }
                }
                else if (!factorised)
                {
                    using var cv = CrossValidation.Run(tab, rowFolds, trainer, config, seed + seedOffset);
                    rowProbabilities = [.. cv.OutOfFoldProbabilities];
                }
                else
                {
                    // the same rows and folds, relabelled by arousal and by valence; P(quadrant) = P(its arousal) P(its valence)
                    rowProbabilities = new double[allRows.Count][];
                    for (int i = 0; i < allRows.Count; i++) rowProbabilities[i] = Enumerable.Repeat(1.0, classNames.Count).ToArray();
                    foreach (var (axis, axisTab) in axisTabs.Value)
                    {
                        using var cv = CrossValidation.Run(axisTab, rowFolds, trainer, config, seed + seedOffset);
                        var column = classNames.Select(c => axisTab.ClassNames.ToList().IndexOf(axis(c))).ToArray();
                        for (int i = 0; i < allRows.Count; i++)
                            for (int c = 0; c < classNames.Count; c++) rowProbabilities[i][c] *= cv.OutOfFoldProbabilities[i][column[c]];
                    }
                }
                // Song-level: the mean of the song's window probabilities.
                var sum = new double[songs.Length][];
                for (int i = 0; i < (tta ? allRows.Count : originalRows); i++)
                {
                    if (i >= originalRows && CopyNumber(allRows[i]) > ttaCopies) continue;
                    int s = songIndex[allRows[i].Song!];
                    sum[s] ??= new double[classNames.Count];
                    for (int c = 0; c < classNames.Count; c++)
                        sum[s][c] += geometric ? Math.Log(Math.Max(rowProbabilities[i][c], 1e-6)) : rowProbabilities[i][c];
                }
                if (geometric) sum = sum.Select(p => { double m = p.Max(); return p.Select(v => Math.Exp(v - m)).ToArray(); }).ToArray();
                perRepeat[rep] = sum.Select(p => p.Select(v => v / p.Sum()).ToArray()).ToArray();
                var pred = sum.Select(ClassificationReport.ArgMax).ToArray();
                truth.AddRange(songY);
                predicted.AddRange(pred);
                foreach (var f in songFolds)
                    foldF1.Add(ClassificationReport.Compute(f.Test.Select(i => songY[i]).ToArray(), f.Test.Select(i => pred[i]).ToArray(), classNames).MacroF1);
            }
            voteMembers.Add(new VoteMember(windows.Length > 1 ? $"{trainerName}/{w.ToString(Invariant.Culture)}s" : trainerName, songs, songY, classNames,
                perRepeat.Select(r => songs.Select((song, i) => (song, p: r[i])).ToDictionary(t => t.song, t => t.p)).ToArray()));
            var report = ClassificationReport.Compute(truth, predicted, classNames);
            foldTrainingSongs.AddRange(trainingSongs);
            if (trainFraction < 1 && trainerName == trainers[0]) Console.WriteLine($"  (training on {(100 * trainFraction).ToString("F0", Invariant.Culture)} % of each fold's training songs: {trainingSongs.Average().ToString("F1", Invariant.Culture)} songs per fold on average)");
            if (typicalShare > 0 && trainerName == trainers[0])
            {
                // which windows were chosen: their number by position in the excerpt, per fold over every repetition
                var byPosition = leastTypical.Values.SelectMany(d => d).GroupBy(k => k.Window).OrderBy(g => g.Key)
                    .Select(g => $"{g.Key}: {(double)g.Count() / leastTypical.Count:F1}");
                Console.WriteLine($"  --least-typical {leastTypicalArg}: {leastTypical.Values.Average(d => d.Count):F0} training windows {leastTypicalCount switch { 0 => "left out", 2 => "counted twice", _ => "counted three times" }} per fold; per fold by window index {string.Join(", ", byPosition)}");
            }
            Console.WriteLine($"  {trainerName,-16} song-level accuracy {report.Accuracy:F3} macro-F1 {report.MacroF1:F3} " +
                              $"(fold mean {foldF1.Average():F3}, sd {StdDev(foldF1):F3}); per class " +
                              string.Join(" ", report.PerClass.Select(c => $"{c.Label} {c.F1:F2}")) + $"; {clock.Elapsed.TotalSeconds:F0} s");
        }
    }
    // --member FILE#MODEL: another bench's out-of-fold song probabilities (bench/Cnn's oof.csv) joins the votes, the same in
    // every repetition (its own folds, also artist-grouped: each song's probabilities come from a model that never saw it);
    // FILE+FILE... is one member, the mean of their probabilities (e.g. the same CNN trained from several seeds)
    if (opts.TryGetValue("member", out var memberArg) && voteMembers.Count > 0)
    {
        var reference = voteMembers[0];
        foreach (string spec in memberArg.Split(';'))
        {
            var parts = spec.Split('#', 2);
            string? modelName = parts.Length > 1 ? parts[1] : null;
            var files = parts[0].Split('+');
            var perFile = files.Select(file => ReadMember(file, modelName, reference)).ToList();
            var bySong = reference.Songs.ToDictionary(song => song, song => Enumerable.Range(0, reference.ClassNames.Count)
                .Select(c => perFile.Average(f => f[song][c])).ToArray(), StringComparer.Ordinal);
            string memberLabel = (modelName ?? "") + " (" + string.Join("+", files.Select(f => Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(f))))) + ")";
            voteMembers.Add(new VoteMember(memberLabel.TrimStart(), reference.Songs, reference.SongY, reference.ClassNames,
                Enumerable.Range(0, repeats).Select(_ => bySong).ToArray()));
            var memberReport = ClassificationReport.Compute(reference.SongY, reference.Songs.Select(song => ClassificationReport.ArgMax(bySong[song])).ToArray(), reference.ClassNames);
            Console.WriteLine($"  member {voteMembers[^1].Label}: song-level accuracy {memberReport.Accuracy:F3} macro-F1 {memberReport.MacroF1:F3}");
        }
    }
    // --oof FILE: every member's out-of-fold song probabilities, per repetition, for analyses outside the bench
    if (opts.TryGetValue("oof", out var oofPath) && voteMembers.Count > 0)
    {
        var reference = voteMembers[0];
        // with several training shares, one file per share: name-f0.5.csv
        string path = trainFractions.Length > 1
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(oofPath))!, $"{Path.GetFileNameWithoutExtension(oofPath)}-f{trainFraction.ToString(Invariant.Culture)}{Path.GetExtension(oofPath)}")
            : oofPath;
        using var oof = new StreamWriter(path);
        oof.WriteLine("\"model\",repeat,song,label," + string.Join(",", reference.ClassNames));
        foreach (var member in voteMembers)
            for (int rep = 0; rep < member.Probabilities.Length; rep++)
                for (int i = 0; i < member.Songs.Length; i++)
                    oof.WriteLine($"\"{member.Label}\",{rep},{member.Songs[i]},{member.ClassNames[member.SongY[i]]}," +
                                  string.Join(",", member.Probabilities[rep][member.Songs[i]].Select(v => v.ToString("R", Invariant.Culture))));
    }
    if (voteMembers.Count > 1)
    {
        // soft votes: the mean of the members' song probabilities (members of every window length), on the same folds, for
        // every subset of two or more; the best 20 and the mean of all
        var results = new List<(string Label, ClassificationReport Report)>();
        for (int mask = 1; mask < 1 << voteMembers.Count; mask++)
        {
            var members = Enumerable.Range(0, voteMembers.Count).Where(t => (mask >> t & 1) == 1).ToArray();
            if (members.Length < 2) continue;
            string label = members.Length == voteMembers.Count ? "mean of all" : "mean of " + string.Join("+", members.Select(t => voteMembers[t].Label));
            results.Add((label, VoteReport(members.Select(t => voteMembers[t]).ToList(), repeats)));
        }
        var shown = results.OrderByDescending(r => r.Report.MacroF1).Take(20).ToList();
        if (!shown.Contains(results[^1])) shown.Add(results[^1]);
        Console.WriteLine($"votes ({results.Count} subsets; the best 20 and the mean of all):");
        foreach (var (label, report) in shown)
            Console.WriteLine($"  {label} song-level accuracy {report.Accuracy:F3} macro-F1 {report.MacroF1:F3}; per class " +
                              string.Join(" ", report.PerClass.Select(c => $"{c.Label} {c.F1:F2}")));
    }
    // --class-bias true: would per-class weights on the probabilities lift macro-F1? Fitted on all out-of-fold songs (an
    // oracle that flatters), and cross-fitted: fitted on half of the artists, scored on the other half, and back
    if (opts.GetValueOrDefault("class-bias") == "true" && voteMembers.Count > 0)
    {
        Console.WriteLine("class weights (macro-F1 as is; with weights fitted on every song, an oracle; cross-fitted over two halves of the artists):");
        var candidates = voteMembers.Select(m => (m.Label, Members: (IReadOnlyList<VoteMember>)[m])).ToList();
        if (voteMembers.Count > 1) candidates.Add(("mean of all", voteMembers));
        foreach (var (label, members) in candidates)
        {
            var bias = ClassBias.Evaluate(members, artistOf, repeats, seed);
            Console.WriteLine($"  {label,-16} as is {bias.AsIs:F3}, oracle {bias.Oracle:F3} (weights {string.Join(" ", bias.OracleWeights.Select(x => x.ToString("F2", Invariant.Culture)))}), cross-fitted {bias.CrossFitted:F3}");
        }
    }
    if (voteMembers.Count == 0) return (null, 0);
    return (VoteReport(voteMembers, repeats), foldTrainingSongs.Average());
}

static FeatureTable Featurise(Dataset dataset, double window, double hop, FeatureSetKind set, string path, AugmentationPlan? plan)
{
    var options = new FeaturizerOptions { ExcerptSeconds = window };
    var loader = new AudioLoader(options);
    var featurizer = new ClipFeaturizer(options);
    var rows = new ConcurrentBag<FeatureRow>();
    int done = 0;
    var clock = Stopwatch.StartNew();
    Parallel.ForEach(dataset.Items, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
    {
        var song = loader.LoadWindows(item.Path, new WindowOptions { HopSeconds = hop, CoverEnd = false });
        if (song.SongSeconds < 25.5) return; // as the whole-excerpt pipeline: clips shorter than 25.5 s are skipped
        foreach (var win in song.Windows)
        {
            if (plan == null)
            {
                var v = featurizer.Extract(win.Signal, set).Vector.Values;
                rows.Add(new FeatureRow($"{item.SongId}#w{win.Index}", item.Path, item.Label, item.Group, item.SongId, null, v.ToArray()));
                continue;
            }
            for (int k = 0; k < plan.Copies.Count; k++)
            {
                var v = featurizer.Extract(plan.Apply(win.Signal, item.SongId, k), set).Vector.Values;
                string name = plan.Copies[k].Name;
                rows.Add(new FeatureRow($"{item.SongId}#w{win.Index}#{name}", item.Path, item.Label, item.Group, item.SongId, name, v.ToArray()));
            }
        }
        int n = Interlocked.Increment(ref done);
        if (n % 100 == 0) Console.WriteLine($"  featurised {n}/{dataset.Items.Count} ({clock.Elapsed.TotalSeconds:F0} s)");
    });
    var names = featurizer.FeatureNames(set);
    var table = new FeatureTable(names, rows.OrderBy(r => r.Id, StringComparer.Ordinal).ToList());
    FeatureTableIO.WriteAsync(path, table).GetAwaiter().GetResult();
    return table;
}

// "name[:key=value...][@k]": a trainer's default configuration with some values replaced, trained with seed + k
// (e.g. "mlp@1" is a second MLP from another seed, "rbf_svm:c=4" an RBF SVM with C 4).
static (TrainerCandidate Trainer, Configuration Config, int SeedOffset) ParseTrainer(string spec)
{
    int seedOffset = 0;
    int at = spec.IndexOf('@');
    if (at >= 0) { seedOffset = int.Parse(spec[(at + 1)..], Invariant.Culture); spec = spec[..at]; }
    // "name:key=value..." is a starting point of the AutoML search: the defaults with those values (checked) replaced
    var start = spec.Contains(':') ? StartingPoint.Parse(spec) : null;
    var trainer = TrainerCatalog.Get(start?.Trainer ?? spec);
    var space = start is null ? trainer.Space : trainer.Space.WithDefaults(start.Values);
    return (trainer, space.DefaultConfiguration(), seedOffset);
}

// the copy's number in its plan: 2 for "aug2"
static int CopyNumber(FeatureRow row) =>
    row.Augmentation is { } a && a.StartsWith("aug", StringComparison.Ordinal) && int.TryParse(a.AsSpan(3), NumberStyles.None, Invariant.Culture, out int k)
        ? k
        : throw new InvalidDataException($"{row.Id}: not an augmented copy 'augK' ({row.Augmentation})");

// as the pipeline's "custom" plan with noise 0.003, gain_db 3, pitch_semitones 1
static AugmentationPlan AugmentationPlanOf(int copies) => new(Enumerable.Range(0, copies).Select(k =>
{
    double sign = k % 2 == 0 ? 1 : -1;
    return new AugmentationCopy($"aug{k + 1}",
        [new AddNoise(0.003), new Gain(-3, 3), new PitchShift(sign * (1 + k / 2) / Math.Max(1, (copies + 1) / 2))]);
}).ToList(), 7);

// One model's out-of-fold song probabilities from an oof.csv ("model",song,class columns...), in the reference's class
// order, for every song of the reference; the file's only model when none is named.
static Dictionary<string, double[]> ReadMember(string file, string? modelName, VoteMember reference)
{
    if (!File.Exists(file)) throw new ArgumentException($"--member: {file} does not exist");
    var lines = File.ReadAllLines(file);
    if (lines.Length == 0) throw new ArgumentException($"{file}: empty");
    var header = lines[0].Split(',');
    var columns = reference.ClassNames.Select(c => Array.IndexOf(header, c)).ToArray();
    if (columns.Any(c => c < 0)) throw new ArgumentException($"{file}: the header lacks one of {string.Join(", ", reference.ClassNames)}");
    var bySong = new Dictionary<string, double[]>(StringComparer.Ordinal);
    var models = new HashSet<string>(StringComparer.Ordinal);
    for (int l = 1; l < lines.Length; l++)
    {
        string line = lines[l];
        if (line.Length == 0) continue;
        int close = line.IndexOf("\",", StringComparison.Ordinal);
        if (!line.StartsWith('"') || close < 1) throw new ArgumentException($"{file}:{l + 1}: expected \"model\",song,probabilities");
        string model = line[1..close];
        models.Add(model);
        if (modelName != null ? model != modelName : models.Count > 1) continue;
        var cells = line[(close + 2)..].Split(',');
        if (cells.Length != header.Length - 1) throw new ArgumentException($"{file}:{l + 1}: {cells.Length + 1} cells, the header has {header.Length}");
        bySong[cells[0]] = columns.Select(c => double.TryParse(cells[c - 1], System.Globalization.NumberStyles.Float, Invariant.Culture, out double v) ? v
            : throw new ArgumentException($"{file}:{l + 1}: '{cells[c - 1]}' is not a probability")).ToArray();
    }
    if (modelName == null && models.Count > 1)
        throw new ArgumentException($"{file} holds several models ({string.Join(", ", models)}): name one with {file}#MODEL");
    if (modelName != null && !models.Contains(modelName))
        throw new ArgumentException($"{file}: no rows of model '{modelName}' (models: {string.Join(", ", models)})");
    var missing = reference.Songs.Where(song => !bySong.ContainsKey(song)).ToList();
    if (missing.Count > 0) throw new ArgumentException($"{file}: no probabilities for {missing.Count} songs (e.g. {missing[0]})");
    return bySong;
}

// The song-level report of the soft vote of all members (the mean of their song probabilities), every repetition pooled.
static ClassificationReport VoteReport(IReadOnlyList<VoteMember> members, int repeats)
{
    var first = members[0];
    var truth = new List<int>();
    var predicted = new List<int>();
    for (int rep = 0; rep < repeats; rep++)
    {
        truth.AddRange(first.SongY);
        foreach (string song in first.Songs)
        {
            var mean = new double[first.ClassNames.Count];
            foreach (var member in members)
                for (int c = 0; c < mean.Length; c++) mean[c] += member.Probabilities[rep][song][c];
            predicted.Add(ClassificationReport.ArgMax(mean));
        }
    }
    return ClassificationReport.Compute(truth, predicted, first.ClassNames);
}

// The vote's macro-F1 against the training songs per fold, and a least-squares line in log2(songs): its gain per doubling
// of the training set and what it gives at twice the largest size (an extrapolation, not a measurement).
static void PrintLearningCurve(IReadOnlyList<(double Fraction, double Songs, ClassificationReport Vote)> curve)
{
    Console.WriteLine("learning curve (the vote of all members; training songs per fold on average):");
    foreach (var (fraction, songs, vote) in curve)
        Console.WriteLine($"  {fraction,5:F2} {songs,6:F1} songs: accuracy {vote.Accuracy:F3} macro-F1 {vote.MacroF1:F3}");
    if (curve.Select(p => p.Songs).Distinct().Count() < 2) return;
    var fit = LearningCurve.Fit(curve.Select(p => (p.Songs, p.Vote.MacroF1)).ToList());
    double largest = curve.Max(p => p.Songs);
    string interval = curve.Count > 2 && fit.Interval(2 * largest) is var (low, high)
        ? $" (the line's 95 % interval there {low:F3}-{high:F3}, if the curve stays straight)" : "";
    Console.WriteLine($"  least squares in log2(songs): macro-F1 {fit.Intercept:F3} + {fit.SlopePerDoubling:F3} per doubling{(curve.Count > 2 ? $" (residual sd {fit.ResidualSd:F3})" : "")}; " +
                      $"extrapolated to {2 * largest:F0} training songs: {fit.At(2 * largest):F3}{interval}");
    // a check of the extrapolation on the curve itself: the line through every share but the largest, at the largest
    var smaller = curve.Where(p => p.Songs < largest).ToList();
    if (smaller.Select(p => p.Songs).Distinct().Count() >= 2)
    {
        var partial = LearningCurve.Fit(smaller.Select(p => (p.Songs, p.Vote.MacroF1)).ToList());
        Console.WriteLine($"  check: the line through the {smaller.Count} smaller shares ({partial.SlopePerDoubling:F3} per doubling) gives {partial.At(largest):F3} " +
                          $"at {largest:F0} songs, where {curve.First(p => p.Songs == largest).Vote.MacroF1:F3} was measured");
    }
}

// a trainer's name without its "~av", "~low" or "~high" suffix (the task it learns)
static string WithoutTaskSuffix(string trainer) =>
    new[] { "~av", "~low", "~high" }.FirstOrDefault(suffix => trainer.EndsWith(suffix, StringComparison.Ordinal)) is { } task ? trainer[..^task.Length] : trainer;

// The quadrants' arousal and valence (Russell): happy Q1 (high, positive), angry Q2 (high, negative), sad Q3 (low,
// negative), relaxed Q4 (low, positive).
static string Arousal(string quadrant) => quadrant switch
{
    "happy" or "angry" => "high",
    "sad" or "relaxed" => "low",
    _ => throw new ArgumentException($"'{quadrant}' is not a 4Q quadrant (happy, angry, sad, relaxed): name~av needs them"),
};

static string Valence(string quadrant) => quadrant switch
{
    "happy" or "relaxed" => "positive",
    "angry" or "sad" => "negative",
    _ => throw new ArgumentException($"'{quadrant}' is not a 4Q quadrant (happy, angry, sad, relaxed): name~av needs them"),
};

// "song#w3" or "song#w3#aug1": 3
static int WindowIndex(string id)
{
    int start = id.LastIndexOf("#w", StringComparison.Ordinal) + 2;
    int end = id.IndexOf('#', start);
    return int.Parse(end < 0 ? id[start..] : id[start..end], Invariant.Culture);
}

static double StdDev(IReadOnlyList<double> x)
{
    double m = x.Average();
    return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / Math.Max(1, x.Count - 1));
}

// every window of every clip as AudioLoader.LoadWindows cuts them (`window` s every `hop` s, no window aligned to the
// end: the numbering of the bench's tables), in parallel: visit(song, window index, signal)
static void ForEachWindow(Dataset dataset, double window, double hop, Action<string, int, AudioSignal> visit)
{
    var loader = new AudioLoader(new FeaturizerOptions { ExcerptSeconds = window });
    Parallel.ForEach(dataset.Items, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
    {
        var song = loader.LoadWindows(item.Path, new WindowOptions { HopSeconds = hop, CoverEnd = false });
        foreach (var win in song.Windows) visit(item.SongId, win.Index, win.Signal);
    });
}

// per-window columns for --extra-columns: "song,window,name..." and one sorted line per window of every clip
static void WriteWindowColumns(Dataset dataset, double window, double hop, string path, string what, IEnumerable<string> names,
    Func<AudioSignal, IEnumerable<double>> values)
{
    var lines = new ConcurrentBag<string>();
    var clock = Stopwatch.StartNew();
    ForEachWindow(dataset, window, hop, (song, index, signal) =>
        lines.Add($"{song},{index}," + string.Join(",", values(signal).Select(v => v.ToString("R", Invariant.Culture)))));
    File.WriteAllLines(path, ["song,window," + string.Join(",", names), .. lines.OrderBy(l => l, StringComparer.Ordinal)]);
    Console.WriteLine($"{what} of {dataset.Items.Count} clips written to {path} ({clock.Elapsed.TotalSeconds:F0} s)");
}

// How wide each window of a clip's stereo image is, as "song,window,name..." lines for --extra-columns: the clip decoded
// with both channels, mid (L+R)/2 and side (L-R)/2 resampled to 22050 Hz, then per window of `window` s every `hop` s
// (as AudioLoader.LoadWindows cuts them): the side-to-mid energy ratio in dB (floor -60: a mono file is -60) over the
// whole band and in three bands split by one-pole crossovers at 250 Hz and 2 kHz, and over frames of 2048 samples
// (hop 1024, frames with energy) its standard deviation, 90th and 10th percentiles.
static void StereoColumns(Dataset dataset, double window, double hop, string path)
{
    const int sr = 22050;
    const double floorDb = -60;
    var decoder = new FfmpegDecoder();
    var lines = new ConcurrentBag<string>();
    var clock = Stopwatch.StartNew();
    Parallel.ForEach(dataset.Items, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
    {
        var pcm = decoder.Decode(item.Path);
        var x = pcm.Samples;
        int frames = pcm.Frames, ch = pcm.Channels;
        var mid = new float[frames];
        var side = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            float l = x[i * ch], r = ch > 1 ? x[i * ch + 1] : l;
            mid[i] = (l + r) / 2;
            side[i] = (l - r) / 2;
        }
        if (pcm.SampleRate != sr)
        {
            var resampler = Resampler.For(pcm.SampleRate, sr);
            mid = resampler.Process(mid);
            side = resampler.Process(side);
        }
        static double Db(double s, double m) => Math.Max(floorDb, 10 * Math.Log10((s + 1e-12) / (m + 1e-12)));
        // low (< 250 Hz), middle and high (> 2 kHz) parts of a signal by one-pole low-passes
        static double[][] Bands(float[] y)
        {
            double a1 = Math.Exp(-2 * Math.PI * 250 / sr), a2 = Math.Exp(-2 * Math.PI * 2000 / sr), s1 = 0, s2 = 0;
            var b = new[] { new double[y.Length], new double[y.Length], new double[y.Length] };
            for (int i = 0; i < y.Length; i++)
            {
                s1 = (1 - a1) * y[i] + a1 * s1;
                s2 = (1 - a2) * y[i] + a2 * s2;
                b[0][i] = s1; b[1][i] = s2 - s1; b[2][i] = y[i] - s2;
            }
            return b;
        }
        var midBands = Bands(mid);
        var sideBands = Bands(side);
        int len = (int)Math.Round(window * sr), step = (int)Math.Round(hop * sr);
        // numbered as AudioLoader.LoadWindows numbers them: silent windows (peak of the mono mix at most 1/32768) are
        // dropped and the kept ones counted from 0
        int k = 0;
        double silencePeak = new AudioLoaderOptions().SilencePeak;
        for (int start = 0; start + len <= mid.Length; start += step)
        {
            if (Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(mid.AsSpan(start, len))) <= silencePeak) continue;
            double Ratio(ReadOnlySpan<double> m, ReadOnlySpan<double> s) => Db(SumOfSquaresOf(s), SumOfSquaresOf(m));
            var values = new List<double> { Db(SumOfSquares(side.AsSpan(start, len)), SumOfSquares(mid.AsSpan(start, len))) };
            for (int b = 0; b < 3; b++) values.Add(Ratio(midBands[b].AsSpan(start, len), sideBands[b].AsSpan(start, len)));
            var perFrame = new List<double>();
            for (int f = start; f + 2048 <= start + len; f += 1024)
            {
                double m = SumOfSquares(mid.AsSpan(f, 2048));
                if (m > 1e-7) perFrame.Add(Db(SumOfSquares(side.AsSpan(f, 2048)), m));
            }
            if (perFrame.Count == 0) perFrame.Add(floorDb);
            double mean = perFrame.Average();
            perFrame.Sort();
            values.Add(Math.Sqrt(perFrame.Average(v => (v - mean) * (v - mean))));
            values.Add(perFrame[(int)(0.9 * (perFrame.Count - 1))]);
            values.Add(perFrame[(int)(0.1 * (perFrame.Count - 1))]);
            lines.Add($"{item.SongId},{k++}," + string.Join(",", values.Select(v => v.ToString("R", Invariant.Culture))));
        }
    });
    File.WriteAllLines(path, ["song,window,stereo_side_db,stereo_side_db_low,stereo_side_db_mid,stereo_side_db_high,stereo_side_db_frame_std,stereo_side_db_frame_p90,stereo_side_db_frame_p10",
        .. lines.OrderBy(l => l, StringComparer.Ordinal)]);
    Console.WriteLine($"stereo columns of {dataset.Items.Count} clips written to {path} ({clock.Elapsed.TotalSeconds:F0} s)");
}

static double SumOfSquares(ReadOnlySpan<float> x) { double s = 0; foreach (float v in x) s += (double)v * v; return s; }

static double SumOfSquaresOf(ReadOnlySpan<double> x) { double s = 0; foreach (double v in x) s += v * v; return s; }

// Per frame of a window's constant-Q magnitude (the featuriser's: 36 bins per octave from C1), the harmonic-summation
// salience of every candidate pitch from C2 to C6 (bins 36 to 180 of the CQT, 1/3 semitone apart; 5 harmonics weighted
// 0.8^(h-1)), each frame's best, and the window's floor for a pitched frame (0.3 of the 95th percentile of the bests).
static (double[][] Salience, double[] Best, double Floor) PitchSalience(ConstantQ cqt, AudioSignal signal)
{
    const int bpo = 36, lo = (36 - 24) * 3, hi = (84 - 24) * 3;
    int[] offsets = [.. Enumerable.Range(1, 5).Select(h => (int)Math.Round(bpo * Math.Log2(h)))];
    double[] weights = [.. Enumerable.Range(0, 5).Select(h => Math.Pow(0.8, h))];
    var c = cqt.Magnitude(signal, out _);
    int frames = c.Cols;
    var sal = new double[frames][];
    var best = new double[frames];
    for (int t = 0; t < frames; t++)
    {
        sal[t] = new double[hi - lo + 1];
        for (int b = lo; b <= hi; b++)
        {
            double v = 0;
            for (int k = 0; k < offsets.Length; k++)
                if (b + offsets[k] < c.Rows) v += weights[k] * c[b + offsets[k], t];
            sal[t][b - lo] = v;
            best[t] = Math.Max(best[t], v);
        }
    }
    var sortedBest = best.OrderBy(v => v).ToArray();
    return (sal, best, frames == 0 ? 0 : 0.3 * sortedBest[(int)(0.95 * (frames - 1))]);
}

// "Musical layers" (Panda et al. 2018's texture features, approximated): how many pitched sources sound at once, per
// window of `window` s every `hop` s of the mono clip (as AudioLoader.LoadWindows cuts them). Per frame of the window's
// constant-Q magnitude (the featuriser's: 36 bins per octave from C1), the harmonic-summation salience of every candidate
// pitch from C2 to C6 (5 harmonics weighted 0.8^(h-1)); its peaks (local maxima within 2 bins) reaching half the
// frame's best and 0.3 of the window's 95th percentile of frame bests are sources, unless a stronger one lies an
// octave, a twelfth or two octaves below or an octave above (one of its harmonics); the count (at most 5), smoothed by a
// median over 5 frames, gives: its mean and spread, the shares of frames with 0, 1, 2 and 3 or more layers, changes of
// the count per second and changes between 0 and 1 per second.
static void LayerColumns(Dataset dataset, double window, double hop, string path)
{
    var options = new FeaturizerOptions();
    var cqt = new ConstantQ(ClipAnalyzer.CqtOptionsFor(options));
    int[] harmonicIntervals = [-36, 36, 57, 72]; // bins from a stronger source at which a peak is its harmonic (or it is ours)
    double frameRate = (double)options.SampleRate / options.HopLength;
    string[] names = ["layers_mean", "layers_std", "layers_share_0", "layers_share_1", "layers_share_2", "layers_share_3plus", "layers_changes_per_s", "layers_changes_01_per_s"];
    WriteWindowColumns(dataset, window, hop, path, "musical layers", names, signal =>
    {
        var (sal, best, floor) = PitchSalience(cqt, signal);
        int frames = sal.Length;
        var count = new int[frames];
        for (int t = 0; t < frames; t++)
        {
            var s = sal[t];
            var peaks = new List<int>();
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] < 0.5 * best[t] || s[i] < floor || s[i] <= 0) continue;
                bool isMax = true;
                for (int d = -2; d <= 2 && isMax; d++)
                    if (d != 0 && i + d >= 0 && i + d < s.Length && s[i + d] > s[i]) isMax = false;
                if (isMax) peaks.Add(i);
            }
            var kept = new List<int>();
            foreach (int p in peaks.OrderByDescending(p => s[p]))
                if (!kept.Any(q => harmonicIntervals.Any(iv => Math.Abs(p - q - iv) <= 1) || Math.Abs(p - q) <= 2)) kept.Add(p);
            count[t] = Math.Min(5, kept.Count);
        }
        var smooth = new double[frames];
        for (int t = 0; t < frames; t++)
        {
            var around = Enumerable.Range(t - 2, 5).Where(u => u >= 0 && u < frames).Select(u => count[u]).OrderBy(v => v).ToArray();
            smooth[t] = around[around.Length / 2];
        }
        double mean = smooth.Average();
        double seconds = frames / frameRate;
        int changes = 0, changes01 = 0;
        for (int t = 1; t < frames; t++)
        {
            if (smooth[t] == smooth[t - 1]) continue;
            changes++;
            if (smooth[t] <= 1 && smooth[t - 1] <= 1) changes01++;
        }
        double[] values = [mean, Math.Sqrt(smooth.Average(v => (v - mean) * (v - mean))), smooth.Count(v => v == 0) / (double)frames,
            smooth.Count(v => v == 1) / (double)frames, smooth.Count(v => v == 2) / (double)frames, smooth.Count(v => v >= 3) / (double)frames,
            changes / seconds, changes01 / seconds];
        return values;
    });
}

// The melody (Panda et al. 2018's melodic and expressive features, approximated): per window of `window` s every `hop`
// s, the 13 values of the featuriser's MelodyContours (its predominant pitch per frame on a whitened CQT, checked
// against the octave below so that a loud bass does not win; contours of voiced frames moving at most a semitone per
// frame; their rate, lengths, steps, glides, vibrato-like wobble and its rate, intervals, leaps and rising share).
// melody-w6-h3.csv was the first version (an unwhitened harmonic sum from C2, as LayerColumns' PitchSalience, which
// followed the bass), melody-v2 the whitened one as a copy in this file (its pitch mean in semitones above G2), v3 the
// same from MelodyContours (the pitch mean in MIDI, 43 more).
static void MelodyColumns(Dataset dataset, double window, double hop, string path)
{
    var cqtOptions = ClipAnalyzer.CqtOptionsFor(new FeaturizerOptions());
    var cqt = new ConstantQ(cqtOptions);
    var melody = new MelodyContours(MelodyOptions.ForCqt(cqtOptions));
    WriteWindowColumns(dataset, window, hop, path, "melody columns", MelodyContours.Names,
        signal => melody.Describe(melody.Track(cqt.Magnitude(signal, out _))));
}

// How the frames' coefficients move together, which per-coefficient statistics do not see (the single-Gaussian "bag of
// frames" of Mandel and Ellis keeps a full covariance of the MFCCs): per window of `window` s every `hop` s (as
// AudioLoader.LoadWindows cuts them), the Pearson correlations over frames (RowStatistics.Correlations) between every two
// rows of the featuriser's own analysis, by kind: "mfcc" MFCC 02-13 (66) and "contrast" the 7 spectral contrast bands
// (21), as the full set has had them since mmcs-featurize-5; "mfcc-rest" the pairs with MFCC 14-20 (105), "mel" the 16
// mel groups' per-frame means in dB (120, the groups of the full set's mel_db and modulation columns), "chroma" the 12
// chroma_cqt bins (66), "mfcc-delta" the first deltas of MFCC 02-13 (66), "mfcc-contrast" every MFCC 02-13 with every
// contrast band (84).
static void CorrelationColumns(Dataset dataset, double window, double hop, string[] kinds, string path)
{
    var analyzer = new ClipAnalyzer(new FeaturizerOptions());
    // the featuriser's spectral contrast: its octave bands and the rest above them
    static int ContrastRows() => new ContrastOptions().NBands + 1;
    const string KindList = "mfcc, contrast, mfcc-rest, mel, chroma, mfcc-delta or mfcc-contrast";
    // a kind's correlations, in the order of its names below
    static IEnumerable<double> Values(ClipAnalysis a, string kind) => kind switch
    {
        "mfcc" => RowStatistics.Correlations(a.Mfcc, 1, 12),
        "contrast" => RowStatistics.Correlations(a.SpectralContrast, 0, a.SpectralContrast.Rows),
        "mfcc-rest" => Pairs(a.Mfcc.Rows - 1).Zip(RowStatistics.Correlations(a.Mfcc, 1, a.Mfcc.Rows - 1)).Where(p => p.First.J >= 12).Select(p => p.Second),
        "mel" => RowStatistics.Correlations(FullFeatureSet.MelGroupMeans(a.MelDb), 0, FullFeatureSet.MelGroups),
        "chroma" => RowStatistics.Correlations(a.ChromaCqt, 0, 12),
        "mfcc-delta" => RowStatistics.Correlations(Delta.Compute(a.Mfcc, 1), 1, 12),
        // every MFCC 02-13 with every contrast band: the pairs of the stacked rows that cross the two families
        "mfcc-contrast" => Pairs(12 + ContrastRows()).Zip(RowStatistics.Correlations(Stack(a.Mfcc, 1, 12, a.SpectralContrast), 0, 12 + ContrastRows()))
            .Where(p => p.First.I < 12 && p.First.J >= 12).Select(p => p.Second),
        _ => throw new ArgumentException($"--correlations {kind}: {KindList}"),
    };
    // rows first..first+count-1 of `top` above every row of `bottom` (same frames)
    static FeatureMatrix Stack(FeatureMatrix top, int first, int count, FeatureMatrix bottom)
    {
        if (top.Cols != bottom.Cols) throw new ArgumentException($"{top.Cols} frames against {bottom.Cols}");
        var data = new float[(count + bottom.Rows) * top.Cols];
        top.Data.AsSpan(first * top.Cols, count * top.Cols).CopyTo(data);
        bottom.Data.CopyTo(data.AsSpan(count * top.Cols));
        return new FeatureMatrix(count + bottom.Rows, top.Cols, data);
    }
    static IEnumerable<(int I, int J)> Pairs(int count)
    {
        for (int i = 0; i < count; i++)
            for (int j = i + 1; j < count; j++) yield return (i, j);
    }
    static IEnumerable<string> Names(string kind) => kind switch
    {
        "mfcc" => Pairs(12).Select(p => $"mfcc_corr_{p.I + 2:D2}_{p.J + 2:D2}"),
        "contrast" => Pairs(ContrastRows()).Select(p => $"spectral_contrast_corr_{p.I + 1:D2}_{p.J + 1:D2}"),
        "mfcc-rest" => Pairs(19).Where(p => p.J >= 12).Select(p => $"mfcc_corr_{p.I + 2:D2}_{p.J + 2:D2}"),
        "mel" => Pairs(FullFeatureSet.MelGroups).Select(p => $"mel_group_corr_{p.I + 1:D2}_{p.J + 1:D2}"),
        "chroma" => Pairs(12).Select(p => $"chroma_cqt_corr_{p.I + 1:D2}_{p.J + 1:D2}"),
        "mfcc-delta" => Pairs(12).Select(p => $"mfcc_delta_corr_{p.I + 2:D2}_{p.J + 2:D2}"),
        "mfcc-contrast" => Pairs(12 + ContrastRows()).Where(p => p.I < 12 && p.J >= 12).Select(p => $"mfcc_contrast_corr_{p.I + 2:D2}_{p.J - 12 + 1:D2}"),
        _ => throw new ArgumentException($"--correlations {kind}: {KindList}"),
    };
    var names = kinds.SelectMany(Names).ToList(); // also checks the kinds before any work
    WriteWindowColumns(dataset, window, hop, path, $"correlation columns ({string.Join(", ", kinds)})", names, signal =>
    {
        var a = analyzer.Analyze(signal);
        // the names count the contrast rows by the options' bands: the analysis must have as many
        if (a.SpectralContrast.Rows != ContrastRows())
            throw new InvalidOperationException($"the analysis has {a.SpectralContrast.Rows} spectral contrast rows, the column names {ContrastRows()}");
        return kinds.SelectMany(k => Values(a, k)).ToList();
    });
}

// Song -> PQuad from the 4Q metadata (Latin-1, quoted CSV, read as DatasetReader reads its artists).
static Dictionary<string, double> ReadPQuad(string path)
{
    if (!File.Exists(path)) throw new FileNotFoundException($"--agreement-weight needs the 4Q metadata {path}");
    var rows = Csv.ReadFile(path, System.Text.Encoding.Latin1);
    int song = Array.IndexOf(rows[0], "Song"), pquad = Array.IndexOf(rows[0], "PQuad");
    if (song < 0 || pquad < 0) throw new InvalidDataException($"{path}: no Song or PQuad column");
    return rows.Skip(1).Where(r => r.Length > Math.Max(song, pquad))
        .ToDictionary(r => r[song].Trim(), r => double.Parse(r[pquad], Invariant.Culture));
}

// --chords true: per window, which chords its harmony sounds like, beyond the featuriser's major/minor triads: the
// chroma_cqt of the analysis, smoothed over 11 frames (about 0.25 s), is matched (Pearson correlation) against binary templates of
// 12 roots x 7 types (major, minor, dominant 7th, major 7th, minor 7th, diminished, suspended 4th); columns: the share
// of sounding frames won by each type, the sevenths' share, and the mean fit of the winner
static void ChordColumns(Dataset dataset, double window, double hop, string path)
{
    (string Name, int[] Intervals)[] types = [("maj", [0, 4, 7]), ("min", [0, 3, 7]), ("dom7", [0, 4, 7, 10]), ("maj7", [0, 4, 7, 11]),
        ("min7", [0, 3, 7, 10]), ("dim", [0, 3, 6]), ("sus4", [0, 5, 7])];
    var analyzer = new ClipAnalyzer(new FeaturizerOptions());
    const int Smooth = 11;
    var names = types.Select(t => $"chord_{t.Name}_share").Concat(["chord_seventh_share", "chord_type_fit_mean"]);
    WriteWindowColumns(dataset, window, hop, path, "chord columns", names, signal =>
    {
        var chroma = analyzer.Analyze(signal).ChromaCqt;
        var wins = new double[types.Length];
        double fitSum = 0;
        int sounding = 0;
        var col = new double[12];
        for (int t = 0; t < chroma.Cols; t++)
        {
            Array.Clear(col);
            for (int u = Math.Max(0, t - Smooth / 2); u <= Math.Min(chroma.Cols - 1, t + Smooth / 2); u++)
                for (int c = 0; c < 12; c++) col[c] += chroma[c, u];
            // Pearson correlation with each template (both centred): a cosine with binary templates would favour the
            // four-note ones on a spread chroma, which catch more of its floor
            double mean = col.Average();
            double spread = Math.Sqrt(col.Sum(v => (v - mean) * (v - mean)));
            if (!(spread > 0)) continue;
            int bestType = 0;
            double best = double.NegativeInfinity;
            for (int k = 0; k < types.Length; k++)
            {
                int n = types[k].Intervals.Length;
                // a centred template: 1 - n/12 on its notes, -n/12 elsewhere; its norm sqrt(n (12 - n) / 12)
                double templateNorm = Math.Sqrt(n * (12.0 - n) / 12);
                for (int root = 0; root < 12; root++)
                {
                    double score = types[k].Intervals.Sum(i => col[(root + i) % 12] - mean) / (spread * templateNorm);
                    if (score > best) { best = score; bestType = k; }
                }
            }
            wins[bestType]++;
            fitSum += best;
            sounding++;
        }
        var shares = wins.Select(v => sounding > 0 ? v / sounding : 0).ToArray();
        return [.. shares, shares[2] + shares[3] + shares[4], sounding > 0 ? fitSum / sounding : 0];
    });
}

// --codebook: the frames of every window of every clip (the windows of the tables: same length, hop and numbering), each
// frame its MFCC 2-20 (the featuriser's analysis); about 40 s for the 452 clips
static Dictionary<(string Song, int Window), float[][]> CodebookFrames(Dataset dataset, double window, double hop)
{
    var analyzer = new ClipAnalyzer(new FeaturizerOptions());
    var frames = new ConcurrentDictionary<(string Song, int Window), float[][]>();
    var clock = Stopwatch.StartNew();
    ForEachWindow(dataset, window, hop, (song, index, signal) =>
    {
        var mfcc = analyzer.Analyze(signal).Mfcc;
        frames[(song, index)] = [.. Enumerable.Range(0, mfcc.Cols).Select(t => Enumerable.Range(1, mfcc.Rows - 1).Select(r => mfcc[r, t]).ToArray())];
    });
    Console.WriteLine($"--codebook: the frames of {frames.Count} windows of {dataset.Items.Count} clips ({clock.Elapsed.TotalSeconds:F0} s)");
    return new Dictionary<(string Song, int Window), float[][]>(frames);
}

// "song,window,name...": the names and, by song and window index, the values
static (string[] Names, Dictionary<(string Song, int Window), double[]> Values) ReadExtraColumns(string path)
{
    var lines = File.ReadAllLines(path);
    var header = lines.Length > 0 ? lines[0].Split(',') : [];
    if (header.Length < 3 || header[0] != "song" || header[1] != "window")
        throw new InvalidDataException($"--extra-columns {path}: the header must be song,window,name...");
    var values = new Dictionary<(string, int), double[]>();
    for (int i = 1; i < lines.Length; i++)
    {
        var parts = lines[i].Split(',');
        if (parts.Length != header.Length) throw new InvalidDataException($"--extra-columns {path}, line {i + 1}: {parts.Length} fields, the header has {header.Length}");
        if (!values.TryAdd((parts[0], int.Parse(parts[1], Invariant.Culture)), parts[2..].Select(v => double.Parse(v, Invariant.Culture)).ToArray()))
            throw new InvalidDataException($"--extra-columns {path}, line {i + 1}: song {parts[0]}, window {parts[1]} again");
    }
    return (header[2..], values);
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var map = new Dictionary<string, string>(StringComparer.Ordinal);
    if (args.Length % 2 != 0) throw new ArgumentException($"options come as --name value pairs; '{args[^1]}' has no value");
    for (int i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --name value, got '{args[i]}'");
        map[args[i][2..]] = args[i + 1];
    }
    return map;
}

static string FindRepoRoot()
{
    // From the program's folder, else from the working directory (when run from a copy of bin/).
    foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
    {
        var dir = new DirectoryInfo(start);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
        if (dir != null) return dir.FullName;
    }
    throw new DirectoryNotFoundException("repository root (MmcsTraining.sln) not found");
}

/// <summary>Per-class weights on a vote's song probabilities (argmax of p_c · w_c), chosen to maximise macro-F1 by a
/// coordinate search on a log grid (w_0 = 1; four sweeps; e^(±0.6) at most).</summary>
internal static class ClassBias
{
    private static readonly double[] Grid = Enumerable.Range(-12, 25).Select(x => Math.Exp(x / 20.0)).ToArray();

    public static (double AsIs, double Oracle, double[] OracleWeights, double CrossFitted) Evaluate(
        IReadOnlyList<VoteMember> members, IReadOnlyDictionary<string, string> artistOf, int repeats, int seed)
    {
        var first = members[0];
        int k = first.ClassNames.Count;
        // the vote's song probabilities per repetition: [rep][song index][class]
        var p = Enumerable.Range(0, repeats).Select(rep => first.Songs.Select(song =>
            Enumerable.Range(0, k).Select(c => members.Average(m => m.Probabilities[rep][song][c])).ToArray()).ToArray()).ToArray();
        var all = Enumerable.Range(0, first.Songs.Length).ToArray();
        var ones = Enumerable.Repeat(1.0, k).ToArray();
        var artists = first.Songs.Select(s => artistOf[s]).Distinct(StringComparer.Ordinal).OrderBy(a => a, StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(artists);
        var firstHalf = artists.Take(artists.Length / 2).ToHashSet(StringComparer.Ordinal);
        var a = all.Where(i => firstHalf.Contains(artistOf[first.Songs[i]])).ToArray();
        var b = all.Where(i => !firstHalf.Contains(artistOf[first.Songs[i]])).ToArray();
        var oracle = Fit(p, first.SongY, all, k);
        var (wa, wb) = (Fit(p, first.SongY, a, k), Fit(p, first.SongY, b, k));
        // each half scored with the weights of the other
        var truth = new List<int>();
        var predicted = new List<int>();
        foreach (var (songs, w) in new[] { (a, wb), (b, wa) })
            Predict(p, first.SongY, songs, w, truth, predicted);
        return (Score(p, first.SongY, all, ones, first.ClassNames), Score(p, first.SongY, all, oracle, first.ClassNames), oracle,
            ClassificationReport.Compute(truth, predicted, first.ClassNames).MacroF1);
    }

    private static double[] Fit(double[][][] p, int[] y, int[] songs, int k)
    {
        var names = Enumerable.Range(0, k).Select(c => c.ToString(Invariant.Culture)).ToArray();
        var w = Enumerable.Repeat(1.0, k).ToArray();
        double best = Score(p, y, songs, w, names);
        for (int sweep = 0; sweep < 4; sweep++)
        {
            for (int c = 1; c < k; c++)
            {
                foreach (double g in Grid)
                {
                    var trial = (double[])w.Clone();
                    trial[c] = g;
                    double score = Score(p, y, songs, trial, names);
                    if (score > best + 1e-12) (best, w) = (score, trial);
                }
            }
        }
        return w;
    }

    private static double Score(double[][][] p, int[] y, int[] songs, double[] w, IReadOnlyList<string> names)
    {
        var truth = new List<int>();
        var predicted = new List<int>();
        Predict(p, y, songs, w, truth, predicted);
        return ClassificationReport.Compute(truth, predicted, names).MacroF1;
    }

    private static void Predict(double[][][] p, int[] y, int[] songs, double[] w, List<int> truth, List<int> predicted)
    {
        foreach (var rep in p)
        {
            foreach (int i in songs)
            {
                truth.Add(y[i]);
                predicted.Add(ClassificationReport.ArgMax(rep[i].Select((v, c) => v * w[c]).ToArray()));
            }
        }
    }
}

// one trainer on one window length: its song probabilities per repetition
internal sealed record VoteMember(string Label, string[] Songs, int[] SongY, IReadOnlyList<string> ClassNames, Dictionary<string, double[]>[] Probabilities);

// --codebook: K codewords of standardised frames (k-means++ seeding, then Lloyd's iterations) learnt from the frames of
// some windows (a training fold's: the scaling is theirs too), and a window's histogram over them
internal sealed class FrameCodebook
{
    private const int MaxSample = 30000, Iterations = 25;
    private readonly double[] _mean, _scale;
    private readonly double[][] _centroids;

    public FrameCodebook(IEnumerable<float[][]> windows, int size, int seed)
    {
        var all = windows.SelectMany(w => w).ToList();
        if (all.Count < size) throw new ArgumentException($"--codebook {size}: only {all.Count} training frames");
        int d = all[0].Length;
        _mean = new double[d];
        _scale = new double[d];
        foreach (var f in all) for (int j = 0; j < d; j++) _mean[j] += f[j];
        for (int j = 0; j < d; j++) _mean[j] /= all.Count;
        foreach (var f in all) for (int j = 0; j < d; j++) _scale[j] += (f[j] - _mean[j]) * (f[j] - _mean[j]);
        for (int j = 0; j < d; j++) _scale[j] = 1 / Math.Max(Math.Sqrt(_scale[j] / all.Count), 1e-9);
        var random = new Random(seed);
        var sample = all.OrderBy(_ => random.Next()).Take(MaxSample).Select(Standardise).ToArray();
        // k-means++: each next seed drawn with probability proportional to its squared distance to the nearest seed
        var centroids = new List<double[]> { sample[random.Next(sample.Length)] };
        var nearest = sample.Select(x => Distance(x, centroids[0])).ToArray();
        while (centroids.Count < size)
        {
            double u = random.NextDouble() * nearest.Sum(), acc = 0;
            int pick = sample.Length - 1;
            for (int i = 0; i < sample.Length; i++) if ((acc += nearest[i]) >= u) { pick = i; break; }
            centroids.Add(sample[pick]);
            for (int i = 0; i < sample.Length; i++) nearest[i] = Math.Min(nearest[i], Distance(sample[i], sample[pick]));
        }
        _centroids = [.. centroids.Select(c => (double[])c.Clone())];
        var assignment = new int[sample.Length];
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            Parallel.For(0, sample.Length, i => assignment[i] = Nearest(sample[i]));
            var sums = new double[size][];
            var counts = new int[size];
            for (int k = 0; k < size; k++) sums[k] = new double[d];
            for (int i = 0; i < sample.Length; i++)
            {
                counts[assignment[i]]++;
                for (int j = 0; j < d; j++) sums[assignment[i]][j] += sample[i][j];
            }
            for (int k = 0; k < size; k++)
                // an empty cluster takes a random frame, so that every codeword stays in use
                _centroids[k] = counts[k] == 0 ? (double[])sample[random.Next(sample.Length)].Clone() : [.. sums[k].Select(v => v / counts[k])];
        }
    }

    public double[] Histogram(float[][] frames)
    {
        var histogram = new double[_centroids.Length];
        foreach (var f in frames) histogram[Nearest(Standardise(f))] += 1.0 / frames.Length;
        return histogram;
    }

    private double[] Standardise(float[] frame) => [.. frame.Select((v, j) => (v - _mean[j]) * _scale[j])];

    private int Nearest(double[] x)
    {
        int best = 0;
        double bestDistance = double.MaxValue;
        for (int k = 0; k < _centroids.Length; k++)
        {
            double distance = Distance(x, _centroids[k]);
            if (distance < bestDistance) { bestDistance = distance; best = k; }
        }
        return best;
    }

    private static double Distance(double[] a, double[] b)
    {
        double sum = 0;
        for (int j = 0; j < a.Length; j++) sum += (a[j] - b[j]) * (a[j] - b[j]);
        return sum;
    }
}
