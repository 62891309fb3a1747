using Mmcs.Featurize.Audio;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Predict;

namespace Mmcs.Web;

/// <summary>
/// Predicts a song with its windows split over several threads when cores are idle (one request on a 2-core server
/// uses both), and merges the parts into exactly what <see cref="MoodPredictor.Predict(string, CancellationToken)"/>
/// returns: the song's probabilities and each member's are the means over all windows (the parts' means weighted by
/// their window counts), the timeline is the parts' timelines in order.
/// </summary>
public static class WindowParallelism
{
    public static SongPrediction Predict(MoodPredictor predictor, string path, int degree, CancellationToken cancellationToken = default)
    {
        var (windows, songSeconds) = predictor.LoadWindows(path, cancellationToken);
        return Predict(predictor, path, windows, songSeconds, degree, cancellationToken);
    }

    public static SongPrediction Predict(MoodPredictor predictor, string name, IReadOnlyList<AudioWindow> windows, double songSeconds, int degree,
        CancellationToken cancellationToken = default)
    {
        int parts = Math.Clamp(degree, 1, Math.Max(1, windows.Count));
        if (parts == 1) return predictor.Predict(name, windows, songSeconds, cancellationToken);
        var chunks = new IReadOnlyList<AudioWindow>[parts];
        for (int p = 0, start = 0; p < parts; p++)
        {
            int count = windows.Count / parts + (p < windows.Count % parts ? 1 : 0);
            chunks[p] = windows.Skip(start).Take(count).ToArray();
            start += count;
        }
        var results = new SongPrediction[parts];
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts, CancellationToken = cancellationToken },
            p => results[p] = predictor.Predict(name, chunks[p], songSeconds, cancellationToken));
        return Merge(name, results, predictor.Model.Labels, songSeconds);
    }

    /// <summary>Merges predictions of consecutive window ranges of one song.</summary>
    public static SongPrediction Merge(string name, IReadOnlyList<SongPrediction> parts, IReadOnlyList<string> labels, double songSeconds)
    {
        int total = parts.Sum(p => p.Windows.Count);
        IReadOnlyDictionary<string, double> Mean(Func<SongPrediction, IReadOnlyDictionary<string, double>> pick)
        {
            var mean = new Dictionary<string, double>(labels.Count);
            foreach (var label in labels) mean[label] = parts.Sum(p => pick(p)[label] * p.Windows.Count) / total;
            return mean;
        }
        var probabilities = Mean(p => p.Probabilities);
        var members = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        foreach (var member in parts[0].Members.Keys) members[member] = Mean(p => p.Members[member]);
        var mean = labels.Select(l => probabilities[l]).ToArray();
        return new SongPrediction(name, labels[ClassificationReport.ArgMax(mean)], probabilities, parts.SelectMany(p => p.Windows).ToArray(), members,
            songSeconds, parts[0].Model);
    }
}
