using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Augment;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;

namespace Mmcs.Train.Predict;

/// <summary>One window of a song and what the model said of it.</summary>
public sealed record WindowPrediction(double Start, string Mood, IReadOnlyDictionary<string, double> Probabilities);

/// <summary>
/// The mood of one song: the probabilities averaged over its windows, each ensemble member's own averaged
/// probabilities, and the per-window timeline.
/// </summary>
public sealed record SongPrediction(
    string Path,
    string Mood,
    IReadOnlyDictionary<string, double> Probabilities,
    IReadOnlyList<WindowPrediction> Windows,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Members,
    double SongSeconds,
    string? Model);

public sealed record PredictOptions
{
    /// <summary>Seconds between window starts for songs longer than the excerpt (null: the model's, else half the excerpt).</summary>
    public double? HopSeconds { get; init; }

    /// <summary>Shortest clip analysed; shorter ones are an error.</summary>
    public double MinimumSeconds { get; init; } = 1.0;

    /// <summary>Windows featurised and classified together (bounds memory for long songs).</summary>
    public int WindowBatch { get; init; } = 8;

    public AudioLoaderOptions Loader { get; init; } = new();

    /// <summary>Apply the model's test-time augmentation, if it has one (false: original windows only, about
    /// 1 + copies times faster, and not what the model's evaluation measured).</summary>
    public bool TestTimeAugmentation { get; init; } = true;
}

/// <summary>
/// Predicts the mood of audio files with a packaged model. The audio is cut the way the model's training clips were
/// (its featuriser options): a clip up to the excerpt length is analysed whole; a longer song is analysed in
/// excerpt-length windows across it and the probabilities are averaged. Safe to share between threads.
/// </summary>
public sealed class MoodPredictor
{
    private readonly MoodModel _model;
    private readonly PredictOptions _options;
    private readonly ClipFeaturizer _featurizer;
    private readonly AudioLoader _loader;
    private readonly AudioLoader _wholeLoader;
    private readonly FeatureSetKind _set;
    private readonly ImageOptions? _images;
    private readonly AugmentationPlan? _tta;

