using Mmcs.Core;
using Mmcs.Train.Tabular.Search;

namespace Mmcs.Train.Tabular.Trainers;

/// <summary>A trained model over preprocessed rows: class probabilities in class-index order, each row summing to 1.</summary>
public interface IFittedModel : IDisposable
{
    /// <summary>The trainer that made it (its <see cref="TrainerCandidate.Name"/>).</summary>
    string Trainer { get; }

    double[][] PredictProbabilities(float[][] x);

    /// <summary>Writes the model's own files into an existing folder.</summary>
    void Save(string directory);
}

/// <summary>Training data for a candidate: preprocessed rows, class indices in [0, Classes), a seed.</summary>
public sealed record TrainingSet(float[][] X, int[] Y, int Classes, int Seed);

/// <summary>
/// One trainer of the pipeline search: its search space (trainer hyperparameters plus the preprocessing choices
/// that make sense for it) and how to fit and load it.
/// </summary>
public abstract class TrainerCandidate
{
    /// <summary>Common parameter names of the preprocessing part of every space.</summary>
    public const string NormalizerParameter = "normalizer";
    public const string SelectorParameter = "selector";
    public const string SelectFractionParameter = "select_fraction";

    /// <summary>The stable name used in spaces, logs and saved models (e.g. "lightgbm").</summary>
    public abstract string Name { get; }

    /// <summary>True for tree ensembles (which ignore monotone rescaling: their spaces have no normaliser).</summary>
    public virtual bool IsTreeModel => false;

    /// <summary>The trainer's own hyperparameters (defaults are cheap to train).</summary>
    protected abstract IReadOnlyList<Parameter> TrainerParameters { get; }

    /// <summary>The normaliser a space starts from.</summary>
    protected virtual string DefaultNormalizer => Normalizers.Standard;

    public SearchSpace Space => _space ??= BuildSpace();

    private SearchSpace? _space;

    private SearchSpace BuildSpace()
    {
        var parameters = new List<Parameter>(TrainerParameters);
        if (!IsTreeModel) parameters.Add(new ChoiceParameter(NormalizerParameter, Normalizers.All, DefaultNormalizer));
        parameters.Add(new ChoiceParameter(SelectorParameter, Selectors.All, Selectors.None));
        parameters.Add(new FloatParameter(SelectFractionParameter, 0.1, 1, 1));
        return new SearchSpace(Name, parameters);
    }

    /// <summary>The preprocessing a configuration of this space asks for, leaving out the input columns whose names
    /// start with one of <paramref name="dropColumns"/>.</summary>
    public PreprocessOptions Preprocessing(Configuration c, IReadOnlyList<string>? dropColumns = null) => new(
        c.Has(NormalizerParameter) ? c.GetString(NormalizerParameter) : Normalizers.None,
        c.GetString(SelectorParameter),
        c.GetDouble(SelectFractionParameter)) { DropColumns = dropColumns ?? [] };

    /// <summary>
    /// A deterministic estimate of the seconds one fit takes (fitted to timings on a 2-core machine at 360 rows × 57
    /// features × 4 classes, scaled linearly in rows and features). The tuner weighs trainers by it (FLAML's
    /// cost-frugality) without the run-to-run noise of wall-clock times, so a seeded search reproduces.
    /// </summary>
    public double EstimateSeconds(Configuration configuration, int rows, int features, int classes) =>
        Math.Max(1e-3, BaseSeconds(configuration) * Scale(rows, features, classes));

    /// <summary>The estimated seconds of one fit at 360 rows × 57 features × 4 classes.</summary>
    protected virtual double BaseSeconds(Configuration c) => 0.1;

    /// <summary>How the cost grows with the data (default: linearly in rows and features).</summary>
    protected virtual double Scale(int rows, int features, int classes) => rows / 360.0 * Math.Max(1, features) / 57.0;

    /// <summary>Fits a model; honours cancellation (throws <see cref="OperationCanceledException"/>).</summary>
    public abstract IFittedModel Fit(TrainingSet data, Configuration configuration, CancellationToken cancellationToken);

    /// <summary>Loads a model written by <see cref="IFittedModel.Save"/>.</summary>
    public abstract IFittedModel Load(string directory);

    internal static void CheckTrainingSet(TrainingSet data)
    {
        if (data.X.Length != data.Y.Length) throw new ArgumentException($"{data.X.Length} rows but {data.Y.Length} labels");
        if (data.X.Length == 0) throw new MmcsException(ErrorCodes.DataInvalid, "no training rows");
        for (int c = 0; c < data.Classes; c++)
        {
            if (!data.Y.Contains(c))
                throw new MmcsException(ErrorCodes.DataInvalid, $"class {c} has no rows in this training fold");
        }
    }

    /// <summary>Turns scores into probabilities: divided by their sum when non-negative, else a softmax.</summary>
    internal static double[] ToProbabilities(ReadOnlySpan<float> scores)
    {
        var p = new double[scores.Length];
        bool nonNegative = true;
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = float.IsFinite(scores[i]) ? scores[i] : 0;
            if (p[i] < 0) nonNegative = false;
            sum += p[i];
        }
        if (nonNegative && sum > 0)
        {
            for (int i = 0; i < p.Length; i++) p[i] /= sum;
            return p;
        }
        double max = p.Max();
        sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = Math.Exp(p[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }
}

/// <summary>Every trainer the search can use, cheapest first (the order a cost-frugal search first tries them in).</summary>
public static class TrainerCatalog
{
    public static IReadOnlyList<TrainerCandidate> All { get; } =
    [
        new LightGbmCandidate(),
        new SdcaMaximumEntropyCandidate(),
        new LbfgsMaximumEntropyCandidate(),
        new FastTreeOvaCandidate(),
        new FastForestOvaCandidate(),
        new LinearSvmOvaCandidate(),
        new AveragedPerceptronOvaCandidate(),
        new SdcaLogisticRegressionOvaCandidate(),
        new RbfSvmCandidate(),
        new Mlp.MlpCandidate(),
        new Conv1d.Conv1dCandidate(),
    ];

    public static IReadOnlyList<string> Names => All.Select(c => c.Name).ToArray();

    public static TrainerCandidate Get(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new MmcsException(ErrorCodes.InvalidParameterValue, $"unknown trainer '{name}' (known: {string.Join(", ", Names)})");
}
