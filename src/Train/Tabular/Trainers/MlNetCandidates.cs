using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Mmcs.Core;
using Mmcs.Train.Tabular.Search;

namespace Mmcs.Train.Tabular.Trainers;

/// <summary>
/// A candidate built on an ML.NET multiclass trainer. Rows enter ML.NET as a key-typed label (the class index; ML.NET adds the 1 of its 1-based keys) and a
/// fixed-size float vector; the model is saved as ML.NET's model.zip. Trainers run single-threaded with the given
/// seed so that results reproduce.
/// </summary>
public abstract class MlNetCandidate : TrainerCandidate
{
    internal const string ModelFile = "model.zip";

    /// <summary>The estimator for a configuration.</summary>
    protected abstract IEstimator<ITransformer> CreateEstimator(MLContext ml, Configuration c);

    public override IFittedModel Fit(TrainingSet data, Configuration configuration, CancellationToken cancellationToken)
    {
        CheckTrainingSet(data);
        cancellationToken.ThrowIfCancellationRequested();
        var ml = new MLContext(data.Seed);
        int width = data.X[0].Length;
        var view = MlRows.Labelled(ml, data.X, data.Y, data.Classes);
        var estimator = CreateEstimator(ml, configuration);
        if (!cancellationToken.CanBeCanceled) return new MlNetModel(Name, ml, estimator.Fit(view), width, data.Classes);
        // Some ML.NET trainers (FastTree's boosting loop) never look at the cancellation flag, so the fit runs on its
        // own thread and a cancelled caller stops waiting for it: the abandoned fit is flagged, finishes in the
        // background and its model is dropped.
        var fit = Task.Factory.StartNew(() => estimator.Fit(view), CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            fit.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            MlCancellation.Cancel(ml);
            fit.ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully) (t.Result as IDisposable)?.Dispose();
                else _ = t.Exception; // observed: an abandoned fit's failure is of no interest
            }, TaskScheduler.Default);
            throw;
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
            throw;
        }
        return new MlNetModel(Name, ml, fit.Result, width, data.Classes);
    }

    public override IFittedModel Load(string directory)
    {
        var ml = new MLContext(0);
        var info = ClassifierStoreJson.Read<MlNetModelInfo>(Path.Combine(directory, "mlnet.json"));
        using var stream = File.OpenRead(Path.Combine(directory, ModelFile));
        var model = ml.Model.Load(stream, out _);
        return new MlNetModel(Name, ml, model, info.Features, info.Classes);
    }

    protected static int Threads => 1;
}

internal sealed record MlNetModelInfo(int Features, int Classes);

/// <summary>
/// Stops a running ML.NET Fit: MLContext has an internal CancelExecution (what ML.NET AutoML calls when its time budget
/// runs out) that marks the environment cancelled; trainers check it between iterations and throw. Reached by
/// reflection because it is internal; when it cannot be found, a fit simply runs to its end.
/// </summary>
internal static class MlCancellation
{
    private static readonly System.Reflection.MethodInfo? CancelMethod = typeof(MLContext).GetMethod("CancelExecution",
        System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public,
        Type.EmptyTypes);

    public static bool Supported => CancelMethod != null;

    public static void Cancel(MLContext ml)
    {
        try
        {
            CancelMethod?.Invoke(ml, null);
        }
        catch (System.Reflection.TargetInvocationException)
        {
            // best effort
        }
    }
}

/// <summary>JSON helpers over the classifier store's conventions.</summary>
internal static class ClassifierStoreJson
{
    public static T Read<T>(string path) => Models.ClassifierStore.ReadJson<T>(path);

    public static void Write<T>(string path, T value) => Models.ClassifierStore.WriteJson(path, value);
}

