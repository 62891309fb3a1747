using System.Reflection;
using System.Text.Json;
using Mmcs.Core;
using Mmcs.Featurize;

namespace Mmcs.Train.Models;

/// <summary>The 2D inputs the CNNs read.</summary>
public enum ImageKind
{
    Spectrogram,
    Mfcc,
    Mel,
}

/// <summary>
/// What a classifier consumes from <see cref="ClipFeatures"/>: a 1D vector of a feature set (optionally only some
/// named columns, in that order) and/or one 2D image at a size.
/// </summary>
public sealed record FeatureRequirements
{
    public FeatureSetKind? VectorSet { get; init; }

    /// <summary>The vector's columns the classifier reads, in order (null: all of the set).</summary>
    public IReadOnlyList<string>? VectorColumns { get; init; }

    public IReadOnlyDictionary<ImageKind, ImageSize?> Images { get; init; } = new Dictionary<ImageKind, ImageSize?>();

    /// <summary>The union of several requirements (an ensemble's); conflicting image sizes are an error.</summary>
    public static FeatureRequirements Union(IEnumerable<FeatureRequirements> all)
    {
        FeatureSetKind? set = null;
        var images = new Dictionary<ImageKind, ImageSize?>();
        foreach (var r in all)
        {
            if (r.VectorSet is { } s)
            {
                if (set is { } existing && existing != s)
                    set = FeatureSetKind.Full; // the full set is computed; each member picks its columns
                else set ??= s;
            }
            foreach (var (kind, size) in r.Images)
            {
                if (images.TryGetValue(kind, out var other) && other != size)
                    throw new MmcsException(ErrorCodes.InvalidParameterValue,
                        $"ensemble members need the {kind} image at two sizes ({other} and {size})");
                images[kind] = size;
            }
        }
        return new FeatureRequirements { VectorSet = set, Images = images };
    }

    /// <summary>The image options that produce every image this needs (null when it needs none).</summary>
    public ImageOptions? ToImageOptions() => Images.Count == 0
        ? null
        : new ImageOptions
        {
            Spectrogram = Images.GetValueOrDefault(ImageKind.Spectrogram),
            Mfcc = Images.GetValueOrDefault(ImageKind.Mfcc),
            Mel = Images.GetValueOrDefault(ImageKind.Mel),
        };
}

/// <summary>
/// A trained mood classifier: tabular (ML.NET, 1D CNN), 2D CNN, or an ensemble of those. Probabilities are in
/// <see cref="Labels"/> order and sum to 1. Implementations are safe to call from several threads at once.
/// </summary>
public interface IMoodClassifier : IDisposable
{
    /// <summary>The kind written to classifier.json; a <see cref="IMoodClassifierLoader"/> of that kind loads it.</summary>
    string Kind { get; }

    IReadOnlyList<string> Labels { get; }

    FeatureRequirements Requirements { get; }

    /// <summary>Class probabilities for each clip.</summary>
    double[][] PredictProbabilities(IReadOnlyList<ClipFeatures> clips);

    /// <summary>Writes everything needed to load it again into <paramref name="directory"/> (which exists and is
    /// empty), including classifier.json via <see cref="ClassifierStore.WriteHeader"/>.</summary>
    void Save(string directory);
}

/// <summary>Loads one kind of classifier from a folder written by its Save. Found by reflection in this assembly.</summary>
public interface IMoodClassifierLoader
{
    string Kind { get; }

    IMoodClassifier Load(string directory, ClassifierHeader header);
}

/// <summary>The common part of classifier.json.</summary>
public sealed record ClassifierHeader(string Kind, IReadOnlyList<string> Labels, FeatureRequirements Requirements,
    IReadOnlyDictionary<string, string>? Properties = null);

/// <summary>Saving and loading classifiers of any kind.</summary>
public static class ClassifierStore
{
    public const string HeaderFileName = "classifier.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private static readonly Lazy<Dictionary<string, IMoodClassifierLoader>> Loaders = new(() =>
        typeof(ClassifierStore).Assembly.GetTypes()
            .Where(t => typeof(IMoodClassifierLoader).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IMoodClassifierLoader)Activator.CreateInstance(t)!)
            .ToDictionary(l => l.Kind, StringComparer.Ordinal));

    /// <summary>The kinds that can be loaded.</summary>
    public static IReadOnlyCollection<string> Kinds => Loaders.Value.Keys;

    /// <summary>Saves a classifier into a new folder; the folder appears complete or not at all.</summary>
    public static void Save(IMoodClassifier classifier, string directory)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new MmcsException(ErrorCodes.ResourceAlreadyExists, $"'{directory}' already exists and is not empty");
        string parent = Path.GetDirectoryName(Path.GetFullPath(directory))!;
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, "." + Path.GetFileName(directory) + ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            classifier.Save(staging);
            if (!File.Exists(Path.Combine(staging, HeaderFileName)))
                throw new InvalidOperationException($"{classifier.GetType().Name}.Save wrote no {HeaderFileName}");
            if (Directory.Exists(directory)) Directory.Delete(directory);
            Directory.Move(staging, directory);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Loads a classifier saved by <see cref="Save"/>.</summary>
    public static IMoodClassifier Load(string directory)
    {
        var header = ReadHeader(directory);
        if (!Loaders.Value.TryGetValue(header.Kind, out var loader))
            throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"{Path.Combine(directory, HeaderFileName)}: unknown classifier kind '{header.Kind}' " +
                $"(known: {string.Join(", ", Kinds.Order())})");
        return loader.Load(directory, header);
    }

    public static void WriteHeader(string directory, ClassifierHeader header) =>
        File.WriteAllText(Path.Combine(directory, HeaderFileName), JsonSerializer.Serialize(header, JsonOptions));

    public static ClassifierHeader ReadHeader(string directory)
    {
        string path = Path.Combine(directory, HeaderFileName);
        if (!File.Exists(path))
            throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"'{directory}' holds no {HeaderFileName}: not a saved classifier");
        try
        {
            return JsonSerializer.Deserialize<ClassifierHeader>(File.ReadAllText(path), JsonOptions)
                   ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{path}: invalid classifier header: {e.Message}", e);
        }
    }

    /// <summary>Reads a small JSON document of a classifier's own (its hyperparameters, scaler, …).</summary>
    public static T ReadJson<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), JsonOptions) ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{path}: {e.Message}", e);
        }
    }

    public static void WriteJson<T>(string path, T value) => File.WriteAllText(path, JsonSerializer.Serialize(value, JsonOptions));
}
