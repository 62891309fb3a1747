using Mmcs.Core;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Models;

public class ProbabilityRunsTests
{
    [Fact]
    public void Runs_of_different_lengths_are_each_averaged_in_order()
    {
        double[][] rows = [[1, 0], [0, 1], [1, 0], [0.2, 0.8], [0.4, 0.6], [0.6, 0.4]];

        var means = ProbabilityRuns.Mean(rows, [1, 2, 3]);

        Assert.Equal(3, means.Length);
        Assert.Equal([1.0, 0.0], means[0]);
        Assert.Equal(0.5, means[1][0], 12);
        Assert.Equal(0.5, means[1][1], 12);
        Assert.Equal(0.4, means[2][0], 12);
        Assert.Equal(0.6, means[2][1], 12);
    }

    [Fact]
    public void Runs_that_do_not_cover_the_rows_exactly_or_are_empty_are_refused()
    {
        double[][] rows = [[1, 0], [0, 1], [1, 0]];

        Assert.Contains("do not cover 3 rows", Assert.Throws<MmcsException>(() => ProbabilityRuns.Mean(rows, [1, 1])).Message);
        Assert.Throws<MmcsException>(() => ProbabilityRuns.Mean(rows, [0, 3]));
        Assert.Contains("not whole runs of 2", Assert.Throws<MmcsException>(() => ProbabilityRuns.Mean(rows, 2)).Message);
    }
}
