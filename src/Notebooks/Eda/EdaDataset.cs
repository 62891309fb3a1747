using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Batch;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;

namespace Mmcs.Notebooks.Eda;

/// <summary>How a dataset folder is featurised for the EDA.</summary>
public sealed record EdaDatasetOptions
{
    /// <summary>The 1D feature set described (the original study's 57 seed features by default).</summary>
    public FeatureSetKind Set { get; init; } = FeatureSetKind.Seed;

    /// <summary>Featuriser settings: excerpt length (25.5 s), offset, short-clip policy, sample rate, STFT.</summary>
    public FeaturizerOptions Featurizer { get; init; } = new();

    /// <summary>The feature cache (a second EDA of the same files reads it); null: no cache.</summary>
    public string? CacheDirectory { get; init; } = FeatureCache.DefaultDirectory;

    /// <summary>The report's title (default: "EDA of &lt;folder&gt;").</summary>
    public string? Title { get; init; }
}

public static partial class EdaInputs
{
    /// <summary>
    /// Reads a dataset folder (any layout <see cref="DatasetReader"/> detects), featurises its clips with the batch
    /// featuriser through the feature cache, and returns the EDA table plus notices (layout, clips skipped or failed).
    /// </summary>
    public static async Task<(EdaTable Table, IReadOnlyList<string> Notices)> FromDatasetAsync(string folder,
        EdaDatasetOptions? options = null, IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new EdaDatasetOptions();
        var data = DatasetReader.Open(folder);
        var notices = new List<string>
        {
            $"{data.Layout} dataset at {Path.GetFullPath(folder)}: {data.Items.Count} clips; {options.Set} features of " +
            $"the {options.Featurizer.ExcerptSeconds.ToString("0.###", Invariant.Culture)} s excerpt from " +
            $"{options.Featurizer.ExcerptOffsetSeconds.ToString("0.###", Invariant.Culture)} s" +
            (options.Featurizer.PadShortClips ? " (short clips zero-padded)" : " (shorter clips skipped)"),
        };
        notices.AddRange(data.Warnings.Take(5));
        var request = new FeatureExtractionRequest
        {
            Items = data.Items,
            Set = options.Set,
            Options = options.Featurizer,
            CacheDirectory = options.CacheDirectory,
        };
        var rows = new List<FeatureRow>();
        var summary = await FeatureExtraction.RunAsync(request, new ClipFeaturizer(options.Featurizer), (clip, _) =>
        {
            if (string.IsNullOrEmpty(clip.Row.Augmentation))
            {
                lock (rows) rows.Add(clip.Row);
            }
            return ValueTask.CompletedTask;
        }, progress, cancellationToken).ConfigureAwait(false);
        notices.Add($"{summary.Succeeded} clips featurised ({summary.CacheHits} from the cache), {summary.Skipped} skipped, {summary.Failed} failed");
        notices.AddRange(summary.Skips.Take(5).Select(s => $"skipped {Path.GetFileName(s.Path)}: {s.Reason}"));
        notices.AddRange(summary.Failures.Take(5).Select(f => $"failed {Path.GetFileName(f.Path)}: {f.Message}"));
        if (rows.Count == 0)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{folder}: no clip could be featurised ({summary.Skipped} skipped, {summary.Failed} failed)" +
                (summary.Skips.Count > 0 ? $"; e.g. {summary.Skips[0].Reason}: give a shorter excerpt or pad short clips" : ""));
        var (table, more) = FromFeatureTable(new FeatureTable(summary.FeatureNames, rows), Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/')));
        notices.AddRange(more);
        return (table, notices);
    }

    private static async Task<(EdaAnalysis Analysis, IReadOnlyList<string> Notices)> FromDatasetReportAsync(string folder,
        string outputPath, EdaDatasetOptions options, IProgress<ProgressUpdate>? progress, CancellationToken cancellationToken)
    {
        var (table, notices) = await FromDatasetAsync(folder, options, progress, cancellationToken).ConfigureAwait(false);
        var report = new EdaReportOptions
        {
            Title = options.Title ?? $"EDA of {table.Source}",
            Notes = notices,
        };
        var analysis = await Task.Run(() => EdaReport.Write(table, outputPath, report, progress, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        return (analysis, notices);
    }
}
