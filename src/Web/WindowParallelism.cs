using Mmcs.Featurize.Audio;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Predict;

namespace Mmcs.Web;

/// <summary>
/// Predicts a song with its windows split over several threads when cores are idle (one request on a 2-core server
/// uses both), and merges the parts into exactly what <see cref="MoodPredictor.Predict(string, CancellationToken)"/>
/// returns: each member's probabilities are the means over all windows (the parts' means weighted by their window
/// counts), the song's are the members' combined (else the mean over all windows), the timeline is the parts' in order.
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
        return Merge(name, results, predictor, songSeconds);
    }

    /// <summary>Merges predictions of consecutive window ranges of one song (by <paramref name="predictor"/>'s model).</summary>
    public static SongPrediction Merge(string name, IReadOnlyList<SongPrediction> parts, MoodPredictor predictor, double songSeconds)
    {
        var labels = predictor.Model.Labels;
        int total = parts.Sum(p => p.Windows.Count);
        IReadOnlyDictionary<string, double> Mean(Func<SongPrediction, IReadOnlyDictionary<string, double>> pick)
        {
            var mean = new Dictionary<string, double>(labels.Count);
            foreach (var label in labels) mean[label] = parts.Sum(p => pick(p)[label] * p.Windows.Count) / total;
            return mean;
        }
        var members = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        foreach (var member in parts[0].Members.Keys) members[member] = Mean(p => p.Members[member]);
        // an ensemble's song is its members' means combined, as MoodPredictor does for the whole song
        var mean = predictor.CombineMembers(members);
        if (mean == null)
        {
            var windowMean = Mean(p => p.Probabilities);
            mean = labels.Select(l => windowMean[l]).ToArray();
        }
        var probabilities = labels.Select((l, c) => (l, c)).ToDictionary(x => x.l, x => mean[x.c]);
        return new SongPrediction(name, labels[ClassificationReport.ArgMax(mean)], probabilities, parts.SelectMany(p => p.Windows).ToArray(), members,
            songSeconds, parts[0].Model);
    }
}
