using Mmcs.Registry;
using Mmcs.Train.Predict;

namespace Mmcs.Web;

/// <summary>One analysis window of a long song.</summary>
public sealed record WindowResponse(double Start, string Mood, IReadOnlyDictionary<string, double> Probabilities);

/// <summary>The answer of <c>POST /api/predict</c>.</summary>
public sealed record PredictResponse(
    string File,
    string Mood,
    IReadOnlyDictionary<string, double> Probabilities,
    string Model,
    IReadOnlyList<string> Labels,
    double Seconds,
    double ExcerptSeconds,
    IReadOnlyList<WindowResponse> Windows,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Members,
    string Format,
    double ElapsedMs,
    string? Spectrogram)
{
    public static PredictResponse From(SongPrediction p, string file, string model, IReadOnlyList<string> labels, double excerptSeconds,
        string format, double elapsedMs, string? spectrogram) =>
        new(file, p.Mood, p.Probabilities, model, labels, p.SongSeconds, excerptSeconds,
            p.Windows.Select(w => new WindowResponse(w.Start, w.Mood, w.Probabilities)).ToArray(),
            p.Members, format, elapsedMs, spectrogram);
}

/// <summary>A registered model version with its metrics (the test_* tags the pipeline writes), stage and aliases.</summary>
public sealed record ModelVersionResponse(
    string Name,
    string Version,
    string Stage,
    IReadOnlyList<string> Aliases,
    string Status,
    string? RunId,
    string Source,
    string? Description,
    long Created,
    long Updated,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>Tags shown as metrics when they hold numbers.</summary>
    public static readonly IReadOnlyList<string> MetricTags = ["test_accuracy", "test_macro_f1"];

    public static ModelVersionResponse From(ModelVersion v)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var key in MetricTags)
        {
            if (v.Tags.TryGetValue(key, out var text)
                && double.TryParse(text, System.Globalization.NumberStyles.Float, Core.Invariant.Culture, out double value))
            {
                metrics[key] = value;
            }
        }
        return new(v.Name, v.Version, v.CurrentStage, v.Aliases, v.Status, v.RunId, v.Source, v.Description, v.CreationTimestamp,
            v.LastUpdatedTimestamp, metrics, v.Tags);
    }
}

public sealed record RegisteredModelResponse(
    string Name,
    string? Description,
    IReadOnlyDictionary<string, string> Aliases,
    IReadOnlyDictionary<string, string> Tags,
    long Created,
    long Updated,
    IReadOnlyList<ModelVersionResponse> Versions);

/// <summary>The answer of <c>GET /api/models</c>.</summary>
public sealed record ModelsResponse(
    string DefaultModel,
    string? Serving,
    string? ServingError,
    bool PromotionEnabled,
    string TrackingUri,
    IReadOnlyList<RegisteredModelResponse> Models);

/// <summary>The body of <c>POST /api/models/{name}/versions/{version}/promote</c> (query parameters work too).</summary>
public sealed record PromoteRequest
{
    /// <summary>Alias to point at the version (e.g. champion).</summary>
    public string? Alias { get; init; }

    /// <summary>Stage to move the version to (None, Staging, Production, Archived).</summary>
    public string? Stage { get; init; }

    /// <summary>Archive the versions that were in that stage (default true).</summary>
    public bool? ArchiveExisting { get; init; }
}

/// <summary>The answer of <c>GET /healthz</c>.</summary>
public sealed record HealthResponse(string Status, int Running, int Queued, int MaxConcurrent, int MaxQueued, long MaxUploadBytes, IReadOnlyList<string> ModelsLoaded);