/// <summary>Rows as ML.NET sees them.</summary>
internal static class MlRows
{
    private sealed class LabelledRow
    {
        public uint Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    public static IDataView Labelled(MLContext ml, float[][] x, int[] y, int classes)
    {
        var schema = SchemaDefinition.Create(typeof(LabelledRow));
        schema[nameof(LabelledRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        schema[nameof(LabelledRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, x[0].Length);
        var rows = x.Select((r, i) => new LabelledRow { Label = (uint)y[i], Features = r }).ToArray();
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    public static IDataView Features(MLContext ml, float[][] x, int width)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(x.Select(r => new FeatureRow { Features = r }).ToArray(), schema);
    }
}

/// <summary>A fitted ML.NET model; scores are turned into probabilities in class-index order.</summary>
internal sealed class MlNetModel(string trainer, MLContext ml, ITransformer model, int features, int classes) : IFittedModel
{
    private readonly object _gate = new();

    public string Trainer { get; } = trainer;

    public double[][] PredictProbabilities(float[][] x)
    {
        if (x.Length == 0) return [];
        if (x[0].Length != features)
            throw new MmcsException(ErrorCodes.DataInvalid, $"the model reads {features} features, got {x[0].Length}");
        lock (_gate)
        {
            var scored = model.Transform(MlRows.Features(ml, x, features));
            var column = scored.Schema["Score"];
            var result = new double[x.Length][];
            using var cursor = scored.GetRowCursor([column]);
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var buffer = default(VBuffer<float>);
            int i = 0;
            while (cursor.MoveNext())
            {
                getter(ref buffer); // the buffer is reused between rows: copy the values out at once
                var dense = buffer.DenseValues().ToArray();
                if (dense.Length != classes)
                    throw new MmcsException(ErrorCodes.InternalError, $"{Trainer} produced {dense.Length} scores for {classes} classes");
                result[i++] = TrainerCandidate.ToProbabilities(dense);
            }
            if (i != x.Length) throw new MmcsException(ErrorCodes.InternalError, $"{Trainer} scored {i} of {x.Length} rows");
            return result;
        }
    }

    public void Save(string directory)
    {
        var schema = MlRows.Features(ml, [new float[features]], features).Schema;
        lock (_gate)
        {
            using var stream = File.Create(Path.Combine(directory, MlNetCandidate.ModelFile));
            ml.Model.Save(model, schema, stream);
        }
        ClassifierStoreJson.Write(Path.Combine(directory, "mlnet.json"), new MlNetModelInfo(features, classes));
    }

    public void Dispose()
    {
        (model as IDisposable)?.Dispose();
    }
}

/// <summary>LightGBM multiclass (gradient-boosted trees).</summary>
public sealed class LightGbmCandidate : MlNetCandidate
{
    public override string Name => "lightgbm";
    public override bool IsTreeModel => true;

    protected override double BaseSeconds(Configuration c) => 0.05 + 0.0003 * c.GetInt("iterations");

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new IntParameter("iterations", 4, 1000, 10, Log: true),
        new IntParameter("leaves", 4, 256, 4, Log: true),
        new IntParameter("min_leaf", 2, 64, 5, Log: true),
        new FloatParameter("learning_rate", 0.005, 1, 0.3, Log: true),
        new FloatParameter("feature_fraction", 0.3, 1, 1),
        new FloatParameter("l2", 1e-3, 100, 1, Log: true),
    ];

    protected override IEstimator<ITransformer> CreateEstimator(MLContext ml, Configuration c) =>
        ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
        {
            NumberOfIterations = c.GetInt("iterations"),
            NumberOfLeaves = c.GetInt("leaves"),
            MinimumExampleCountPerLeaf = c.GetInt("min_leaf"),
            MinimumExampleCountPerGroup = 1,
            LearningRate = c.GetDouble("learning_rate"),
            Booster = new GradientBooster.Options
            {
                FeatureFraction = c.GetDouble("feature_fraction"),
                L2Regularization = c.GetDouble("l2"),
            },
            NumberOfThreads = Threads,
            Seed = 1,
            Silent = true,
        });
}

/// <summary>One-versus-all FastTree (boosted trees, binary per class).</summary>
public sealed class FastTreeOvaCandidate : MlNetCandidate
{
    public override string Name => "fasttree_ova";
    public override bool IsTreeModel => true;

    protected override double BaseSeconds(Configuration c) => 0.5 + 0.0055 * c.GetInt("trees") * Math.Sqrt(c.GetInt("leaves"));

    protected override double Scale(int rows, int features, int classes) => base.Scale(rows, features, classes) * classes / 4.0;

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new IntParameter("trees", 4, 500, 10, Log: true),
        new IntParameter("leaves", 4, 128, 4, Log: true),
        new IntParameter("min_leaf", 2, 64, 5, Log: true),
        new FloatParameter("learning_rate", 0.005, 1, 0.3, Log: true),
        new FloatParameter("feature_fraction", 0.3, 1, 1),
    ];

    protected override IEstimator<ITransformer> CreateEstimator(MLContext ml, Configuration c) =>
        ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            NumberOfTrees = c.GetInt("trees"),
            NumberOfLeaves = c.GetInt("leaves"),
            MinimumExampleCountPerLeaf = c.GetInt("min_leaf"),
            LearningRate = c.GetDouble("learning_rate"),
            FeatureFraction = c.GetDouble("feature_fraction"),
            NumberOfThreads = Threads,
            Seed = 1,
        }));
}

/// <summary>One-versus-all FastForest (random forest, binary per class).</summary>
public sealed class FastForestOvaCandidate : MlNetCandidate
{
    public override string Name => "fastforest_ova";
    public override bool IsTreeModel => true;

    protected override double BaseSeconds(Configuration c) => 0.2 + 0.0011 * c.GetInt("trees") * Math.Sqrt(c.GetInt("leaves"));

