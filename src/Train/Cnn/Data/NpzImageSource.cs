using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Storage;
using Mmcs.Train.Models;

namespace Mmcs.Train.Cnn.Data;

/// <summary>One clip of an array directory: its .npz file, label, group and song.</summary>
/// <param name="Id">The row id (as in the feature table).</param>
/// <param name="File">The clip's .npz, absolute.</param>
/// <param name="Label">Class index into the source's labels.</param>
/// <param name="Group">The split group (artist), or the song when the artist is unknown.</param>
/// <param name="Song">The song (an augmented copy names the song it was made from).</param>
/// <param name="Augmentation">The copy's augmentation, or null for the clip as recorded.</param>
public sealed record NpzImageEntry(string Id, string File, int Label, string Group, string Song, string? Augmentation);

/// <summary>
/// The images of one kind in an array directory as the batch featuriser writes it
/// (<c>FeatureExtractionRequest.ArraysDirectory</c>: index.csv with id, path, label, group, song, augmentation, file,
/// and one .npz per clip holding spectrogram_db, mfcc and mel_db), read from disk one clip at a time: training
/// streams from the array cache and its memory does not grow with the dataset. Thread-safe.
/// </summary>
public sealed class NpzImageSource : IImageSource
{
    public const string IndexFileName = "index.csv";

    private readonly NpzImageEntry[] _entries;

    public NpzImageSource(ImageKind kind, ImageSize size, IReadOnlyList<string> labels, IEnumerable<NpzImageEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(size);
        if (labels.Count < 2) throw new MmcsException(ErrorCodes.InvalidParameterValue, "a classifier needs at least 2 labels");
        Kind = kind;
        Size = size;
        Labels = labels.ToArray();
        _entries = entries.ToArray();
        foreach (var e in _entries)
        {
            if ((uint)e.Label >= (uint)Labels.Count)
                throw new MmcsException(ErrorCodes.DataInvalid, $"clip '{e.Id}': label index {e.Label} outside 0..{Labels.Count - 1}");
        }
    }

    /// <summary>
    /// Opens the <paramref name="kind"/> images of an array directory. The image size is read from the first clip's
    /// file (every clip is checked as it is read).
    /// </summary>
    /// <param name="labels">The class names in class-index order; null: the labels found, sorted ordinally.</param>
    /// <param name="includeAugmented">Whether augmented copies are included (by default only clips as recorded:
    /// copies belong in a training split only, made after splitting).</param>
    /// <exception cref="MmcsException">The index is missing or malformed, a row has no label, or a label is unknown.</exception>
    public static NpzImageSource Open(string arraysDirectory, ImageKind kind, IReadOnlyList<string>? labels = null,
        bool includeAugmented = false)
    {
        string index = Path.Combine(arraysDirectory, IndexFileName);
        if (!File.Exists(index))
            throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"'{arraysDirectory}' holds no {IndexFileName}: not an array directory");
        var rows = Csv.ReadFile(index);
        if (rows.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{index}: empty");
        var header = rows[0].Select(h => h.Trim()).ToArray();
        int Column(string name)
        {
            int c = Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            if (c < 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{index}: no '{name}' column (header: {string.Join(",", header)})");
            return c;
        }
        int idCol = Column("id"), labelCol = Column("label"), groupCol = Column("group"), songCol = Column("song"),
            augCol = Column("augmentation"), fileCol = Column("file");
        var raw = new List<(string Id, string File, string Label, string Group, string Song, string? Augmentation)>();
        for (int r = 1; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Length == 1 && string.IsNullOrWhiteSpace(row[0])) continue;
            string Field(int c) => c < row.Length ? row[c].Trim() : "";
            string id = Field(idCol), label = Field(labelCol), file = Field(fileCol);
            if (label.Length == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{index}: row {r + 1} ('{id}') has no label");
            if (file.Length == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{index}: row {r + 1} ('{id}') names no file");
            string? augmentation = Field(augCol) is { Length: > 0 } a ? a : null;
            if (augmentation != null && !includeAugmented) continue;
            string song = Field(songCol) is { Length: > 0 } s ? s : id;
            string group = Field(groupCol) is { Length: > 0 } g ? g : song;
            raw.Add((id, Path.GetFullPath(Path.Combine(arraysDirectory, file)), label, group, song, augmentation));
        }
        if (raw.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, $"{index}: no clips");
        var classes = labels?.ToArray() ?? raw.Select(x => x.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var classIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < classes.Length; c++) classIndex[classes[c]] = c;
        var entries = raw.Select(x => new NpzImageEntry(x.Id, x.File,
            classIndex.TryGetValue(x.Label, out int c) ? c
                : throw new MmcsException(ErrorCodes.DataInvalid, $"{index}: clip '{x.Id}' has label '{x.Label}', not one of {string.Join(", ", classes)}"),
            x.Group, x.Song, x.Augmentation)).ToArray();
        var first = Npz.ReadMatrix(entries[0].File, ArrayName(kind));
        return new NpzImageSource(kind, new ImageSize(first.Rows, first.Cols), classes, entries);
    }

    /// <summary>The array of a kind in the featuriser's .npz files.</summary>
    public static string ArrayName(ImageKind kind) => kind switch
    {
        ImageKind.Spectrogram => "spectrogram_db",
        ImageKind.Mfcc => "mfcc",
        ImageKind.Mel => "mel_db",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public ImageKind Kind { get; }
    public ImageSize Size { get; }
    public IReadOnlyList<string> Labels { get; }
    public int Count => _entries.Length;
    public IReadOnlyList<NpzImageEntry> Entries => _entries;

    public int Label(int index) => _entries[index].Label;
    public string Group(int index) => _entries[index].Group;
    public string ItemId(int index) => _entries[index].Song;

    public void ReadImage(int index, Span<float> destination)
    {
        var matrix = ReadMatrix(index);
        matrix.Data.AsSpan().CopyTo(destination);
    }

    /// <summary>Clip <paramref name="index"/>'s image as a matrix.</summary>
    public FeatureMatrix ReadMatrix(int index)
    {
        ImageSources.CheckIndex(index, Count);
        var entry = _entries[index];
        var matrix = Npz.ReadMatrix(entry.File, ArrayName(Kind));
        if (matrix.Rows != Size.Rows || matrix.Cols != Size.Cols)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{entry.File}: the {Kind} image is {matrix.Rows}x{matrix.Cols}, the others {Size.Rows}x{Size.Cols}; featurise every clip with the same image options");
        return matrix;
    }
}
