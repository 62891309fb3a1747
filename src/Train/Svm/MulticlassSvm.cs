using Mmcs.Core;

namespace Mmcs.Train.Svm;

/// <summary>
/// A multi-class RBF support vector machine with probabilities, as LIBSVM's C-SVC with -b 1 (the classifier
/// Panda et al. used on 4Q): one-versus-one binary machines, Platt sigmoids fitted on internally cross-validated
/// decision values, and pairwise coupling of the pairwise probabilities (Wu, Lin and Weng 2004). Inputs should be
/// standardised by the caller (the pipeline fits the scaler on training folds only).
/// </summary>
public sealed class MulticlassSvm
{
    /// <summary>One pairwise machine: class First (+1) against class Second (-1), with its Platt sigmoid.</summary>
    public sealed record PairModel(int First, int Second, double[][] SupportVectors, double[] Coefficients, double Bias,
        double PlattA, double PlattB);

    /// <summary>The serialisable state.</summary>
    public sealed record State(int Classes, int Features, double Gamma, PairModel[] Pairs);

    private readonly BinarySvm[] _machines;

    private MulticlassSvm(State state)
    {
        Model = state;
        _machines = state.Pairs.Select(p => new BinarySvm(p.SupportVectors, p.Coefficients, p.Bias, state.Gamma)).ToArray();
    }

    public State Model { get; }

