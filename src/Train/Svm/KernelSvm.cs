using Mmcs.Core;

namespace Mmcs.Train.Svm;

/// <summary>Options of a kernel support vector machine (RBF kernel, like LIBSVM's C-SVC).</summary>
public sealed record SvmOptions
{
    /// <summary>Penalty of margin violations.</summary>
    public double C { get; init; } = 1.0;

    /// <summary>RBF width: k(x, z) = exp(-gamma |x - z|^2). Null means 1 / (features × variance), scikit-learn's "scale"
    /// (with standardised inputs: 1 / features).</summary>
    public double? Gamma { get; init; }

    /// <summary>Stopping tolerance of SMO (LIBSVM's eps).</summary>
    public double Tolerance { get; init; } = 1e-3;

    /// <summary>Upper bound on SMO iterations per binary problem.</summary>
    public int MaxIterations { get; init; } = 1_000_000;

    /// <summary>Folds of the internal cross-validation that fits the Platt sigmoids (probabilities).</summary>
    public int PlattFolds { get; init; } = 3;

    public int Seed { get; init; } = 1;

    public void Validate()
    {
        if (!(C > 0) || !double.IsFinite(C)) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"SVM C must be > 0, got {C}");
        if (Gamma is { } g && (!(g > 0) || !double.IsFinite(g)))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"SVM gamma must be > 0, got {g}");
        if (!(Tolerance > 0)) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"SVM tolerance must be > 0, got {Tolerance}");
        if (PlattFolds < 2) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"Platt folds must be >= 2, got {PlattFolds}");
    }
}

/// <summary>
/// A binary RBF support vector machine trained by SMO with LIBSVM's second-order working-set selection (Fan, Chen and
/// Lin 2005). Labels are +1 / -1. The decision value is sum_i alpha_i y_i k(x_i, x) + b.
/// </summary>
public sealed class BinarySvm
{
    internal BinarySvm(double[][] supportVectors, double[] coefficients, double bias, double gamma)
    {
        SupportVectors = supportVectors;
        Coefficients = coefficients;
        Bias = bias;
        Gamma = gamma;
    }

    /// <summary>The support vectors (rows of the training data with alpha &gt; 0).</summary>
    public double[][] SupportVectors { get; }

    /// <summary>alpha_i × y_i of each support vector.</summary>
    public double[] Coefficients { get; }

    public double Bias { get; }
    public double Gamma { get; }

    public double Decision(ReadOnlySpan<double> x)
    {
        double sum = Bias;
        for (int i = 0; i < SupportVectors.Length; i++) sum += Coefficients[i] * Rbf(SupportVectors[i], x, Gamma);
        return sum;
    }

