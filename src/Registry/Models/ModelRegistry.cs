namespace Mmcs.Registry.Models;

/// <summary>Promotion operations on registered models: aliases (champion, challenger), stages, descriptions, tags.</summary>
public sealed class ModelRegistry(ITrackingStore store)
{
    public ITrackingStore Store { get; } = store;

    /// <summary>
    /// Promotes a version: moves it to <paramref name="stage"/> (archiving the versions that were in that stage when
    /// <paramref name="archiveExisting"/>) and/or points <paramref name="alias"/> at it. Returns the updated version.
    /// </summary>
    public ModelVersion Promote(string name, string version, string? alias, string? stage, bool archiveExisting = true)
    {
        if (alias == null && stage == null)
            throw MlflowException.Invalid($"Promoting {name} version {version} needs an alias or a stage.");
        // every argument is checked before anything changes: a refused alias must not leave the stage moved
        if (alias != null) Validation.Alias(alias);
        string? canonicalStage = stage == null ? null : Validation.Stage(stage);
        var mv = Store.GetModelVersion(name, version);
        if (canonicalStage != null) mv = Store.TransitionModelVersionStage(name, mv.Version, canonicalStage, archiveExisting);
        if (alias != null)
        {
            Store.SetRegisteredModelAlias(name, alias, mv.Version);
            mv = Store.GetModelVersion(name, mv.Version);
        }
        return mv;
    }

    public RegisteredModel Get(string name) => Store.GetRegisteredModel(name);

    /// <summary>All versions of a model, newest first.</summary>
    public IReadOnlyList<ModelVersion> Versions(string name)
    {
        Store.GetRegisteredModel(name);
        var all = new List<ModelVersion>();
        string? token = null;
        do
        {
            var page = Store.SearchModelVersions($"name = '{name.Replace("'", "\\'", StringComparison.Ordinal)}'", 1000, token);
            all.AddRange(page.Items.Where(v => v.Name == name));
            token = page.NextPageToken;
        }
        while (token != null);
        return all.OrderByDescending(v => v.Number).ToList();
    }

    public void SetAlias(string name, string alias, string version) => Store.SetRegisteredModelAlias(name, alias, version);

    public void DeleteAlias(string name, string alias) => Store.DeleteRegisteredModelAlias(name, alias);

    public ModelVersion GetByAlias(string name, string alias) => Store.GetModelVersionByAlias(name, alias);

    public ModelVersion TransitionStage(string name, string version, string stage, bool archiveExisting = true) =>
        Store.TransitionModelVersionStage(name, version, Validation.Stage(stage), archiveExisting);

    public RegisteredModel SetDescription(string name, string? description) => Store.UpdateRegisteredModel(name, description);

    public ModelVersion SetVersionDescription(string name, string version, string? description) =>
        Store.UpdateModelVersion(name, version, description);

    public void SetTag(string name, string key, string value) => Store.SetRegisteredModelTag(name, key, value);

    public void SetVersionTag(string name, string version, string key, string value) => Store.SetModelVersionTag(name, version, key, value);
}
