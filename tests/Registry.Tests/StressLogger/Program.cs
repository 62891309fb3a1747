using System.Globalization;
using Mmcs.Registry;
using Mmcs.Registry.Models;
using Mmcs.Registry.Tracking;

// Usage:
//   log   <store> <runId> <worker> <count>   log metrics/params/tags to one run, race on experiment and model creation
//   flood <store> <runId>                     log forever (until killed): metrics, params, tags, run updates, artifacts
string mode = args[0];
using var store = TrackingStores.Open(args[1]);
string runId = args[2];
var inv = CultureInfo.InvariantCulture;

if (mode == "log")
{
    int worker = int.Parse(args[3], inv);
    int count = int.Parse(args[4], inv);
    using var tracker = new Tracker(store);
    Console.WriteLine("experiment " + tracker.GetOrCreateExperiment("race"));
    for (int i = 0; i < count; i++)
    {
        store.LogMetric(runId, new Metric("shared", worker * 100000 + i, 1_700_000_000_000 + i, i));
        store.LogMetric(runId, new Metric($"w{worker}/m", i, 1_700_000_000_000 + i, i));
        store.LogParam(runId, new Param($"p{worker}/{i}", i.ToString(inv)));
        store.LogParam(runId, new Param("same", "value"));
        store.SetTag(runId, new RunTag("last", $"{worker}:{i}"));
        if (i % 50 == 0)
            store.LogBatch(runId, [new Metric("batch", i, 1_700_000_000_000, worker)], [new Param($"b{worker}/{i}", "x")], [new RunTag($"t{worker}", "y")]);
    }
    var v = ModelLogging.Register(store, $"runs:/{runId}/model", "race-model", runId);
    Console.WriteLine("version " + v.Version);
    return 0;
}

if (mode == "flood")
{
    string tmp = Path.Combine(Path.GetTempPath(), "mmcs-flood-" + Environment.ProcessId.ToString(inv));
    Directory.CreateDirectory(tmp);
    File.WriteAllText(Path.Combine(tmp, "a.txt"), new string('a', 100_000));
    Console.WriteLine("started");
    for (long i = 0; ; i++)
    {
        store.LogMetric(runId, new Metric("loss", 1.0 / (i + 1), 1_700_000_000_000 + i, i));
        store.LogBatch(runId, [new Metric("acc", i, 1_700_000_000_000 + i, i), new Metric("nested/x", -i, 1_700_000_000_000, i)],
            [new Param("p" + i.ToString(inv), "v")], [new RunTag("step", i.ToString(inv))]);
        store.UpdateRun(runId, RunStatus.Running, runName: "flood-" + i.ToString(inv));
        if (i % 20 == 0) store.LogArtifact(runId, Path.Combine(tmp, "a.txt"), "files/" + (i % 3).ToString(inv));
    }
}

Console.Error.WriteLine("unknown mode " + mode);
return 2;