    internal static double Rbf(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double gamma)
    {
        double d = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double t = a[k] - b[k];
            d += t * t;
        }
        return Math.Exp(-gamma * d);
    }

    /// <summary>Trains on rows <paramref name="x"/> with labels +1/-1, using a precomputed kernel matrix over them.</summary>
    internal static BinarySvm Train(double[][] x, sbyte[] y, float[,] kernel, int[] rows, SvmOptions options, double gamma)
    {
        int n = rows.Length;
        var alpha = new double[n];
        var gradient = new double[n]; // G_i = (Q alpha)_i - 1, Q_ij = y_i y_j K_ij
        for (int i = 0; i < n; i++) gradient[i] = -1;
        double c = options.C;
        const double tau = 1e-12;
        int iterations = 0;
        while (iterations++ < options.MaxIterations)
        {
            // Select i: argmax over I_up of -y_i G_i.
            int i = -1;
            double gMax = double.NegativeInfinity;
            for (int t = 0; t < n; t++)
            {
                bool up = (y[t] == 1 && alpha[t] < c) || (y[t] == -1 && alpha[t] > 0);
                if (!up) continue;
                double v = -y[t] * gradient[t];
                if (v > gMax)
                {
                    gMax = v;
                    i = t;
                }
            }
            if (i < 0) break;
            // Select j among I_low by the second-order gain.
            int j = -1;
            double gMin = double.PositiveInfinity, bestObjective = double.PositiveInfinity;
            double kii = kernel[rows[i], rows[i]];
            for (int t = 0; t < n; t++)
            {
                bool low = (y[t] == 1 && alpha[t] > 0) || (y[t] == -1 && alpha[t] < c);
                if (!low) continue;
                double v = -y[t] * gradient[t];
                if (v < gMin) gMin = v;
                double b = gMax - v;
                if (b > 0)
                {
                    double a = kii + kernel[rows[t], rows[t]] - 2 * kernel[rows[i], rows[t]];
                    if (a <= 0) a = tau;
                    double objective = -(b * b) / a;
                    if (objective < bestObjective)
                    {
                        bestObjective = objective;
                        j = t;
                    }
                }
            }
            if (j < 0 || gMax - gMin < options.Tolerance) break;

            // Update alpha_i, alpha_j analytically (LIBSVM's two-variable sub-problem).
            double kij = kernel[rows[i], rows[j]], kjj = kernel[rows[j], rows[j]];
            double oldAi = alpha[i], oldAj = alpha[j];
            if (y[i] != y[j])
            {
                double quad = kii + kjj - 2 * kij; // Q_ii + Q_jj + 2 Q_ij with Q_ij = -K_ij
                if (quad <= 0) quad = tau;
                double delta = (-gradient[i] - gradient[j]) / quad;
                double diff = alpha[i] - alpha[j];
                alpha[i] += delta;
                alpha[j] += delta;
                if (diff > 0)
                {
                    if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = diff; }
                }
                else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = -diff; }
                if (diff > 0)
                {
                    if (alpha[i] > c) { alpha[i] = c; alpha[j] = c - diff; }
                }
                else if (alpha[j] > c) { alpha[j] = c; alpha[i] = c + diff; }
            }
            else
            {
                double quad = kii + kjj - 2 * kij;
                if (quad <= 0) quad = tau;
                double delta = (gradient[i] - gradient[j]) / quad;
                double sum = alpha[i] + alpha[j];
                alpha[i] -= delta;
                alpha[j] += delta;
                if (sum > c)
                {
                    if (alpha[i] > c) { alpha[i] = c; alpha[j] = sum - c; }
                }
                else if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = sum; }
                if (sum > c)
                {
                    if (alpha[j] > c) { alpha[j] = c; alpha[i] = sum - c; }
                }
                else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = sum; }
            }
            double dAi = alpha[i] - oldAi, dAj = alpha[j] - oldAj;
            for (int t = 0; t < n; t++)
            {
                gradient[t] += y[t] * (y[i] * dAi * kernel[rows[t], rows[i]] + y[j] * dAj * kernel[rows[t], rows[j]]);
            }
        }

        // Bias: mean of y_i G_i over free vectors, else the midpoint of the feasible interval (LIBSVM).
        double free = 0, sumFree = 0, ub = double.PositiveInfinity, lb = double.NegativeInfinity;
        for (int t = 0; t < n; t++)
        {
            double yg = y[t] * gradient[t];
            if (alpha[t] > 0 && alpha[t] < c)
            {
                free++;
                sumFree += yg;
            }
            else if ((alpha[t] >= c && y[t] == -1) || (alpha[t] <= 0 && y[t] == 1)) ub = Math.Min(ub, yg);
            else lb = Math.Max(lb, yg);
        }
        double rho = free > 0 ? sumFree / free : (double.IsFinite(ub) && double.IsFinite(lb) ? (ub + lb) / 2 : 0);
        var sv = new List<double[]>();
        var coef = new List<double>();
        for (int t = 0; t < n; t++)
        {
            if (alpha[t] > 0)
            {
                sv.Add(x[rows[t]]);
                coef.Add(alpha[t] * y[t]);
            }
        }
        return new BinarySvm(sv.ToArray(), coef.ToArray(), -rho, gamma);
    }
}
