using Mmcs.Core;
using Mmcs.Registry.Models;

namespace Mmcs.Registry.Tests.FileStore;

/// <summary>A store with a broken file, a mistyped URI or a version written "01": what a listing, a transition and an
/// alias do then.</summary>
public sealed class DamagedStoreTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private Registry.FileStore.FileStore NewStore() => new(_temp.File("mlruns"));

    private static MlflowException Throws(string code, Action action)
    {
        var e = Assert.Throws<MlflowException>(action);
        Assert.Equal(code, e.ErrorCode);
        return e;
    }

    private static (Registry.FileStore.FileStore Store, string Dir) WithVersions(Registry.FileStore.FileStore store, int count)
    {
        store.CreateRegisteredModel("m");
        for (int i = 0; i < count; i++) store.CreateModelVersion("m", $"file:///tmp/model-{i}");
        return (store, Path.Combine(store.RootDirectory, "models", "m"));
    }

    [Fact]
    public void An_experiment_whose_meta_yaml_is_broken_is_skipped_by_listings_and_reported_with_its_path()
    {
        var store = NewStore();
        string good = store.CreateExperiment("good");
        string bad = store.CreateExperiment("bad");
        store.CreateRun(good, "a run");
        string meta = Path.Combine(store.RootDirectory, bad, "meta.yaml");
        File.WriteAllText(meta, "name: [oops");

        var reopened = NewStore();
        Assert.Empty(reopened.SkippedEntries);
        var names = reopened.SearchExperiments().Items.Select(e => e.Name).ToList();
        Assert.Contains("good", names);
        Assert.DoesNotContain("bad", names);
        string skipped = Assert.Single(reopened.SkippedEntries);
        Assert.Contains(meta, skipped);
        Assert.Contains("not valid YAML", skipped);
        Assert.Null(reopened.GetExperimentByName("bad"));
        Assert.Single(reopened.SkippedEntries); // reported once, however often it is met
    }

    [Fact]
    public void A_run_whose_meta_yaml_is_empty_is_in_an_invalid_state_not_a_run_started_in_1970()
    {
        var store = NewStore();
        string exp = store.CreateExperiment("e");
        var kept = store.CreateRun(exp, "kept");
        var emptied = store.CreateRun(exp, "emptied");
        string meta = Path.Combine(store.RootDirectory, exp, emptied.Info.RunId, "meta.yaml");
        File.WriteAllText(meta, "");

        var e = Throws(ErrorCodes.InvalidState, () => store.GetRun(emptied.Info.RunId));
        Assert.Contains(meta, e.Message);
        var runs = store.SearchRuns(new RunQuery([exp])).Items;
        Assert.Equal([kept.Info.RunId], runs.Select(r => r.Info.RunId));
        Assert.Contains(store.SkippedEntries, s => s.Contains(meta, StringComparison.Ordinal));
    }

    [Fact]
    public void Moving_a_version_to_production_is_refused_and_changes_nothing_while_another_version_cannot_be_read()
    {
        var (store, dir) = WithVersions(NewStore(), 3);
        store.TransitionModelVersionStage("m", "2", ModelStages.Production, archiveExistingVersions: true);
        string meta2 = Path.Combine(dir, "version-2", "meta.yaml");
        string saved = File.ReadAllText(meta2);
        File.WriteAllText(meta2, "current_stage: [Production");

        var e = Throws(ErrorCodes.InvalidState, () => store.TransitionModelVersionStage("m", "3", ModelStages.Production, archiveExistingVersions: true));
        Assert.Contains(meta2, e.Message);
        Assert.Contains("Nothing was changed", e.Message);
        Assert.Equal(ModelStages.None, store.GetModelVersion("m", "3").CurrentStage);

        // without archiving, the other versions are not read, so the transition goes through
        Assert.Equal(ModelStages.Staging, store.TransitionModelVersionStage("m", "3", ModelStages.Staging, archiveExistingVersions: false).CurrentStage);
        File.WriteAllText(meta2, saved);
        store.TransitionModelVersionStage("m", "3", ModelStages.Production, archiveExistingVersions: true);
        Assert.Equal(ModelStages.Archived, store.GetModelVersion("m", "2").CurrentStage);
    }

    [Fact]
    public void Listing_versions_skips_one_that_cannot_be_read_and_says_so()
    {
        var (store, dir) = WithVersions(NewStore(), 2);
        string meta1 = Path.Combine(dir, "version-1", "meta.yaml");
        File.WriteAllText(meta1, "version: [1");
        var versions = store.SearchModelVersions("name = 'm'").Items;
        Assert.Equal(["2"], versions.Select(v => v.Version));
        Assert.Contains(store.SkippedEntries, s => s.Contains(meta1, StringComparison.Ordinal));
    }

    [Fact]
    public void An_alias_given_a_version_with_a_leading_zero_points_at_that_version_as_mlflow_writes_it()
    {
        var (store, dir) = WithVersions(NewStore(), 1);
        store.SetRegisteredModelAlias("m", "prod01", "01");
        Assert.Equal("1", File.ReadAllText(Path.Combine(dir, "aliases", "prod01")));
        Assert.Equal(["prod01"], store.GetModelVersion("m", "1").Aliases);
        Assert.Equal("1", store.GetModelVersionByAlias("m", "prod01").Version);
    }

    [Fact]
    public void A_refused_alias_leaves_the_stages_as_they_were()
    {
        var (store, _) = WithVersions(NewStore(), 2);
        var registry = new ModelRegistry(store);
        registry.Promote("m", "1", "champion", "Production");
        foreach (var alias in new[] { "v7", "bad!", "latest" })
        {
            Throws(ErrorCodes.InvalidParameterValue, () => registry.Promote("m", "2", alias, "Production"));
            Assert.Equal(ModelStages.Production, store.GetModelVersion("m", "1").CurrentStage);
            Assert.Equal(ModelStages.None, store.GetModelVersion("m", "2").CurrentStage);
        }
        Throws(ErrorCodes.InvalidParameterValue, () => registry.Promote("m", "2", "champion", "Live"));
        Assert.Equal("1", store.GetModelVersionByAlias("m", "champion").Version);
        var promoted = registry.Promote("m", "02", "champion", "Production");
        Assert.Equal("2", promoted.Version);
        Assert.Equal(["champion"], promoted.Aliases);
    }

    [Fact]
    public void A_file_uri_with_a_host_or_a_path_that_is_a_file_is_refused_rather_than_read_as_an_empty_store()
    {
        var e = Throws(ErrorCodes.InvalidParameterValue, () => new Registry.FileStore.FileStore("file://mlruns"));
        Assert.Contains("file:///abs/path", e.Message);
        Assert.Equal(_temp.File("mlruns"), new Registry.FileStore.FileStore("file://localhost" + _temp.File("mlruns")).RootDirectory);
        string file = _temp.File("notes.txt");
        File.WriteAllText(file, "x");
        Assert.Contains("is a file", Throws(ErrorCodes.InvalidParameterValue, () => new Registry.FileStore.FileStore(file)).Message);
    }

    [Fact]
    public void A_store_moved_to_another_folder_reads_its_runs_artifacts_from_their_new_place()
    {
        var (store, exp, runId, _) = RunWithArtifact("report.txt", "figures", "reports");
        string recorded = store.LocalArtifactDirectory(runId);

        string moved = _temp.File("elsewhere");
        Directory.Move(store.RootDirectory, moved);
        var reopened = new Registry.FileStore.FileStore(moved);
        Assert.Equal(recorded, ArtifactUriOf(reopened, runId)); // meta.yaml still names the old place
        Assert.Equal(Path.Combine(moved, exp, runId, "artifacts"), reopened.TryGetLocalArtifactDirectory(runId));
        Assert.Equal(["reports/report.txt"], reopened.ListArtifacts(runId, "reports").Select(a => a.Path));
        string got = reopened.DownloadArtifacts(runId, "reports/report.txt", _temp.File("down"));
        Assert.Equal("figures", File.ReadAllText(got));
    }

    [Fact]
    public void A_copied_store_uses_its_own_artifacts_not_the_original_s_and_an_artifact_root_outside_the_store_is_kept()
    {
        var (store, exp, runId, file) = RunWithArtifact("a.txt", "original");

        string copy = _temp.File("copy");
        CopyTree(store.RootDirectory, copy);
        var copied = new Registry.FileStore.FileStore(copy);
        File.WriteAllText(file, "logged to the copy");
        copied.LogArtifact(runId, file, "later");
        Assert.Equal(Path.Combine(copy, exp, runId, "artifacts"), copied.LocalArtifactDirectory(runId));
        Assert.False(Directory.Exists(Path.Combine(store.LocalArtifactDirectory(runId), "later"))); // the original is untouched

        // an artifact root outside the store (mlflow server --default-artifact-root), not made yet, is where artifacts go
        string outside = _temp.File("artifact-root");
        var rooted = new Registry.FileStore.FileStore(_temp.File("mlruns2"), defaultArtifactRoot: new Uri(outside).AbsoluteUri);
        string exp2 = rooted.CreateExperiment("e2");
        string run2 = rooted.CreateRun(exp2, "r").Info.RunId;
        rooted.LogArtifact(run2, file);
        Assert.True(File.Exists(Path.Combine(outside, exp2, run2, "artifacts", "a.txt")));
    }

    /// <summary>A new store with one run that logged one file (<paramref name="name"/>, holding <paramref name="text"/>).</summary>
    private (Registry.FileStore.FileStore Store, string Experiment, string RunId, string File) RunWithArtifact(string name, string text,
        string? artifactPath = null)
    {
        var store = NewStore();
        string exp = store.CreateExperiment("e");
        string runId = store.CreateRun(exp, "r").Info.RunId;
        string file = _temp.File(name);
        File.WriteAllText(file, text);
        store.LogArtifact(runId, file, artifactPath);
        return (store, exp, runId, file);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories)) File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
    }

    private static string ArtifactUriOf(Registry.FileStore.FileStore store, string runId) =>
        Registry.FileStore.FileStore.LocalPathFromUri(store.GetRun(runId).Info.ArtifactUri);
}
