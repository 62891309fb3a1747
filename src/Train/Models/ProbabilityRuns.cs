using Mmcs.Core;

namespace Mmcs.Train.Models;

/// <summary>Probabilities of items predicted in consecutive runs (a song's windows, a window and its test-time copies).</summary>
public static class ProbabilityRuns
{
    /// <summary>The mean of each run of <paramref name="run"/> consecutive rows.</summary>
    /// <exception cref="MmcsException">The rows are not whole runs.</exception>
    public static double[][] Mean(IReadOnlyList<double[]> rows, int run)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (run < 1 || rows.Count % run != 0)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{rows.Count} rows are not whole runs of {run}");
        return Mean(rows, Enumerable.Repeat(run, rows.Count / run).ToArray());
    }

    /// <summary>The mean of each run of consecutive rows, run k being <paramref name="runs"/>[k] rows long.</summary>
    /// <exception cref="MmcsException">The runs do not cover the rows exactly, or one is empty.</exception>
    public static double[][] Mean(IReadOnlyList<double[]> rows, IReadOnlyList<int> runs)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Any(r => r < 1) || runs.Sum() != rows.Count)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"runs of [{string.Join(", ", runs)}] rows do not cover {rows.Count} rows");
        var result = new double[runs.Count][];
        int next = 0;
        for (int i = 0; i < result.Length; i++)
        {
            var mean = new double[rows[next].Length];
            for (int v = 0; v < runs[i]; v++, next++)
                for (int c = 0; c < mean.Length; c++) mean[c] += rows[next][c] / runs[i];
            result[i] = mean;
        }
        return result;
    }
}
