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
        var result = new double[rows.Count / run][];
        for (int i = 0; i < result.Length; i++)
        {
            var mean = new double[rows[i * run].Length];
            for (int v = 0; v < run; v++)
                for (int c = 0; c < mean.Length; c++) mean[c] += rows[i * run + v][c] / run;
            result[i] = mean;
        }
        return result;
    }
}
