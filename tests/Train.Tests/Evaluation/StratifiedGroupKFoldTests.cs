using Mmcs.Core;
using Mmcs.Train.Evaluation;

namespace Mmcs.Train.Tests.Evaluation;

public class StratifiedGroupKFoldTests
{
    private static (int[] Labels, string[] Groups) Data(int seed)
    {
        // 40 artists with 1..6 songs each, each song with 3 augmented copies sharing the artist group.
        var rng = new Random(seed);
        var labels = new List<int>();
        var groups = new List<string>();
        for (int artist = 0; artist < 40; artist++)
        {
            int songs = rng.Next(1, 7);
            int mood = artist % 4;
            for (int s = 0; s < songs; s++)
            {
                for (int copy = 0; copy < 3; copy++)
                {
                    labels.Add(rng.NextDouble() < 0.8 ? mood : rng.Next(4));
                    groups.Add($"artist{artist}");
                }
            }
        }
        return (labels.ToArray(), groups.ToArray());
    }

    [Fact]
    public void No_group_ever_straddles_two_folds()
    {
        var (labels, groups) = Data(1);
        var folds = new StratifiedGroupKFold(5, seed: 3).AssignFolds(labels, groups);
        foreach (var g in groups.Distinct())
        {
            var foldsOfGroup = Enumerable.Range(0, labels.Length).Where(i => groups[i] == g).Select(i => folds[i]).Distinct();
            Assert.Single(foldsOfGroup);
        }
    }

    [Fact]
    public void Every_row_is_tested_exactly_once_and_never_trained_on_in_its_own_fold()
    {
        var (labels, groups) = Data(2);
        var splits = new StratifiedGroupKFold(4, seed: 1).Split(labels, groups);
        var tested = splits.SelectMany(s => s.Test).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, labels.Length), tested);
        foreach (var (train, test) in splits)
        {
            Assert.Empty(train.Intersect(test));
            Assert.Empty(train.Select(i => groups[i]).Intersect(test.Select(i => groups[i])));
        }
    }

    [Fact]
    public void Folds_keep_class_proportions_close_to_the_whole()
    {
        // Ungrouped: every row its own group, so stratification can be nearly exact.
        var labels = Enumerable.Range(0, 400).Select(i => i % 10 < 4 ? 0 : i % 10 < 7 ? 1 : i % 10 < 9 ? 2 : 3).ToArray();
        var folds = new StratifiedGroupKFold(5, seed: 0).AssignFolds(labels, null);
        for (int f = 0; f < 5; f++)
        {
            var inFold = labels.Where((_, i) => folds[i] == f).ToArray();
            Assert.InRange(inFold.Length, 78, 82);
            Assert.InRange(inFold.Count(l => l == 0) / (double)inFold.Length, 0.37, 0.43);
            Assert.InRange(inFold.Count(l => l == 3) / (double)inFold.Length, 0.08, 0.12);
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_folds_and_another_seed_other_folds()
    {
        var (labels, groups) = Data(3);
        var a = new StratifiedGroupKFold(5, 7).AssignFolds(labels, groups);
        var b = new StratifiedGroupKFold(5, 7).AssignFolds(labels, groups);
        var c = new StratifiedGroupKFold(5, 8).AssignFolds(labels, groups);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Too_few_groups_of_a_class_for_the_folds_is_a_clear_error()
    {
        int[] labels = [0, 0, 0, 1, 1, 1];
        string[] groups = ["a", "b", "c", "d", "d", "e"];
        var e = Assert.Throws<MmcsException>(() => new StratifiedGroupKFold(3, 0).AssignFolds(labels, groups));
        Assert.Equal(ErrorCodes.DataInvalid, e.ErrorCode);
        Assert.Contains("class 1 has only 2 groups", e.Message);
    }

    [Fact]
    public void A_grouped_hold_out_keeps_groups_whole_and_holds_out_about_the_fraction()
    {
        var (labels, groups) = Data(4);
        var (train, validation) = GroupedHoldOut.Split(labels, groups, 0.2, seed: 5);
        Assert.Equal(labels.Length, train.Length + validation.Length);
        Assert.Empty(train.Select(i => groups[i]).Intersect(validation.Select(i => groups[i])));
        Assert.InRange(validation.Length / (double)labels.Length, 0.12, 0.28);
    }
}
