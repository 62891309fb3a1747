using Mmcs.Core;
using Mmcs.Train.Evaluation;

namespace Mmcs.Train.Ensemble;

/// <summary>How an ensemble weighs its members.</summary>
public enum EnsembleWeighting
{
    /// <summary>Every member counts the same.</summary>
    Equal,

    /// <summary>Weights proportional to each member's macro-F1 on the fitting predictions.</summary>
    MacroF1,

    /// <summary>The weights (on the simplex) that minimise the log loss of the averaged probabilities on the fitting
    /// predictions; never worse there than the best single member or equal weights.</summary>
    LogLoss,
}

/// <summary>
/// Fits an ensemble's member weights from predictions the members did not train on: a validation split or
/// out-of-fold predictions. Fitting on training predictions would favour whichever member overfits most.
/// </summary>
public static class EnsembleWeights
{
    private const double Floor = 1e-12;

    /// <summary>Weights (summing to 1) for members whose probabilities for the same clips are
    /// <paramref name="memberProbabilities"/>[member][clip][class], given the clips' true classes.</summary>
    public static double[] Fit(IReadOnlyList<double[][]> memberProbabilities, IReadOnlyList<int> truth, EnsembleWeighting weighting,
        IReadOnlyList<string>? labels = null)
    {
        int members = memberProbabilities.Count;
        if (members == 0) throw new MmcsException(ErrorCodes.InvalidParameterValue, "an ensemble needs at least one member");
        foreach (var rows in memberProbabilities)
        {
            if (rows.Length != truth.Count)
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{rows.Length} predictions for {truth.Count} true labels");
        }
        if (weighting == EnsembleWeighting.Equal || members == 1) return Enumerable.Repeat(1.0 / members, members).ToArray();
        if (truth.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, "cannot fit ensemble weights on no predictions");
        int classes = memberProbabilities[0][0].Length;
        labels ??= Enumerable.Range(0, classes).Select(c => c.ToString(Invariant.Culture)).ToArray();

        if (weighting == EnsembleWeighting.MacroF1)
        {
            var scores = memberProbabilities
                .Select(rows => ClassificationReport.Compute(truth, ClassificationReport.ArgMax(rows), labels).MacroF1)
                .ToArray();
            double total = scores.Sum();
            return total <= 0 ? Enumerable.Repeat(1.0 / members, members).ToArray() : scores.Select(s => s / total).ToArray();
        }

        // p[m][i]: member m's probability of clip i's true class.
        var p = new double[members][];
        for (int m = 0; m < members; m++)
        {
            p[m] = new double[truth.Count];
            for (int i = 0; i < truth.Count; i++) p[m][i] = memberProbabilities[m][i][truth[i]];
        }
        var candidates = new List<double[]> { Enumerable.Repeat(1.0 / members, members).ToArray() };
        for (int m = 0; m < members; m++)
        {
            var vertex = new double[members];
            vertex[m] = 1;
            candidates.Add(vertex);
        }
        candidates.Add(ExponentiatedGradient(p, truth.Count));
        return candidates.OrderBy(w => LogLoss(p, w, truth.Count)).First();
    }

    /// <summary>Mean negative log-likelihood of the true classes under the weighted average of the members.</summary>
    public static double LogLoss(IReadOnlyList<double[][]> memberProbabilities, IReadOnlyList<int> truth, IReadOnlyList<double> weights)
    {
        var p = memberProbabilities.Select(m => truth.Select((t, i) => m[i][t]).ToArray()).ToArray();
        return LogLoss(p, weights, truth.Count);
    }

    private static double LogLoss(double[][] p, IReadOnlyList<double> w, int n)
    {
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            double mix = 0;
            for (int m = 0; m < p.Length; m++) mix += w[m] * p[m][i];
            loss -= Math.Log(Math.Max(mix, Floor));
        }
        return loss / n;
    }

    /// <summary>Minimises the (convex) mixture log loss over the simplex by exponentiated gradient descent.</summary>
    private static double[] ExponentiatedGradient(double[][] p, int n)
    {
        int members = p.Length;
        var w = Enumerable.Repeat(1.0 / members, members).ToArray();
        var gradient = new double[members];
        const double step = 0.5;
        for (int iteration = 0; iteration < 2000; iteration++)
        {
            Array.Clear(gradient);
            for (int i = 0; i < n; i++)
            {
                double mix = 0;
                for (int m = 0; m < members; m++) mix += w[m] * p[m][i];
                mix = Math.Max(mix, Floor);
                for (int m = 0; m < members; m++) gradient[m] -= p[m][i] / mix / n;
            }
            double max = 0;
            for (int m = 0; m < members; m++) max = Math.Max(max, -step * gradient[m]);
            double sum = 0;
            for (int m = 0; m < members; m++)
            {
                w[m] *= Math.Exp(-step * gradient[m] - max); // shifted by the largest exponent: no overflow
                sum += w[m];
            }
            for (int m = 0; m < members; m++) w[m] /= sum;
        }
        return w;
    }
}
