using System.Diagnostics;

namespace Mmcs.Registry.Tests.FileStore;

/// <summary>Several processes logging to one file store at once, and a process killed mid-write.</summary>
public sealed class MultiProcessTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static ProcessStartInfo Helper(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mmcs.Registry.StressLogger.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("MLFLOW_TRACKING_URI");
        return psi;
    }

    [Fact]
    public async Task Four_processes_logging_to_one_run_at_once_lose_nothing()
    {
        const int workers = 4, count = 150;
        string root = _temp.File("mlruns");
        var store = new Registry.FileStore.FileStore(root);
        string exp = store.CreateExperiment("shared");
        string runId = store.CreateRun(exp, "r", null, null, "u").Info.RunId;

        var processes = Enumerable.Range(0, workers)
            .Select(w => Process.Start(Helper("log", root, runId, w.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture)))!)
            .ToList();
        var outputs = processes.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = new List<string>();
        for (int i = 0; i < workers; i++)
        {
            await processes[i].WaitForExitAsync(timeout.Token);
            string err = await outputs[i].Err;
            Assert.True(processes[i].ExitCode == 0, $"helper {i} failed: {err}");
            stdout.Add(await outputs[i].Out);
            processes[i].Dispose();
        }

        var run = store.GetRun(runId);
        var shared = store.GetMetricHistory(runId, "shared");
        Assert.Equal(workers * count, shared.Count);
        Assert.Equal(workers * count, shared.Select(m => m.Value).Distinct().Count());
        for (int w = 0; w < workers; w++)
        {
            Assert.Equal(count, store.GetMetricHistory(runId, $"w{w}/m").Count);
            for (int i = 0; i < count; i++) Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Data.Params[$"p{w}/{i}"]);
            Assert.Equal("y", run.Data.Tags[$"t{w}"]);
        }
        Assert.Equal("value", run.Data.Params["same"]);
        Assert.Equal(workers * ((count + 49) / 50), store.GetMetricHistory(runId, "batch").Count);

        // every process got the same experiment for "race", and there is exactly one of that name
        var experimentIds = stdout.Select(o => o.Split('\n').First(l => l.StartsWith("experiment ", StringComparison.Ordinal))[11..].Trim()).Distinct().ToList();
        Assert.Single(experimentIds);
        Assert.Single(store.SearchExperiments("name = 'race'").Items);

        // model registration raced: one model, versions 1..workers, each handed out once
        var versions = stdout.Select(o => o.Split('\n').First(l => l.StartsWith("version ", StringComparison.Ordinal))[8..].Trim()).Order().ToList();
        Assert.Equal(Enumerable.Range(1, workers).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)), versions);
    }

    [Fact]
    public async Task A_process_killed_mid_logging_leaves_a_store_that_reads_without_errors()
    {
        string root = _temp.File("mlruns");
        var store = new Registry.FileStore.FileStore(root);
        string exp = store.CreateExperiment("crash");
        string runId = store.CreateRun(exp, "r", null, null, "u").Info.RunId;
        string lossFile = Path.Combine(root, exp, runId, "metrics", "loss");

        foreach (int afterLines in new[] { 50, 400 })
        {
            using var p = Process.Start(Helper("flood", root, runId))!;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < deadline && (!File.Exists(lossFile) || File.ReadAllLines(lossFile).Length < afterLines))
                Thread.Sleep(5);
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            Assert.True(File.ReadAllLines(lossFile).Length >= afterLines, "the helper did not log: " + await p.StandardError.ReadToEndAsync());
        }

        var reopened = new Registry.FileStore.FileStore(root);
        var run = reopened.GetRun(runId);
        Assert.StartsWith("flood-", run.Info.RunName, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Running, run.Info.Status);
        int lines = File.ReadAllText(lossFile).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(lines, reopened.GetMetricHistory(runId, "loss").Count);
        Assert.True(File.ReadAllText(lossFile).EndsWith('\n'), "a metric line was torn");
        Assert.True(run.Data.Params.Count > 0);
        Assert.Single(reopened.SearchRuns(new RunQuery([exp], "metrics.loss > 0")).Items);
        foreach (var a in reopened.ListArtifacts(runId, "files"))
            foreach (var f in reopened.ListArtifacts(runId, a.Path))
                Assert.Equal(100_000, f.FileSize);
        // the store stays writable after the crash
        reopened.LogMetric(runId, new Metric("loss", 0, 1, 1));
        reopened.UpdateRun(runId, RunStatus.Killed, 1);
        Assert.Equal(RunStatus.Killed, reopened.GetRun(runId).Info.Status);
    }
}
