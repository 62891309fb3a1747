using Mmcs.Core;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Augment;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;

namespace Mmcs.Featurize.Batch;

/// <summary>
/// What to featurise and where to put it: the single argument of <see cref="FeatureExtraction.RunAsync"/>, so a
/// CLI such as <c>mmcs features extract &lt;files or folders…&gt; [--set seed|full] [--out table.csv|.parquet]
/// [--arrays DIR] [--json] [--shard i/n]</c> only fills this record.
/// </summary>
public sealed record FeatureExtractionRequest
{
    /// <summary>Audio files and folders (searched recursively); unlabelled rows. Used with or instead of <see cref="Items"/>.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Labelled items (e.g. <see cref="DatasetReader.Open"/>'s); their label, group and song id go into the rows.</summary>
    public IReadOnlyList<DatasetItem>? Items { get; init; }

    /// <summary>The 1D feature set.</summary>
    public FeatureSetKind Set { get; init; } = FeatureSetKind.Seed;

    /// <summary>Sample rate, STFT, excerpt and short-clip policy.</summary>
    public FeaturizerOptions Options { get; init; } = new();

    /// <summary>Decoding, resampling and silence settings.</summary>
    public AudioLoaderOptions Loader { get; init; } = new();

    /// <summary>Compute the 2D arrays at these sizes as well (needed for <see cref="ArraysDirectory"/>; cached too).</summary>
    public ImageOptions? Images { get; init; }

    /// <summary>Where to write the table (.csv or .parquet), or null for none.</summary>
    public string? TablePath { get; init; }

    /// <summary>Where to write one .npz per clip (spectrogram_db, mfcc, mel_db) plus index.csv, or null for none.
    /// Needs <see cref="Images"/> (the original study's sizes are used when it is null).</summary>
    public string? ArraysDirectory { get; init; }

    /// <summary>The feature cache folder, or null to run without a cache.</summary>
    public string? CacheDirectory { get; init; } = FeatureCache.DefaultDirectory;

    /// <summary>Featurise only this shard of the files (by content hash); rows of the other shards are not written.</summary>
    public ShardSpec? Shard { get; init; }

    /// <summary>Augmented copies to add for every clip (training sets only): rows tagged with their song and copy.</summary>
    public AugmentationPlan? Augmentation { get; init; }

    /// <summary>Cut every excerpt (and augmented copy) into texture windows, one row per window; null: one row per excerpt.
    /// Images are not computed per window (a request with both is refused).</summary>
    public TextureWindows? Windows { get; init; }

    /// <summary>Files decoded and featurised at once (default: the processor count).</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>Files per ffmpeg process (its start-up costs more CPU than decoding a 30 s MP3).</summary>
    public int FilesPerDecode { get; init; } = 8;

    internal void Validate()
    {
        if (Inputs.Count == 0 && (Items == null || Items.Count == 0))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "nothing to featurise: give audio files, folders or dataset items");
        if (MaxDegreeOfParallelism is < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"parallelism {MaxDegreeOfParallelism} must be at least 1");
        if (FilesPerDecode < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"files per decode {FilesPerDecode} must be at least 1");
        if (TablePath != null)
        {
            _ = FeatureTableIO.IsParquet(TablePath);
            OutputPaths.CheckFile(TablePath, "the feature table");
        }
        if (ArraysDirectory != null) OutputPaths.CheckFolder(ArraysDirectory, "the arrays folder");
        if (Windows != null)
        {
            Windows.Validate(Options);
            if (Images != null || ArraysDirectory != null)
                throw new MmcsException(ErrorCodes.InvalidParameterValue, "texture windows are featurised as 1D rows only: images and arrays are computed per excerpt, not per window");
        }
    }
}

/// <summary>A file that could not be featurised: its path, the error code and the message.</summary>
public sealed record FileFailure(string Path, string ErrorCode, string Message);

/// <summary>A file skipped by policy (e.g. shorter than the excerpt) and why.</summary>
public sealed record FileSkip(string Path, string Reason);

/// <summary>Where the time went (summed over workers, so they can exceed the wall time).</summary>
public sealed record ExtractionTimings(TimeSpan Wall, TimeSpan Hashing, TimeSpan Decoding, TimeSpan Featurising, TimeSpan Writing);

/// <summary>The outcome of a run.</summary>
/// <param name="Files">Audio files considered (after sharding).</param>
/// <param name="FilesOutsideShard">Files left to other shards.</param>
/// <param name="Succeeded">Files featurised (from the cache or computed).</param>
/// <param name="Skipped">Files skipped by policy (see <see cref="Skips"/>).</param>
/// <param name="Failed">Files that failed (see <see cref="Failures"/>).</param>
/// <param name="CacheHits">Rows (clips and copies) read from the cache.</param>
/// <param name="Computed">Rows computed in this run.</param>
/// <param name="RowsWritten">Rows in the table (clips plus augmented copies).</param>
/// <param name="TablePath">The table written, or null: none was asked for, or no file of the run (of its shard) was
/// featurised, in which case no table is written rather than an empty one (except by a shard given no file, which
/// writes an empty table so that the shards' tables can be merged).</param>
public sealed record FeatureExtractionSummary(
    int Files,
    int FilesOutsideShard,
    int Succeeded,
    int Skipped,
    int Failed,
    int CacheHits,
    int Computed,
    long RowsWritten,
    IReadOnlyList<string> FeatureNames,
    IReadOnlyList<FileFailure> Failures,
    IReadOnlyList<FileSkip> Skips,
    ExtractionTimings Timings,
    string? TablePath,
    string? ArraysDirectory,
    string? CacheDirectory);

/// <summary>One featurised clip (or augmented copy, or texture window of either) as it comes out of <see cref="FeatureExtraction.RunAsync(FeatureExtractionRequest, IClipFeaturizer, Func{ExtractedClip, CancellationToken, ValueTask}?, IProgress{ProgressUpdate}?, CancellationToken)"/>.</summary>
/// <param name="Window">The texture window's index within its clip (rows of a windowed request), else null.</param>
public sealed record ExtractedClip(FeatureRow Row, FeatureImages? Images, bool FromCache, int? Window = null);
