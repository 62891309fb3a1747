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
            var local = MoodModel.Load(Path.GetFullPath(uri), Path.GetFullPath(uri));
            return (local, Path.GetFullPath(uri));
        }
        using var store = TrackingStores.Open(trackingUri);
        var resolved = new ModelUriResolver(store).Resolve(uri);
        string answering = resolved.Name != null && resolved.Version != null ? $"models:/{resolved.Name}/{resolved.Version}" : resolved.Uri;
        var model = MoodModel.Load(resolved.LocalPath, answering);
        return (model, answering);
    }
}
