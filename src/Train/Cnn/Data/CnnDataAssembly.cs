using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;

namespace Mmcs.Train.Cnn.Data;

/// <summary>
/// Makes augmented images (noise, time shift, … applied to a clip's audio, then featurised) of clips of the
/// training split. It is handed the training split only, never the whole dataset: see <see cref="CnnDataAssembly"/>.
/// </summary>
public interface IImageAugmenter
{
    /// <summary>Augmented copies made of every training clip.</summary>
    int CopiesPerClip { get; }

    /// <summary>Writes copy <paramref name="copy"/> (0-based) of clip <paramref name="index"/> of <paramref name="training"/>.
    /// Must be deterministic (the same copy of the same clip is the same image every epoch).</summary>
    void ReadAugmented(IImageSource training, int index, int copy, Span<float> destination);
}

/// <summary>The parts of a dataset a CNN is trained, early-stopped and tested on.</summary>
/// <param name="Train">Training clips, with their augmented copies after the originals.</param>
/// <param name="Validation">Validation clips (originals only): early stopping, option search, ensemble weights.</param>
/// <param name="Test">Test clips (originals only), or null.</param>
public sealed record CnnSplit(IImageSource Train, IImageSource Validation, IImageSource? Test);

/// <summary>
/// Assembles the training, validation and test sets so that nothing of a validation or test song reaches
/// training: the split comes first (whole groups: an artist's songs stay together), and augmentation is applied
/// afterwards to the training split's clips alone. (The original study augmented the whole dataset and then split
/// it, so copies of test songs were trained on, inflating its accuracy.)
/// </summary>
public static class CnnDataAssembly
{
    /// <summary>Builds the parts from indices into <paramref name="originals"/> (clips as recorded, no augmented copies).</summary>
    /// <exception cref="MmcsException">The parts share a clip, a song or a group.</exception>
    public static CnnSplit Assemble(IImageSource originals, IReadOnlyList<int> train, IReadOnlyList<int> validation,
        IReadOnlyList<int>? test = null, IImageAugmenter? augmenter = null)
    {
        ArgumentNullException.ThrowIfNull(originals);
        if (train.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, "the training split is empty");
        if (validation.Count == 0) throw new MmcsException(ErrorCodes.DataInvalid, "the validation split is empty");
        var parts = new List<(string Name, IReadOnlyList<int> Rows)> { ("training", train), ("validation", validation) };
        if (test != null) parts.Add(("test", test));
        CheckDisjoint(originals, parts);

        IImageSource trainSource = originals.Subset(train);
        if (augmenter is { CopiesPerClip: > 0 })
            trainSource = new AugmentedImageSource(trainSource, augmenter);
        return new CnnSplit(trainSource, originals.Subset(validation), test == null ? null : originals.Subset(test));
    }

    /// <summary>A grouped, stratified hold-out: about <paramref name="validationFraction"/> of the groups (of
    /// <paramref name="rows"/>, or of every clip) validate; the rest, with augmented copies, train.</summary>
    public static CnnSplit HoldOut(IImageSource originals, double validationFraction, int seed,
        IImageAugmenter? augmenter = null, IReadOnlyList<int>? rows = null, IReadOnlyList<int>? test = null)
    {
        var pool = rows?.ToArray() ?? Enumerable.Range(0, originals.Count).ToArray();
        var labels = pool.Select(originals.Label).ToArray();
        var groups = pool.Select(originals.Group).ToArray();
        var (trainLocal, validationLocal) = GroupedHoldOut.Split(labels, groups, validationFraction, seed);
        return Assemble(originals, trainLocal.Select(i => pool[i]).ToArray(), validationLocal.Select(i => pool[i]).ToArray(),
            test, augmenter);
    }

    private static void CheckDisjoint(IImageSource originals, List<(string Name, IReadOnlyList<int> Rows)> parts)
    {
        var rowOwner = new Dictionary<int, string>();
        var songOwner = new Dictionary<string, string>(StringComparer.Ordinal);
        var groupOwner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, rows) in parts)
        {
            foreach (int row in rows)
            {
                ImageSources.CheckIndex(row, originals.Count);
                if (rowOwner.TryGetValue(row, out var other))
                {
                    throw new MmcsException(ErrorCodes.DataInvalid, other == name
                        ? $"clip {row} ('{originals.ItemId(row)}') appears twice in the {name} split"
                        : $"clip {row} ('{originals.ItemId(row)}') is in both the {other} and the {name} split");
                }
                rowOwner[row] = name;
                Claim(songOwner, originals.ItemId(row), name, "song");
                Claim(groupOwner, originals.Group(row), name, "group");
            }
        }
    }

    private static void Claim(Dictionary<string, string> owner, string key, string part, string what)
    {
        if (owner.TryGetValue(key, out var other) && other != part)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{what} '{key}' has clips in both the {other} and the {part} split; split by whole {what}s");
        owner[key] = part;
    }
}

/// <summary>The training clips followed by <see cref="IImageAugmenter.CopiesPerClip"/> augmented copies of each.</summary>
internal sealed class AugmentedImageSource : IImageSource
{
    private readonly IImageSource _training;
    private readonly IImageAugmenter _augmenter;

    public AugmentedImageSource(IImageSource training, IImageAugmenter augmenter)
    {
        _training = training;
        _augmenter = augmenter;
    }

    public ImageKind Kind => _training.Kind;
    public ImageSize Size => _training.Size;
    public IReadOnlyList<string> Labels => _training.Labels;
    public int Count => _training.Count * (1 + _augmenter.CopiesPerClip);

    public int Label(int index) => _training.Label(Origin(index));
    public string Group(int index) => _training.Group(Origin(index));
    public string ItemId(int index) => _training.ItemId(Origin(index));

    public void ReadImage(int index, Span<float> destination)
    {
        ImageSources.CheckIndex(index, Count);
        int n = _training.Count;
        if (index < n) _training.ReadImage(index, destination);
        else _augmenter.ReadAugmented(_training, (index - n) % n, (index - n) / n, destination);
    }

    private int Origin(int index)
    {
        ImageSources.CheckIndex(index, Count);
        return index % _training.Count;
    }
}
