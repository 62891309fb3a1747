using Mmcs.Registry;
using Mmcs.Registry.Models;
using Mmcs.Train.Predict;

namespace Mmcs.Cli.Commands;

/// <summary>Resolves a model URI (models:/, runs:/ or a folder) against the tracking store in effect and loads it.</summary>
internal static class ModelLoading
{
    public const string DefaultModelUri = "models:/mood@champion";

    /// <summary>The loaded model and a display name of the version that answers (e.g. models:/mood/3).</summary>
    public static (MoodModel Model, string Answering) Load(string? uri, string? trackingUri)
    {
        uri ??= DefaultModelUri;
        // the model's own files (mmcs-model.json, MLmodel) stand for its folder
        if (File.Exists(uri) && Path.GetFileName(uri) is MoodModel.ManifestFileName or "MLmodel") uri = Path.GetDirectoryName(Path.GetFullPath(uri))!;
        if (Directory.Exists(uri))
        {
            // a model folder needs no tracking store (and opening one could create ./mlruns)
            string full = Path.GetFullPath(uri);
            return (MoodModel.Load(full, full), full);
        }
        using var store = TrackingStores.Open(trackingUri);
        ResolvedModel resolved;
        try
        {
            resolved = new ModelUriResolver(store).Resolve(uri);
        }
        catch (MlflowException e) when (e.ErrorCode == Core.ErrorCodes.ResourceDoesNotExist &&
                                         store is Registry.FileStore.FileStore fs && !Directory.Exists(fs.RootDirectory))
        {
            // usually run from another folder than the one holding ./mlruns
            throw new MlflowException(e.ErrorCode,
                $"{e.Message.TrimEnd('.')}. There is no tracking store at {fs.RootDirectory}: run where ./mlruns is, or give --tracking-uri, or --model a model folder.", e);
        }
        return (MoodModel.Load(resolved.LocalPath, resolved.Identity), resolved.Identity);
    }
}