    protected override double Scale(int rows, int features, int classes) => base.Scale(rows, features, classes) * classes / 4.0;

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new IntParameter("trees", 4, 300, 10, Log: true),
        new IntParameter("leaves", 4, 128, 8, Log: true),
        new IntParameter("min_leaf", 1, 64, 2, Log: true),
        new FloatParameter("feature_fraction", 0.3, 1, 0.7),
    ];

    protected override IEstimator<ITransformer> CreateEstimator(MLContext ml, Configuration c) =>
        ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastForest(new FastForestBinaryTrainer.Options
        {
            NumberOfTrees = c.GetInt("trees"),
            NumberOfLeaves = c.GetInt("leaves"),
            MinimumExampleCountPerLeaf = c.GetInt("min_leaf"),
            FeatureFraction = c.GetDouble("feature_fraction"),
            NumberOfThreads = Threads,
            Seed = 1,
        }));
}

/// <summary>Multinomial logistic regression by SDCA.</summary>
public sealed class SdcaMaximumEntropyCandidate : MlNetCandidate
{
    public override string Name => "sdca_maxent";

    protected override double BaseSeconds(Configuration c) => 0.06;

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new FloatParameter("l1", 1e-6, 1, 1e-6, Log: true),
        new FloatParameter("l2", 1e-6, 10, 1e-2, Log: true),
        new IntParameter("iterations", 5, 200, 20, Log: true),
    ];

    protected override IEstimator<ITransformer> CreateEstimator(MLContext ml, Configuration c) =>
        ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
        {
            L1Regularization = (float)c.GetDouble("l1"),
            L2Regularization = (float)c.GetDouble("l2"),
            MaximumNumberOfIterations = c.GetInt("iterations"),
            NumberOfThreads = Threads,
        });
}

/// <summary>Multinomial logistic regression by L-BFGS.</summary>
public sealed class LbfgsMaximumEntropyCandidate : MlNetCandidate
{
    public override string Name => "lbfgs_maxent";

    protected override double BaseSeconds(Configuration c) => 0.065;

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new FloatParameter("l1", 1e-6, 10, 1e-6, Log: true),
        new FloatParameter("l2", 1e-6, 100, 1, Log: true),
        new IntParameter("history", 2, 50, 20, Log: true),
    ];

    protected override IEstimator<ITransformer> CreateEstimator(MLContext ml, Configuration c) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            L1Regularization = (float)c.GetDouble("l1"),
            L2Regularization = (float)c.GetDouble("l2"),
            HistorySize = c.GetInt("history"),
            NumberOfThreads = Threads,
        });
}

/// <summary>One-versus-all linear SVM (Pegasos), Platt-calibrated per class.</summary>
public sealed class LinearSvmOvaCandidate : MlNetCandidate
{
    public override string Name => "linear_svm_ova";

    protected override double BaseSeconds(Configuration c) => 0.015 + 0.002 * c.GetInt("iterations");

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new FloatParameter("lambda", 1e-6, 1, 1e-3, Log: true),
        new IntParameter("iterations", 1, 100, 5, Log: true),
    ];

    protected override IEstimator<ITransformer> CreateEstimator(MLContext ml, Configuration c) =>
        ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.LinearSvm(new LinearSvmTrainer.Options
        {
            Lambda = (float)c.GetDouble("lambda"),
            NumberOfIterations = c.GetInt("iterations"),
        }));
}

/// <summary>One-versus-all averaged perceptron, Platt-calibrated per class.</summary>
public sealed class AveragedPerceptronOvaCandidate : MlNetCandidate
{
    public override string Name => "averaged_perceptron_ova";

    protected override double BaseSeconds(Configuration c) => 0.015 + 0.002 * c.GetInt("iterations");

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new FloatParameter("learning_rate", 1e-3, 1, 1, Log: true),
        new FloatParameter("l2", 1e-7, 1, 1e-7, Log: true),
        new IntParameter("iterations", 1, 100, 5, Log: true),
    ];

    protected override IEstimator<ITransformer> CreateEstimator(MLContext ml, Configuration c) =>
        ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.AveragedPerceptron(new AveragedPerceptronTrainer.Options
        {
            LearningRate = (float)c.GetDouble("learning_rate"),
            L2Regularization = (float)c.GetDouble("l2"),
            NumberOfIterations = c.GetInt("iterations"),
        }));
}

/// <summary>One-versus-all logistic regression by SDCA.</summary>
public sealed class SdcaLogisticRegressionOvaCandidate : MlNetCandidate
{
    public override string Name => "sdca_logreg_ova";

    protected override double BaseSeconds(Configuration c) => 0.07;

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new FloatParameter("l1", 1e-6, 1, 1e-6, Log: true),
        new FloatParameter("l2", 1e-6, 10, 1e-2, Log: true),
        new IntParameter("iterations", 5, 200, 20, Log: true),
    ];

    protected override IEstimator<ITransformer> CreateEstimator(MLContext ml, Configuration c) =>
        ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.SdcaLogisticRegression(
            new SdcaLogisticRegressionBinaryTrainer.Options
            {
                L1Regularization = (float)c.GetDouble("l1"),
                L2Regularization = (float)c.GetDouble("l2"),
                MaximumNumberOfIterations = c.GetInt("iterations"),
                NumberOfThreads = Threads,
            }));
}
