using System.Text.Json;
using System.Text.Json.Serialization;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Augment;
using Mmcs.Train.Models;

namespace Mmcs.Train.Predict;

/// <summary>
/// What a model package says about itself (<c>mmcs-model.json</c>): the featuriser configuration the model was
/// trained with, its labels, the 1D feature set, and the evaluation it earned. Together with the classifier folder
/// it makes a registered version self-sufficient for prediction.
/// </summary>
public sealed record MoodModelManifest
{
    /// <summary>2: a model with <see cref="TestTimeAugmentation"/> (which a reader of format 1 would ignore); 1 otherwise.</summary>
    public const int CurrentFormat = 2;

    public int FormatVersion { get; init; } = CurrentFormat;

    /// <summary>The classifier kind at the top (ensemble, tabular, cnn2d).</summary>
    public required string Kind { get; init; }

    public required IReadOnlyList<string> Labels { get; init; }

    public required FeaturizerOptions Featurizer { get; init; }

    /// <summary>The 1D feature set the tabular members read (null when none does).</summary>
    public FeatureSetKind? FeatureSet { get; init; }

    /// <summary>Seconds between window starts when a song is longer than the excerpt (default: half the excerpt).</summary>
    public double? WindowHopSeconds { get; init; }

    /// <summary>
    /// Test-time augmentation (null: none): every analysed window is also featurised as each of these copies
    /// (noise, gain, pitch…, seeded by the window's position) and the window's probabilities are the mean over the
    /// original and its copies, as the model's evaluation scored its test songs.
    /// </summary>
    public AugmentationPlan? TestTimeAugmentation { get; init; }

    /// <summary>Member names of an ensemble (empty for a single model).</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>Held-out metrics (e.g. test_accuracy, test_macro_f1).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Free-form facts (pipeline name, dataset digest, training time…).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>
/// A packaged mood model: a folder holding <c>mmcs-model.json</c> and <c>classifier/</c> (plus the MLflow
/// <c>MLmodel</c> file written by the registry). <see cref="Save"/> writes one; <see cref="Load"/> reads one back.
/// </summary>
public sealed class MoodModel : IDisposable
{
    public const string ManifestFileName = "mmcs-model.json";
    public const string ClassifierFolder = "classifier";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public MoodModel(IMoodClassifier classifier, MoodModelManifest manifest, string? source = null)
    {
        Classifier = classifier;
        Manifest = manifest;
        Source = source;
    }

    public IMoodClassifier Classifier { get; }
    public MoodModelManifest Manifest { get; }

    /// <summary>Where it was loaded from (a model URI or folder), for reports.</summary>
    public string? Source { get; set; }

    public IReadOnlyList<string> Labels => Classifier.Labels;

    /// <summary>Writes the package into <paramref name="directory"/> (created; must be empty or absent).</summary>
    public static void Save(IMoodClassifier classifier, MoodModelManifest manifest, string directory)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"model folder '{directory}' is not empty");
        Directory.CreateDirectory(directory);
        string classifierDir = Path.Combine(directory, ClassifierFolder);
        Directory.CreateDirectory(classifierDir);
        ClassifierStore.Save(classifier, classifierDir);
        string tmp = Path.Combine(directory, ManifestFileName + ".tmp");
        // format 1 unless the model needs a reader that knows test-time augmentation (older readers refuse format 2)
        int format = manifest.TestTimeAugmentation != null ? 2 : 1;
        File.WriteAllText(tmp, JsonSerializer.Serialize(manifest with { Kind = classifier.Kind, Labels = classifier.Labels.ToArray(), FormatVersion = format }, Json));
        File.Move(tmp, Path.Combine(directory, ManifestFileName), overwrite: true);
    }

    /// <summary>Reads a package; errors name the folder and what is missing.</summary>
    public static MoodModel Load(string directory, string? source = null)
    {
        if (!Directory.Exists(directory))
            throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"model folder '{directory}' does not exist");
        string manifestPath = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(manifestPath))
            throw new MmcsException(ErrorCodes.DataInvalid, $"'{directory}' is not an MMCS model package: {ManifestFileName} is missing" +
                (File.Exists(Path.Combine(directory, "MLmodel"))
                    ? " (it is an MLflow model: `mmcs automl` models classify rows of a feature table, not songs; predict and evaluate take the models pipelines register)"
                    : ""));
        MoodModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<MoodModelManifest>(File.ReadAllText(manifestPath), Json)
                       ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NullReferenceException or InvalidOperationException)
        {
            // (an invalid test-time augmentation plan fails in its records' constructors, not in the JSON reader)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{manifestPath}: not a valid model manifest ({e.Message})", e);
        }
        if (manifest.FormatVersion > MoodModelManifest.CurrentFormat)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{manifestPath}: format {manifest.FormatVersion} is newer than this MMCS reads ({MoodModelManifest.CurrentFormat}); upgrade MMCS");
        var classifier = ClassifierStore.Load(Path.Combine(directory, ClassifierFolder));
        return new MoodModel(classifier, manifest, source ?? directory);
    }

    public static string ManifestJson(MoodModelManifest manifest) => JsonSerializer.Serialize(manifest, Json);

    public void Dispose() => Classifier.Dispose();
}
