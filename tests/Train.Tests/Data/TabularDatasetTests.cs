using Mmcs.Core;
using Mmcs.Train.Data;

namespace Mmcs.Train.Tests.Data;

public class TabularDatasetTests
{
    private static TabularDataset Windows() => TabularDataset.FromVectors(["x"],
        [[0.0], [1.0], [2.0], [3.0], [4.0]], ["a", "a", "b", "b", "b"], ["g1", "g1", "g2", "g2", "g2"]);

    [Fact]
    public void Rows_of_one_instance_are_scored_as_one_unit_by_the_mean_of_their_probabilities()
    {
        var data = Windows().WithInstances(["s1", "s1", "s2", "s2", "s2"]);
        double[][] p = [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.1, 0.9], [0.3, 0.7]];
        var (truth, predicted) = data.ScoreUnits([0, 1, 2, 3, 4], p);
        Assert.Equal([0, 1], truth); // a, b in first-appearance order
        Assert.Equal([0, 1], predicted); // s1: mean 0.55 / 0.45; s2: 0.37 / 0.63
        var (rowTruth, rowPredicted) = Windows().ScoreUnits([0, 1, 2, 3, 4], p);
        Assert.Equal([0, 0, 1, 1, 1], rowTruth);
        Assert.Equal([0, 1, 0, 1, 1], rowPredicted);
    }

    [Fact]
    public void Selected_rows_keep_their_instances()
    {
        var data = Windows().WithInstances(["s1", "s1", "s2", "s2", "s3"]).SelectRows([4, 0]);
        Assert.Equal(["s3", "s1"], data.Instances!);
        Assert.Equal(2, data.ScoreUnits([0, 1], [[0.5, 0.5], [0.5, 0.5]]).Truth.Length);
    }

    [Fact]
    public void An_instance_with_two_labels_or_a_wrong_count_is_refused()
    {
        var twoLabels = Assert.Throws<MmcsException>(() => Windows().WithInstances(["s1", "s1", "s1", "s2", "s2"]));
        Assert.Contains("instance 's1' has rows labelled a and b", twoLabels.Message);
        Assert.Equal(ErrorCodes.DataInvalid, Assert.Throws<MmcsException>(() => Windows().WithInstances(["s1"])).ErrorCode);
    }
}
