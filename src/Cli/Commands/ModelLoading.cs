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
        if (Directory.Exists(uri))
        {
            // a model folder needs no tracking store (and opening one could create ./mlruns)
            string full = Path.GetFullPath(uri);
            return (MoodModel.Load(full, full), full);
        }
        using var store = TrackingStores.Open(trackingUri);
        var resolved = new ModelUriResolver(store).Resolve(uri);
        return (MoodModel.Load(resolved.LocalPath, resolved.Identity), resolved.Identity);
    }
}
