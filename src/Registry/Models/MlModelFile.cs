using System.Globalization;
using Mmcs.Registry.FileStore;

namespace Mmcs.Registry.Models;

/// <summary>A model's input/output signature: MLflow stores each side as a JSON string (column specs).</summary>
public sealed record ModelSignature(string? Inputs, string? Outputs, string? Params = null);

/// <summary>
/// The <c>MLmodel</c> file at the root of a logged model folder, as MLflow writes it: artifact_path, flavors
/// (flavor name → settings), model_uuid, run_id, utc_time_created, signature, and free-form metadata.
/// </summary>
public sealed class MlModelFile
{
    public const string FileName = "MLmodel";

    /// <summary>MMCS's own flavor name.</summary>
    public const string MmcsFlavor = "mmcs";

    public string? ArtifactPath { get; set; }

    public Dictionary<string, Dictionary<string, object?>> Flavors { get; } = new(StringComparer.Ordinal);

    public string ModelUuid { get; set; } = Guid.NewGuid().ToString("N");

    public string? RunId { get; set; }

    /// <summary>MLflow's format: "yyyy-MM-dd HH:mm:ss.ffffff" (UTC).</summary>
    public string UtcTimeCreated { get; set; } = FormatTime(DateTime.UtcNow);

    public ModelSignature? Signature { get; set; }

    /// <summary>Free-form metadata (MLflow's <c>metadata:</c> section): labels, featuriser settings, metrics, …</summary>
    public Dictionary<string, object?> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Any other top-level keys read from the file (kept on rewrite).</summary>
    public Dictionary<string, object?> Extra { get; } = new(StringComparer.Ordinal);

    public static string FormatTime(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>Adds or replaces a flavor's settings.</summary>
    public MlModelFile WithFlavor(string flavor, IReadOnlyDictionary<string, object?> settings)
    {
        Flavors[flavor] = new Dictionary<string, object?>(settings, StringComparer.Ordinal);
        return this;
    }

    public string ToYaml()
    {
        var doc = new Dictionary<string, object?>(Extra, StringComparer.Ordinal);
        if (ArtifactPath != null) doc["artifact_path"] = ArtifactPath;
        doc["flavors"] = Flavors.ToDictionary(f => f.Key, f => (object?)f.Value, StringComparer.Ordinal);
        doc["model_uuid"] = ModelUuid;
        if (RunId != null) doc["run_id"] = RunId;
        doc["utc_time_created"] = UtcTimeCreated;
        if (Signature != null)
            doc["signature"] = new Dictionary<string, object?>
            {
                ["inputs"] = Signature.Inputs,
                ["outputs"] = Signature.Outputs,
                ["params"] = Signature.Params,
            };
        if (Metadata.Count > 0) doc["metadata"] = Metadata;
        return YamlDocument.Write(doc);
    }

    /// <summary>Writes <c>MLmodel</c> into <paramref name="folder"/> (atomically).</summary>
    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), ToYaml());
    }

    /// <summary>Reads <c>&lt;folder&gt;/MLmodel</c>; a missing or invalid file is an error naming the folder.</summary>
    public static MlModelFile Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw MlflowException.NotFound($"'{folder}' is not a model folder: it has no {FileName} file.");
        Dictionary<string, object?> doc;
        try
        {
            doc = YamlDocument.Read(File.ReadAllText(path), path);
        }
        catch (MlflowException e)
        {
            throw MlflowException.Invalid($"The {FileName} file of model folder '{folder}' is invalid: {e.Message}");
        }
        return FromDictionary(doc, folder);
    }

    public static MlModelFile Parse(string yaml, string source = FileName) => FromDictionary(YamlDocument.Read(yaml, source), source);

    private static MlModelFile FromDictionary(Dictionary<string, object?> doc, string folder)
    {
        var m = new MlModelFile();
        foreach (var (key, value) in doc)
        {
            switch (key)
            {
                case "artifact_path":
                    m.ArtifactPath = value?.ToString();
                    break;
                case "flavors":
                    if (value is not Dictionary<string, object?> flavors)
                        throw MlflowException.Invalid($"The {FileName} file of model folder '{folder}' is invalid: 'flavors' is not a mapping.");
                    foreach (var (name, settings) in flavors)
                        m.Flavors[name] = settings as Dictionary<string, object?> ?? new Dictionary<string, object?>(StringComparer.Ordinal);
                    break;
                case "model_uuid":
                    m.ModelUuid = value?.ToString() ?? m.ModelUuid;
                    break;
                case "run_id":
                    m.RunId = value?.ToString();
                    break;
                case "utc_time_created":
                    m.UtcTimeCreated = value?.ToString() ?? m.UtcTimeCreated;
                    break;
                case "signature":
                    if (value is Dictionary<string, object?> sig)
                        m.Signature = new ModelSignature(sig.GetValueOrDefault("inputs")?.ToString(), sig.GetValueOrDefault("outputs")?.ToString(),
                            sig.GetValueOrDefault("params")?.ToString());
                    break;
                case "metadata":
                    if (value is Dictionary<string, object?> md)
                        foreach (var (k, v) in md) m.Metadata[k] = v;
                    break;
                default:
                    m.Extra[key] = value;
                    break;
            }
        }
        if (!doc.ContainsKey("flavors"))
            throw MlflowException.Invalid($"The {FileName} file of model folder '{folder}' is invalid: it has no 'flavors' section.");
        return m;
    }
}