    public static MulticlassSvm FromState(State state)
    {
        if (state.Classes < 2 || state.Pairs.Length != state.Classes * (state.Classes - 1) / 2)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "SVM state has an inconsistent number of pairwise machines");
        return new MulticlassSvm(state);
    }

    /// <summary>Fits on rows <paramref name="x"/> with class indices <paramref name="y"/> in [0, classes).</summary>
    public static MulticlassSvm Fit(double[][] x, int[] y, int classes, SvmOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (x.Length != y.Length) throw new ArgumentException($"{x.Length} rows but {y.Length} labels");
        if (classes < 2) throw new MmcsException(ErrorCodes.DataInvalid, "an SVM needs at least two classes");
        for (int c = 0; c < classes; c++)
        {
            if (!y.Contains(c)) throw new MmcsException(ErrorCodes.DataInvalid, $"class {c} has no training rows");
        }
        int n = x.Length, d = x[0].Length;
        double gamma = options.Gamma ?? ScaleGamma(x);
        var kernel = KernelMatrix(x, gamma, cancellationToken);
        var pairs = new List<(int A, int B)>();
        for (int a = 0; a < classes; a++)
        {
            for (int b = a + 1; b < classes; b++) pairs.Add((a, b));
        }
        var models = new PairModel[pairs.Count];
        Parallel.For(0, pairs.Count, new ParallelOptions { CancellationToken = cancellationToken }, p =>
        {
            var (a, b) = pairs[p];
            var rows = Enumerable.Range(0, n).Where(i => y[i] == a || y[i] == b).ToArray();
            var signs = new sbyte[n];
            foreach (int i in rows) signs[i] = y[i] == a ? (sbyte)1 : (sbyte)-1;
            var (plattA, plattB) = FitPlatt(x, signs, kernel, rows, options, gamma, seed: options.Seed + 31 * p);
            var full = BinarySvm.Train(x, Subset(signs, rows), kernel, rows, options, gamma);
            models[p] = new PairModel(a, b, full.SupportVectors, full.Coefficients, full.Bias, plattA, plattB);
        });
        return new MulticlassSvm(new State(classes, d, gamma, models));
    }

    /// <summary>Class probabilities of one row (they sum to 1).</summary>
    public double[] PredictProbabilities(ReadOnlySpan<double> x)
    {
        int k = Model.Classes;
        var r = new double[k, k];
        for (int p = 0; p < _machines.Length; p++)
        {
            var pair = Model.Pairs[p];
            double f = _machines[p].Decision(x);
            double prob = Sigmoid(f, pair.PlattA, pair.PlattB);
            prob = Math.Clamp(prob, 1e-7, 1 - 1e-7);
            r[pair.First, pair.Second] = prob;
            r[pair.Second, pair.First] = 1 - prob;
        }
        return Couple(r, k);
    }

    /// <summary>scikit-learn's gamma="scale": 1 / (features × variance of all inputs).</summary>
    public static double ScaleGamma(double[][] x)
    {
        double sum = 0, sq = 0;
        long count = 0;
        foreach (var row in x)
        {
            foreach (var v in row)
            {
                sum += v;
                sq += v * v;
                count++;
            }
        }
        double mean = sum / count;
        double variance = sq / count - mean * mean;
        return variance > 0 ? 1.0 / (x[0].Length * variance) : 1.0;
    }

    private static float[,] KernelMatrix(double[][] x, double gamma, CancellationToken cancellationToken)
    {
        int n = x.Length;
        var k = new float[n, n];
        Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            for (int j = 0; j <= i; j++)
            {
                float v = (float)BinarySvm.Rbf(x[i], x[j], gamma);
                k[i, j] = v;
                k[j, i] = v;
            }
        });
        return k;
    }

    private static sbyte[] Subset(sbyte[] signs, int[] rows) => rows.Select(i => signs[i]).ToArray();

    /// <summary>Platt scaling on decision values of held-out rows of an internal stratified cross-validation.</summary>
    private static (double A, double B) FitPlatt(double[][] x, sbyte[] signs, float[,] kernel, int[] rows, SvmOptions options,
        double gamma, int seed)
    {
        var rng = new Random(seed);
        var shuffled = rows.ToArray();
        rng.Shuffle(shuffled);
        // Deal positives and negatives round-robin so each fold keeps both classes.
        var folds = new int[shuffled.Length];
        int pos = 0, neg = 0;
        for (int t = 0; t < shuffled.Length; t++)
        {
            folds[t] = signs[shuffled[t]] > 0 ? pos++ % options.PlattFolds : neg++ % options.PlattFolds;
        }
        var decisions = new List<double>();
        var labels = new List<sbyte>();
        for (int f = 0; f < options.PlattFolds; f++)
        {
            var train = shuffled.Where((_, t) => folds[t] != f).ToArray();
            var test = shuffled.Where((_, t) => folds[t] == f).ToArray();
            if (test.Length == 0) continue;
            var trainSigns = Subset(signs, train);
            if (trainSigns.All(s => s > 0) || trainSigns.All(s => s < 0))
            {
                // Too few rows of a class to hold some out: fall back to a fixed, confident sigmoid.
                foreach (var i in test)
                {
                    decisions.Add(trainSigns[0]);
                    labels.Add(signs[i]);
                }
                continue;
            }
            var machine = BinarySvm.Train(x, trainSigns, kernel, train, options, gamma);
            foreach (var i in test)
            {
                decisions.Add(machine.Decision(x[i]));
                labels.Add(signs[i]);
            }
        }
        return PlattSigmoid(decisions, labels);
    }

    private static double Sigmoid(double f, double a, double b)
    {
        double fApB = f * a + b;
        return fApB >= 0 ? Math.Exp(-fApB) / (1 + Math.Exp(-fApB)) : 1 / (1 + Math.Exp(fApB));
    }

    /// <summary>Fits P(y=+1 | f) = 1 / (1 + exp(A f + B)) by Newton's method with backtracking (Lin, Lin and Weng 2007).</summary>
    internal static (double A, double B) PlattSigmoid(IReadOnlyList<double> decisions, IReadOnlyList<sbyte> labels)
    {
        int n = decisions.Count;
        double prior1 = labels.Count(l => l > 0), prior0 = n - prior1;
        double hi = (prior1 + 1) / (prior1 + 2), lo = 1 / (prior0 + 2);
        var t = labels.Select(l => l > 0 ? hi : lo).ToArray();
        double a = 0, b = Math.Log((prior0 + 1) / (prior1 + 1));
        double Objective(double aa, double bb)
        {
            double f = 0;
            for (int i = 0; i < n; i++)
            {
                double fApB = decisions[i] * aa + bb;
                f += fApB >= 0 ? t[i] * fApB + Math.Log(1 + Math.Exp(-fApB)) : (t[i] - 1) * fApB + Math.Log(1 + Math.Exp(fApB));
            }
            return f;
        }
        double fval = Objective(a, b);
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double h11 = 1e-12, h22 = 1e-12, h21 = 0, g1 = 0, g2 = 0;
            for (int i = 0; i < n; i++)
            {
                double fApB = decisions[i] * a + b;
                double p, q;
                if (fApB >= 0)
                {
                    p = Math.Exp(-fApB) / (1 + Math.Exp(-fApB));
                    q = 1 / (1 + Math.Exp(-fApB));
                }
                else
                {
                    p = 1 / (1 + Math.Exp(fApB));
                    q = Math.Exp(fApB) / (1 + Math.Exp(fApB));
                }
                double d2 = p * q;
                h11 += decisions[i] * decisions[i] * d2;
                h22 += d2;
                h21 += decisions[i] * d2;
                double d1 = t[i] - p;
                g1 += decisions[i] * d1;
                g2 += d1;
            }
            if (Math.Abs(g1) < 1e-5 && Math.Abs(g2) < 1e-5) break;
            double det = h11 * h22 - h21 * h21;
            double dA = -(h22 * g1 - h21 * g2) / det;
            double dB = -(-h21 * g1 + h11 * g2) / det;
            double gd = g1 * dA + g2 * dB;
            double step = 1;
            while (step >= 1e-10)
            {
                double newA = a + step * dA, newB = b + step * dB;
                double newF = Objective(newA, newB);
                if (newF < fval + 1e-4 * step * gd)
                {
                    a = newA;
                    b = newB;
                    fval = newF;
                    break;
                }
                step /= 2;
            }
            if (step < 1e-10) break;
        }
        return (a, b);
    }

    /// <summary>Pairwise coupling: class probabilities from r[i,j] = P(i | i or j) (Wu, Lin and Weng 2004, method 2).</summary>
    internal static double[] Couple(double[,] r, int k)
    {
        var q = new double[k, k];
        var p = new double[k];
        var qp = new double[k];
        for (int t = 0; t < k; t++)
        {
            p[t] = 1.0 / k;
            for (int j = 0; j < k; j++)
            {
                if (j == t) continue;
                q[t, t] += r[j, t] * r[j, t];
                q[t, j] = -r[j, t] * r[t, j];
            }
        }
        double eps = 0.005 / k;
        for (int iteration = 0; iteration < Math.Max(100, k); iteration++)
        {
            double pqp = 0;
            for (int t = 0; t < k; t++)
            {
                qp[t] = 0;
                for (int j = 0; j < k; j++) qp[t] += q[t, j] * p[j];
                pqp += p[t] * qp[t];
            }
            double maxError = 0;
            for (int t = 0; t < k; t++) maxError = Math.Max(maxError, Math.Abs(qp[t] - pqp));
            if (maxError < eps) break;
            for (int t = 0; t < k; t++)
            {
                double diff = (-qp[t] + pqp) / q[t, t];
                p[t] += diff;
                pqp = (pqp + diff * (diff * q[t, t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
                for (int j = 0; j < k; j++)
                {
                    qp[j] = (qp[j] + diff * q[t, j]) / (1 + diff);
                    p[j] /= 1 + diff;
                }
            }
        }
        double sum = p.Sum();
        for (int t = 0; t < k; t++) p[t] /= sum;
        return p;
    }
}
