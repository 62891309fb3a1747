using Mmcs.Pipelines.Run;
using Mmcs.Registry;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Tabular.Tracking;

namespace Mmcs.Pipelines.Tests.Run;

public sealed class ActiveRunAutoMlAdapterTests : IDisposable
{
    private readonly TempDir _tmp = new("mmcs-automl-adapter");

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void The_search_ends_the_trial_runs_it_starts_but_leaves_the_run_it_was_given_to_its_owner()
    {
        var store = new Registry.FileStore.FileStore(_tmp.File("mlruns"));
        using var run = new Tracker(store).StartRun("automl", "search");
        string trialId;
        using (var adapter = new ActiveRunAutoMlAdapter(run))
        {
            using var trial = adapter.StartChild("trial 1");
            trial.End(RunEndStatus.Finished);
            trialId = store.SearchRuns(new RunQuery([run.ExperimentId], $"tags.mlflow.parentRunId = '{run.RunId}'")).Items.Single().Info.RunId;
            adapter.End(RunEndStatus.Finished);
        }
        Assert.Equal(RunStatus.Finished, store.GetRun(trialId).Info.Status);
        // what the owner does after the search (saving, registering) can still fail the run
        Assert.Equal(RunStatus.Running, store.GetRun(run.RunId).Info.Status);
        run.Fail("registering failed");
        Assert.Equal(RunStatus.Failed, store.GetRun(run.RunId).Info.Status);
    }
}
