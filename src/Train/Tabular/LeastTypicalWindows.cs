using Mmcs.Core;
using Mmcs.Train.Data;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Tabular.Trainers;

namespace Mmcs.Train.Tabular;

/// <summary>
/// The least typical windows of a training set. A texture window inherits its song's label, yet an intro, a break or a
/// bridge may not sound like the song's mood: such windows lie near the boundaries between the classes. The songs are
/// split into two halves (stratified by label and grouped as the rows are, e.g. whole artists); an RBF SVM with its
/// default configuration, fitted on one half's windows, scores the other half's, and back. Per label, the share of
/// windows with the lowest cross-fitted probability of their own label are the least typical. Counting them twice in
/// training lifted the vote of bench/Windows on two sets of folds, while leaving them out cost every member
/// (bench/README, "The least typical windows").
/// </summary>
public static class LeastTypicalWindows
{
    /// <summary>The rows of <paramref name="data"/> that are the least typical of their label.</summary>
    /// <param name="data">Window rows, labelled; its groups (when set) keep a group's songs in one half.</param>
    /// <param name="songs">Each row's song: a song's windows are always in the same half.</param>
    /// <param name="share">The share of each label's rows returned, above 0 and below 1 (rounded to whole rows).</param>
    /// <param name="seed">Seeds the halves and the SVM.</param>
    /// <returns>Row indices, ascending.</returns>
    /// <exception cref="MmcsException">INVALID_PARAMETER_VALUE for a share out of range or songs that do not match the
    /// rows; DATA_INVALID when the songs cannot fill two stratified halves.</exception>
    public static int[] Find(TabularDataset data, IReadOnlyList<string> songs, double share, int seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(songs);
        if (!(share > 0 && share < 1))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"the share of least typical windows must be above 0 and below 1, got {share}");
        if (songs.Count != data.RowCount)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{songs.Count} songs given for {data.RowCount} rows");
        // one entry per song: its label and group (a song's rows must agree on both)
        var songIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var songLabel = new List<int>();
        var songGroup = new List<string>();
        var rowSong = new int[data.RowCount];
        for (int r = 0; r < data.RowCount; r++)
        {
            string group = data.Groups?[r] ?? "song:" + songs[r];
            if (!songIndex.TryGetValue(songs[r], out int s))
            {
                songIndex[songs[r]] = s = songLabel.Count;
                songLabel.Add(data.Labels[r]);
                songGroup.Add(group);
            }
            else if (songLabel[s] != data.Labels[r] || songGroup[s] != group)
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"the windows of song '{songs[r]}' have different labels or groups");
            rowSong[r] = s;
        }
        // two folds over the songs, mapped to their rows: every row is scored once, by the half it is not in
        var folds = new StratifiedGroupKFold(2, seed).Split(songLabel, songGroup).Select(fold =>
        {
            var scored = fold.Test.ToHashSet();
            return (Train: Enumerable.Range(0, data.RowCount).Where(r => !scored.Contains(rowSong[r])).ToArray(),
                Test: Enumerable.Range(0, data.RowCount).Where(r => scored.Contains(rowSong[r])).ToArray());
        }).ToList();
        var trainer = TrainerCatalog.Get("rbf_svm");
        using var cv = CrossValidation.Run(data, folds, trainer, trainer.Space.DefaultConfiguration(), seed, cancellationToken: cancellationToken);
        var probability = Enumerable.Range(0, data.RowCount).Select(r => cv.OutOfFoldProbabilities[r][data.Labels[r]]).ToArray();
        return [.. Enumerable.Range(0, data.RowCount).GroupBy(r => data.Labels[r])
            .SelectMany(g => g.OrderBy(r => probability[r]).ThenBy(r => r).Take((int)Math.Round(share * g.Count())))
            .Order()];
    }
}
