using Mmcs.Core;

namespace Mmcs.Train.Evaluation;

/// <summary>
/// Stratified K-fold cross-validation that keeps groups whole: every row of a group (an artist's songs, a song's
/// augmented copies) lands in the same fold, so nothing of a test song or artist is ever trained on. Groups are
/// assigned greedily, largest first (ties broken by a seeded shuffle), each to the fold whose class distribution
/// it disturbs least, like scikit-learn's StratifiedGroupKFold.
/// </summary>
public sealed class StratifiedGroupKFold
{
    public StratifiedGroupKFold(int folds, int seed)
    {
        if (folds < 2)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"cross-validation needs at least 2 folds, got {folds}");
        Folds = folds;
        Seed = seed;
    }

    public int Folds { get; }
    public int Seed { get; }

    /// <summary>The fold (0..K-1) of every row.</summary>
    /// <param name="labels">Class index of every row.</param>
    /// <param name="groups">Group of every row; null puts every row in a group of its own.</param>
    public int[] AssignFolds(IReadOnlyList<int> labels, IReadOnlyList<string>? groups)
    {
        int n = labels.Count;
        if (groups != null && groups.Count != n)
            throw new ArgumentException($"{groups.Count} groups for {n} rows", nameof(groups));
        int classes = labels.Count == 0 ? 0 : labels.Max() + 1;
        var groupRows = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            string g = groups?[i] ?? "\u0001row:" + i.ToString(Invariant.Culture);
            if (!groupRows.TryGetValue(g, out var rows)) groupRows[g] = rows = new List<int>();
            rows.Add(i);
        }
        CheckEnoughGroups(labels, groupRows, classes);

        var rng = new Random(Seed);
        var order = groupRows.Keys.Order(StringComparer.Ordinal).ToArray();
        rng.Shuffle(order);
        // Largest groups, and those whose class mix is least even, go first (scikit-learn sorts by the std of
        // the group's class counts); the stable sort keeps the seeded shuffle among equals.
        var counts = order.ToDictionary(g => g, g => ClassCounts(groupRows[g], labels, classes));
        order = order.OrderByDescending(g => StdDev(counts[g])).ThenByDescending(g => groupRows[g].Count).ToArray();

        var foldCounts = new double[Folds][];
        for (int f = 0; f < Folds; f++) foldCounts[f] = new double[classes];
        var foldSizes = new int[Folds];
        var classTotals = ClassCounts(Enumerable.Range(0, n).ToList(), labels, classes);
        var assignment = new int[n];
        foreach (var g in order)
        {
            int best = -1;
            double bestScore = double.MaxValue;
            for (int f = 0; f < Folds; f++)
            {
                // The mean over classes of the std over folds of each fold's share of the class, if g joined f.
                double score = 0;
                for (int c = 0; c < classes; c++)
                {
                    if (classTotals[c] == 0) continue;
                    double mean = 0, sq = 0;
                    for (int h = 0; h < Folds; h++)
                    {
                        double share = (foldCounts[h][c] + (h == f ? counts[g][c] : 0)) / classTotals[c];
                        mean += share;
                        sq += share * share;
                    }
                    mean /= Folds;
                    score += Math.Sqrt(Math.Max(0, sq / Folds - mean * mean));
                }
                if (best < 0 || score < bestScore - 1e-12 || (Math.Abs(score - bestScore) <= 1e-12 && foldSizes[f] < foldSizes[best]))
                {
                    best = f;
                    bestScore = score;
                }
            }
            foreach (int row in groupRows[g]) assignment[row] = best;
            for (int c = 0; c < classes; c++) foldCounts[best][c] += counts[g][c];
            foldSizes[best] += groupRows[g].Count;
        }
        return assignment;
    }

    /// <summary>The (train rows, test rows) of every fold.</summary>
    public IReadOnlyList<(int[] Train, int[] Test)> Split(IReadOnlyList<int> labels, IReadOnlyList<string>? groups)
    {
        var folds = AssignFolds(labels, groups);
        var result = new List<(int[], int[])>();
        for (int f = 0; f < Folds; f++)
        {
            result.Add((Enumerable.Range(0, folds.Length).Where(i => folds[i] != f).ToArray(),
                Enumerable.Range(0, folds.Length).Where(i => folds[i] == f).ToArray()));
        }
        return result;
    }

    private void CheckEnoughGroups(IReadOnlyList<int> labels, Dictionary<string, List<int>> groupRows, int classes)
    {
        var groupsPerClass = new int[classes];
        foreach (var rows in groupRows.Values)
        {
            foreach (var c in rows.Select(r => labels[r]).Distinct()) groupsPerClass[c]++;
        }
        for (int c = 0; c < classes; c++)
        {
            if (groupsPerClass[c] > 0 && groupsPerClass[c] < Folds)
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"class {c} has only {groupsPerClass[c]} {(groupRows.Count == labels.Count ? "rows" : "groups")}, " +
                    $"fewer than the {Folds} folds asked for; use fewer folds or more data");
        }
        if (groupRows.Count < Folds)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{groupRows.Count} groups cannot fill {Folds} folds");
    }

    private static double[] ClassCounts(List<int> rows, IReadOnlyList<int> labels, int classes)
    {
        var counts = new double[classes];
        foreach (int r in rows) counts[labels[r]]++;
        return counts;
    }

    private static double StdDev(double[] v)
    {
        if (v.Length == 0) return 0;
        double mean = v.Average();
        return Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average());
    }
}

/// <summary>A single grouped, stratified train/validation split (for early stopping and hold-outs).</summary>
public static class GroupedHoldOut
{
    /// <summary>Splits rows so that about <paramref name="validationFraction"/> of them (whole groups) are held out.</summary>
    public static (int[] Train, int[] Validation) Split(IReadOnlyList<int> labels, IReadOnlyList<string>? groups,
        double validationFraction, int seed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"validation fraction must be in (0, 1), got {validationFraction}");
        int folds = Math.Max(2, (int)Math.Round(1 / validationFraction));
        var assignment = new StratifiedGroupKFold(folds, seed).AssignFolds(labels, groups);
        return (Enumerable.Range(0, labels.Count).Where(i => assignment[i] != 0).ToArray(),
            Enumerable.Range(0, labels.Count).Where(i => assignment[i] == 0).ToArray());
    }
}
