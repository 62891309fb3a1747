using System.Text.Json;
using System.Text.Json.Nodes;
using Mmcs.Registry.Tracking;

namespace Mmcs.Registry.Models;

/// <summary>Logs model folders as run artifacts and registers them as model versions.</summary>
public static class ModelLogging
{
    /// <summary>
    /// Logs the CONTENTS of <paramref name="localModelFolder"/> (which holds an MLmodel file) as the artifact folder
    /// <paramref name="artifactPath"/> of <paramref name="run"/>, records the run id in the logged MLmodel, appends
    /// the model to the run's <c>mlflow.log-model.history</c> tag, and returns <c>runs:/&lt;id&gt;/&lt;path&gt;</c>.
    /// </summary>
    public static string LogModel(ActiveRun run, string localModelFolder, string artifactPath = "model")
    {
        if (!Directory.Exists(localModelFolder))
            throw MlflowException.NotFound($"Model folder '{localModelFolder}' does not exist.");
        string path = FileStore.ArtifactFiles.Normalise(artifactPath);
        if (path.Length == 0) throw MlflowException.Invalid("A model needs a non-empty artifact path (e.g. 'model').");
        var mlmodel = MlModelFile.Read(localModelFolder);
        mlmodel.RunId = run.RunId;
        mlmodel.ArtifactPath = path;

        foreach (var file in Directory.EnumerateFiles(localModelFolder))
            if (Path.GetFileName(file) != MlModelFile.FileName)
                run.Store.LogArtifact(run.RunId, file, path);
        foreach (var dir in Directory.EnumerateDirectories(localModelFolder))
            run.Store.LogArtifact(run.RunId, dir, path);

        string temp = Path.Combine(Path.GetTempPath(), "mmcs-mlmodel-" + Guid.NewGuid().ToString("N"));
        try
        {
            mlmodel.Write(temp);
            run.Store.LogArtifact(run.RunId, Path.Combine(temp, MlModelFile.FileName), path);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }

        AppendHistory(run, mlmodel);
        return $"runs:/{run.RunId}/{path}";
    }

    private static void AppendHistory(ActiveRun run, MlModelFile mlmodel)
    {
        var current = run.Store.GetRun(run.RunId).Data.Tags.GetValueOrDefault(SystemTags.LoggedModels);
        JsonArray history;
        try
        {
            history = current != null && JsonNode.Parse(current) is JsonArray a ? a : [];
        }
        catch (JsonException)
        {
            history = [];
        }
        var entry = new JsonObject
        {
            ["run_id"] = run.RunId,
            ["artifact_path"] = mlmodel.ArtifactPath,
            ["utc_time_created"] = mlmodel.UtcTimeCreated,
            ["flavors"] = JsonSerializer.SerializeToNode(mlmodel.Flavors),
            ["model_uuid"] = mlmodel.ModelUuid,
        };
        history.Add(entry);
        string text = history.ToJsonString();
        if (text.Length > Validation.MaxTagValueLength)
        {
            // keep the tag within MLflow's limit: flavors by name only
            entry["flavors"] = new JsonObject(mlmodel.Flavors.Keys.Select(k => new KeyValuePair<string, JsonNode?>(k, new JsonObject())));
            text = history.ToJsonString();
            while (text.Length > Validation.MaxTagValueLength && history.Count > 1)
            {
                history.RemoveAt(0);
                text = history.ToJsonString();
            }
        }
        run.SetTag(SystemTags.LoggedModels, text);
    }

    /// <summary>
    /// Registers <paramref name="sourceUri"/> (e.g. <c>runs:/&lt;id&gt;/model</c>) as a new version of
    /// <paramref name="name"/>, creating the registered model when missing (safe when several processes race).
    /// </summary>
    public static ModelVersion Register(ITrackingStore store, string sourceUri, string name, string? runId, IReadOnlyDictionary<string, string>? tags = null)
    {
        EnsureRegisteredModel(store, name);
        if (runId == null && sourceUri.StartsWith("runs:", StringComparison.OrdinalIgnoreCase))
            runId = ModelUris.ParseRunsUri(sourceUri).RunId;
        return store.CreateModelVersion(name, sourceUri, runId, null, tags);
    }

    /// <summary>Creates the registered model unless it exists.</summary>
    public static void EnsureRegisteredModel(ITrackingStore store, string name)
    {
        try
        {
            store.GetRegisteredModel(name);
            return;
        }
        catch (MlflowException e) when (e.ErrorCode == Core.ErrorCodes.ResourceDoesNotExist)
        {
        }
        try
        {
            store.CreateRegisteredModel(name);
        }
        catch (MlflowException e) when (e.ErrorCode == Core.ErrorCodes.ResourceAlreadyExists)
        {
            // created by someone else meanwhile
        }
    }
}
