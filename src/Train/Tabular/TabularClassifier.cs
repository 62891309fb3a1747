using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Data;
using Mmcs.Train.Models;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Trainers;

namespace Mmcs.Train.Tabular;

/// <summary>
/// A tabular mood classifier (kind "tabular"): a fitted pipeline (imputer, one-hot, scaler, feature selection and an
/// ML.NET model or the 1D CNN) with its label order. Saved as classifier.json + preprocess.json + pipeline.json and
/// the model's own files under model/.
/// </summary>
public sealed class TabularClassifier : IMoodClassifier
{
    public const string KindName = "tabular";
    internal const string PreprocessFile = "preprocess.json";
    internal const string PipelineFile = "pipeline.json";
    internal const string ModelFolder = "model";

    private readonly FittedPipeline _pipeline;

    public TabularClassifier(FittedPipeline pipeline, IReadOnlyList<string> labels, FeatureSetKind? vectorSet = null)
    {
        _pipeline = pipeline;
        Labels = labels.ToArray();
        VectorSet = vectorSet;
    }

    public string Kind => KindName;

    public IReadOnlyList<string> Labels { get; }

    /// <summary>The feature set the input columns come from, when they come from the featuriser.</summary>
    public FeatureSetKind? VectorSet { get; }

    public string Trainer => _pipeline.Trainer.Name;

    public Configuration Configuration => _pipeline.Configuration;

    /// <summary>The input columns the pipeline reads, by name, in its order.</summary>
    public IReadOnlyList<string> InputColumns => _pipeline.Preprocessor.InputColumns;

    public FittedPipeline Pipeline => _pipeline;

    public FeatureRequirements Requirements => new()
    {
        VectorSet = VectorSet,
        VectorColumns = InputColumns,
    };

    /// <summary>Probabilities for rows of a table with the training columns (matched by name; others ignored).</summary>
    public double[][] PredictProbabilities(TabularFrame frame) => _pipeline.PredictProbabilities(frame);

    public double[][] PredictProbabilities(IReadOnlyList<ClipFeatures> clips)
    {
        if (clips.Count == 0) return [];
        if (_pipeline.Preprocessor.InputKinds.Any(k => k != ColumnKind.Numeric))
            throw new MmcsException(ErrorCodes.InvalidState, "this tabular model has categorical inputs; predict from a table instead of clip features");
        var rows = new double[clips.Count][];
        for (int i = 0; i < clips.Count; i++)
        {
            var v = clips[i].Vector;
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int k = 0; k < v.Names.Count; k++) index.TryAdd(v.Names[k], k);
            rows[i] = InputColumns.Select(name => index.TryGetValue(name, out int k)
                ? v.Values[k]
                : throw new MmcsException(ErrorCodes.DataInvalid, $"clip {i}: no feature '{name}', which the model was trained on")).ToArray();
        }
        return PredictProbabilities(TabularFrame.FromRows(InputColumns, rows));
    }

    public void Save(string directory)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal) { ["trainer"] = Trainer };
        foreach (var (k, v) in Configuration.ToStrings()) properties["param." + k] = v;
        ClassifierStore.WriteHeader(directory, new ClassifierHeader(Kind, Labels, Requirements, properties));
        ClassifierStore.WriteJson(Path.Combine(directory, PreprocessFile), _pipeline.Preprocessor);
        ClassifierStore.WriteJson(Path.Combine(directory, PipelineFile),
            new SavedPipeline(Trainer, Configuration.Space, Configuration.ToStrings(), VectorSet));
        string modelDir = Path.Combine(directory, ModelFolder);
        Directory.CreateDirectory(modelDir);
        _pipeline.Model.Save(modelDir);
    }

    public void Dispose() => _pipeline.Dispose();
}

internal sealed record SavedPipeline(string Trainer, string Space, IReadOnlyDictionary<string, string> Parameters, FeatureSetKind? VectorSet);

/// <summary>Loads <see cref="TabularClassifier"/>s (found by <see cref="ClassifierStore"/> by reflection).</summary>
public sealed class TabularClassifierLoader : IMoodClassifierLoader
{
    public string Kind => TabularClassifier.KindName;

    public IMoodClassifier Load(string directory, ClassifierHeader header)
    {
        var saved = ClassifierStore.ReadJson<SavedPipeline>(Path.Combine(directory, TabularClassifier.PipelineFile));
        var preprocessor = ClassifierStore.ReadJson<FittedPreprocessor>(Path.Combine(directory, TabularClassifier.PreprocessFile));
        var trainer = TrainerCatalog.Get(saved.Trainer);
        // Parameters are kept as text: values parse back as numbers where the space says so.
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var p in trainer.Space.Parameters)
        {
            if (!saved.Parameters.TryGetValue(p.Name, out var text)) continue;
            values[p.Name] = p switch
            {
                FloatParameter => Invariant.ParseDouble(text),
                IntParameter => int.Parse(text, Invariant.Culture),
                _ => text,
            };
        }
        var model = trainer.Load(Path.Combine(directory, TabularClassifier.ModelFolder));
        var pipeline = new FittedPipeline(trainer, new Configuration(saved.Space, values), preprocessor, model);
        return new TabularClassifier(pipeline, header.Labels, saved.VectorSet);
    }
}