    public MoodPredictor(MoodModel model, PredictOptions? options = null)
    {
        _model = model;
        _options = options ?? new PredictOptions();
        if (_options.HopSeconds is { } hop && !(hop > 0 && double.IsFinite(hop)))
            throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"the hop between windows must be a positive number of seconds, got {hop.ToString(Invariant.Culture)}");
        var featurizer = model.Manifest.Featurizer;
        _featurizer = new ClipFeaturizer(featurizer);
        _loader = new AudioLoader(featurizer, _options.Loader);
        _wholeLoader = new AudioLoader(featurizer with { PadShortClips = true }, _options.Loader);
        var requirements = model.Classifier.Requirements;
        _set = requirements.VectorSet ?? model.Manifest.FeatureSet ?? FeatureSetKind.Seed;
        _images = requirements.ToImageOptions();
        _tta = _options.TestTimeAugmentation ? model.Manifest.TestTimeAugmentation : null;
    }

    public MoodModel Model => _model;

    public SongPrediction Predict(string path, CancellationToken cancellationToken = default)
    {
        var (windows, songSeconds) = LoadWindows(path, cancellationToken);
        return Predict(path, windows, songSeconds, cancellationToken);
    }

    /// <summary>
    /// Decodes a file and cuts it the way <see cref="Predict(string, CancellationToken)"/> analyses it: excerpt-length
    /// windows across a long song, or the whole clip when it is shorter than the excerpt. (For callers that analyse the
    /// windows themselves, e.g. several at once with <see cref="Predict(string, IReadOnlyList{AudioWindow}, double, CancellationToken)"/>.)
    /// </summary>
    public (IReadOnlyList<AudioWindow> Windows, double SongSeconds) LoadWindows(string path, CancellationToken cancellationToken = default)
    {
        double hop = _options.HopSeconds ?? _model.Manifest.WindowHopSeconds ?? _model.Manifest.Featurizer.ExcerptSeconds / 2;
        // a model trained on texture windows was trained on copies of whole excerpts cut into windows: its test-time copies
        // are made of the song (a minute at a time, seeded by a fixed key, not the file's name) and cut like it; a model
        // trained on whole excerpts copies each window
        var song = _loader.LoadWindows(path, new WindowOptions
        {
            HopSeconds = hop,
            Copies = _model.Manifest.WindowHopSeconds != null ? _tta : null,
        }, cancellationToken);
        IReadOnlyList<AudioWindow> windows = song.Windows;
        if (song.SkipReason != null)
        {
            // shorter than the training excerpt: analyse the whole clip once
            var whole = _wholeLoader.Load(path, cancellationToken);
            if (whole.DurationSeconds < _options.MinimumSeconds)
                throw new AudioInvalidException(path, $"is {whole.DurationSeconds:0.###} s long; at least {_options.MinimumSeconds:0.###} s are needed");
            windows = [new AudioWindow(0, 0, whole)];
        }
        return (windows, song.SongSeconds);
    }

    /// <summary>Predicts from windows already decoded (e.g. a signal in memory).</summary>
    public SongPrediction Predict(string name, IReadOnlyList<AudioWindow> windows, double songSeconds, CancellationToken cancellationToken = default)
    {
        if (windows.Count == 0) throw new AudioInvalidException(name, "has no audio to analyse");
        var labels = _model.Labels;
        var ensemble = _model.Classifier as EnsembleClassifier;
        var windowProbabilities = new List<double[]>();
        var memberSums = ensemble?.Members.Select(_ => new double[labels.Count]).ToArray();
        // each window, then (with test-time augmentation) its copies: `views` rows per window
        int views = 1 + (_tta?.Copies.Count ?? 0);
        for (int start = 0; start < windows.Count; start += _options.WindowBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batchWindows = windows.Skip(start).Take(_options.WindowBatch).ToList();
            var batch = batchWindows.SelectMany(w => Views(w)).Select(signal => _featurizer.Extract(signal, _set, _images)).ToArray();
            foreach (var w in batchWindows) w.Copies?.Done(); // a segment's copies go once its windows are featurised
            if (ensemble != null)
            {
                var perMember = ensemble.PredictMembers(batch).Select(p => MeanOfViews(p, views)).ToArray();
                for (int m = 0; m < perMember.Length; m++)
                    foreach (var row in perMember[m])
                        for (int c = 0; c < labels.Count; c++) memberSums![m][c] += row[c];
                windowProbabilities.AddRange(ensemble.Combine(perMember));
            }
            else
            {
                windowProbabilities.AddRange(MeanOfViews(_model.Classifier.PredictProbabilities(batch), views));
            }
        }
        var members = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        double[] mean;
        if (ensemble != null)
        {
            for (int m = 0; m < ensemble.Members.Count; m++)
                members[ensemble.Names[m]] = ToMap(labels, memberSums![m].Select(v => v / windows.Count).ToArray());
            // the song is its members' means combined (as the pipeline scores songs): for a vote the same as the mean of
            // the windows' answers, not with pair specialists, whose split is not linear
            mean = CombineMembers(members)!;
        }
        else
        {
            mean = new double[labels.Count];
            foreach (var p in windowProbabilities)
                for (int c = 0; c < mean.Length; c++) mean[c] += p[c] / windowProbabilities.Count;
        }
        var timeline = windows.Select((w, i) => new WindowPrediction(w.StartSeconds,
            labels[ClassificationReport.ArgMax(windowProbabilities[i])], ToMap(labels, windowProbabilities[i]))).ToArray();
        return new SongPrediction(name, labels[ClassificationReport.ArgMax(mean)], ToMap(labels, mean), timeline, members,
            songSeconds, _model.Source);
    }

    /// <summary>A song's probabilities (in <see cref="MoodModel.Labels"/> order) from its ensemble members' mean
    /// probabilities (by member name, as in <see cref="SongPrediction.Members"/>); null when the model is no ensemble.</summary>
    public double[]? CombineMembers(IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> members)
    {
        if (_model.Classifier is not EnsembleClassifier ensemble) return null;
        var labels = _model.Labels;
        var rows = ensemble.Names.Select(name => members.TryGetValue(name, out var p)
            ? new[] { labels.Select(l => p[l]).ToArray() }
            : throw new ArgumentException($"no probabilities for member '{name}'", nameof(members))).ToArray();
        return ensemble.Combine(rows)[0];
    }

    /// <summary>A window's signal, then its test-time copies: its span of the song's copies when it carries them
    /// (<see cref="LoadWindows"/> for a model trained on texture windows), else copies of the window alone, seeded by its
    /// start.</summary>
    private IEnumerable<AudioSignal> Views(AudioWindow window)
    {
        yield return window.Signal;
        if (_tta == null) yield break;
        if (window.Copies is { } carried)
        {
            if (carried.Count != _tta.Copies.Count)
                throw new ArgumentException($"window at {window.StartSeconds:0.###} s carries {carried.Count} copies; the model's plan makes {_tta.Copies.Count}");
            for (int k = 0; k < carried.Count; k++) yield return carried[k];
            yield break;
        }
        string key = "window@" + window.StartSeconds.ToString("R", Invariant.Culture);
        for (int k = 0; k < _tta.Copies.Count; k++) yield return _tta.Apply(window.Signal, key, k);
    }

    /// <summary>The mean of each run of <paramref name="views"/> consecutive rows (a window and its copies).</summary>
    private static double[][] MeanOfViews(double[][] rows, int views) => views == 1 ? rows : ProbabilityRuns.Mean(rows, views);

    private static IReadOnlyDictionary<string, double> ToMap(IReadOnlyList<string> labels, double[] p)
    {
        var map = new Dictionary<string, double>(labels.Count);
        for (int c = 0; c < labels.Count; c++) map[labels[c]] = p[c];
        return map;
    }
}
