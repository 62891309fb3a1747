using Mmcs.Core;

namespace Mmcs.Featurize.Datasets;

/// <summary>The four moods, in the project's canonical order, and the names datasets use for them.</summary>
public static class Moods
{
    public const string Happy = "happy";
    public const string Angry = "angry";
    public const string Sad = "sad";
    public const string Relaxed = "relaxed";

    /// <summary>happy, angry, sad, relaxed (Russell quadrants Q1..Q4).</summary>
    public static IReadOnlyList<string> Canonical { get; } = [Happy, Angry, Sad, Relaxed];

    /// <summary>The canonical mood of a dataset's name for it (case-insensitive): the mood itself, Q1..Q4,
    /// "relax" (the Turkish emotion dataset), "calm", "excited"... or null when it is not a mood name.</summary>
    public static string? Normalize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        return name.Trim().ToLowerInvariant() switch
        {
            "happy" or "q1" or "happiness" or "joy" or "exuberant" => Happy,
            "angry" or "q2" or "anger" or "anxious" => Angry,
            "sad" or "q3" or "sadness" or "depressed" => Sad,
            "relaxed" or "q4" or "relax" or "calm" or "relaxation" => Relaxed,
            _ => null,
        };
    }

    /// <summary>0..3 in the canonical order, or -1.</summary>
    public static int IndexOf(string label) => Canonical.ToList().IndexOf(label);
}

/// <summary>One labelled audio file.</summary>
/// <param name="Path">Full path of the audio file.</param>
/// <param name="Label">Its label (canonical mood names when the dataset's labels are moods).</param>
/// <param name="Group">The group splits must keep together (the artist) when known, else null.</param>
/// <param name="SongId">A stable id of the song within the dataset (4Q: the song code; else the path relative to the root without extension).</param>
public sealed record DatasetItem(string Path, string Label, string? Group, string SongId);

/// <summary>How a dataset folder is laid out.</summary>
public enum DatasetLayout
{
    /// <summary>One sub-folder per label; folder names are the labels.</summary>
    FolderPerLabel,

    /// <summary>The 4Q audio emotion dataset: Q1..Q4 folders and panda_dataset_taffc_annotations.csv (+ metadata for artists).</summary>
    FourQ,

    /// <summary>The Turkish music emotion dataset: happy/sad/angry/relax folders.</summary>
    TurkishEmotion,

    /// <summary>A CSV manifest of path,label[,group].</summary>
    Manifest,
}

/// <summary>A labelled set of audio files.</summary>
/// <param name="Root">The folder (or manifest file) it was read from.</param>
/// <param name="Layout">Its layout.</param>
/// <param name="Items">The files, sorted by path (ordinal).</param>
/// <param name="Labels">The labels in order: the canonical mood order when every label is a mood, else ordinal.</param>
/// <param name="Warnings">Inconsistencies that did not stop reading (e.g. an annotated song without a file).</param>
public sealed record Dataset(string Root, DatasetLayout Layout, IReadOnlyList<DatasetItem> Items, IReadOnlyList<string> Labels, IReadOnlyList<string> Warnings)
{
    /// <summary>Items per label, in <see cref="Labels"/> order.</summary>
    public IReadOnlyDictionary<string, int> CountByLabel() =>
        Labels.ToDictionary(l => l, l => Items.Count(i => i.Label == l));
}

/// <summary>A dataset that cannot be read (no labelled audio, a malformed manifest...). Error code DATA_INVALID.</summary>
public sealed class DatasetException : MmcsException
{
    public DatasetException(string message, Exception? inner = null)
        : base(ErrorCodes.DataInvalid, message, inner)
    {
    }
}
