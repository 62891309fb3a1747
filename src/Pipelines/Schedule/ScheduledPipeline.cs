using Mmcs.Pipelines.Definition;
using Mmcs.Pipelines.Run;
using Mmcs.Registry;

namespace Mmcs.Pipelines.Schedule;

/// <summary>What a scheduled tick compares with the last good run.</summary>
public static class ScheduledPipeline
{
    /// <summary>
    /// The data's content fingerprint and a hash of what would run: the pipeline as loaded (after <c>--set</c>) and the
    /// tracking URI its runs go to. A tick is skipped only when both are unchanged, so an edited pipeline or another
    /// store runs at the next tick even on the same data (the state file is per pipeline name, which two files may share).
    /// </summary>
    public static string Fingerprint(LoadedPipeline pipeline, string dataPath, string? trackingUri, string? fingerprintCache = null)
    {
        string data = Directory.Exists(dataPath) || File.Exists(dataPath)
            ? DataFingerprint.Compute(dataPath, fingerprintCache)
            : "missing:" + dataPath;
        string configuration = StageCache.KeyOf(new { pipeline.Definition, Tracking = TrackingStores.ResolveUri(trackingUri) }, "");
        return data + "+" + configuration;
    }
}
