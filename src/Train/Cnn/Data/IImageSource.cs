using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Models;

namespace Mmcs.Train.Cnn.Data;

/// <summary>
/// The 2D images of a set of clips, all of one kind and size, read one clip at a time (so that training streams
/// from disk and its memory does not grow with the dataset). Implementations: <see cref="InMemoryImageSource"/>
/// (tests, small sets), views over another source (<see cref="ImageSourceView"/>), the training set with its
/// augmented copies (<see cref="CnnDataAssembly"/>), and sources backed by the feature cache.
/// Reading is thread-safe: a prefetching reader may read while the trainer computes.
/// </summary>
public interface IImageSource
{
    ImageKind Kind { get; }

    /// <summary>Rows (frequency) × columns (time) of every image.</summary>
    ImageSize Size { get; }

    /// <summary>The class names, in class-index order.</summary>
    IReadOnlyList<string> Labels { get; }

    int Count { get; }

    /// <summary>Class index of clip <paramref name="index"/>.</summary>
    int Label(int index);

    /// <summary>The group of a clip for grouped splits (the artist, or the song when the artist is unknown).</summary>
    string Group(int index);

    /// <summary>The song a clip is (for an augmented copy: the song it was derived from).</summary>
    string ItemId(int index);

    /// <summary>Writes clip <paramref name="index"/>'s image, row-major [rows × cols], into <paramref name="destination"/>.</summary>
    void ReadImage(int index, Span<float> destination);
}

/// <summary>Helpers over image sources.</summary>
public static class ImageSources
{
    /// <summary>Values per image.</summary>
    public static int Pixels(this IImageSource source) => source.Size.Rows * source.Size.Cols;

    /// <summary>Every clip's class index.</summary>
    public static int[] AllLabels(this IImageSource source)
    {
        var labels = new int[source.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = source.Label(i);
        return labels;
    }

    /// <summary>Every clip's group.</summary>
    public static string[] AllGroups(this IImageSource source)
    {
        var groups = new string[source.Count];
        for (int i = 0; i < groups.Length; i++) groups[i] = source.Group(i);
        return groups;
    }

    /// <summary>The clips at <paramref name="indices"/>, in that order.</summary>
    public static IImageSource Subset(this IImageSource source, IReadOnlyList<int> indices) => new ImageSourceView(source, indices);

    /// <summary>Checks that two sources describe the same kind of images with the same labels.</summary>
    public static void CheckCompatible(IImageSource a, IImageSource b, string what)
    {
        if (a.Kind != b.Kind || a.Size != b.Size)
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{what}: {a.Kind} {a.Size.Rows}x{a.Size.Cols} images and {b.Kind} {b.Size.Rows}x{b.Size.Cols} images cannot be mixed");
        if (!a.Labels.SequenceEqual(b.Labels, StringComparer.Ordinal))
            throw new MmcsException(ErrorCodes.DataInvalid,
                $"{what}: labels [{string.Join(", ", a.Labels)}] differ from [{string.Join(", ", b.Labels)}]");
    }

    internal static void CheckIndex(int index, int count)
    {
        if ((uint)index >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index outside 0..{count - 1}");
    }
}

/// <summary>One clip of an <see cref="InMemoryImageSource"/>.</summary>
/// <param name="ItemId">The song.</param>
/// <param name="Group">The split group (artist); null: the song itself.</param>
/// <param name="Label">Class index.</param>
/// <param name="Image">The image at the source's size.</param>
public sealed record ImageItem(string ItemId, string? Group, int Label, FeatureMatrix Image);

/// <summary>Images held in memory (tests and small sets).</summary>
public sealed class InMemoryImageSource : IImageSource
{
    private readonly ImageItem[] _items;

    public InMemoryImageSource(ImageKind kind, ImageSize size, IReadOnlyList<string> labels, IEnumerable<ImageItem> items)
    {
        ArgumentNullException.ThrowIfNull(size);
        ArgumentNullException.ThrowIfNull(labels);
        if (size.Rows <= 0 || size.Cols <= 0)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"image size {size.Rows}x{size.Cols} is not positive");
        if (labels.Count < 2)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "a classifier needs at least 2 labels");
        Kind = kind;
        Size = size;
        Labels = labels.ToArray();
        _items = items.ToArray();
        foreach (var item in _items)
        {
            if (item.Image.Rows != size.Rows || item.Image.Cols != size.Cols)
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"clip '{item.ItemId}': {kind} image is {item.Image.Rows}x{item.Image.Cols}, expected {size.Rows}x{size.Cols}");
            if ((uint)item.Label >= (uint)Labels.Count)
                throw new MmcsException(ErrorCodes.DataInvalid, $"clip '{item.ItemId}': label index {item.Label} outside 0..{Labels.Count - 1}");
        }
    }

    public ImageKind Kind { get; }
    public ImageSize Size { get; }
    public IReadOnlyList<string> Labels { get; }
    public int Count => _items.Length;

    public int Label(int index) => _items[index].Label;

    public string Group(int index) => _items[index].Group ?? _items[index].ItemId;

    public string ItemId(int index) => _items[index].ItemId;

    public void ReadImage(int index, Span<float> destination) => _items[index].Image.Data.AsSpan().CopyTo(destination);
}

/// <summary>Some clips of another source, in a given order.</summary>
public sealed class ImageSourceView : IImageSource
{
    private readonly IImageSource _inner;
    private readonly int[] _indices;

    public ImageSourceView(IImageSource inner, IReadOnlyList<int> indices)
    {
        _inner = inner;
        _indices = indices.ToArray();
        foreach (int i in _indices) ImageSources.CheckIndex(i, inner.Count);
    }

    public ImageKind Kind => _inner.Kind;
    public ImageSize Size => _inner.Size;
    public IReadOnlyList<string> Labels => _inner.Labels;
    public int Count => _indices.Length;

    /// <summary>The index in the underlying source of clip <paramref name="index"/>.</summary>
    public int SourceIndex(int index) => _indices[index];

    public int Label(int index) => _inner.Label(_indices[index]);
    public string Group(int index) => _inner.Group(_indices[index]);
    public string ItemId(int index) => _inner.ItemId(_indices[index]);
    public void ReadImage(int index, Span<float> destination) => _inner.ReadImage(_indices[index], destination);
}

/// <summary>An image source over the images of featurised clips (e.g. for predicting with <see cref="ClipFeatures"/>).</summary>
internal sealed class ClipFeaturesImageSource : IImageSource
{
    private readonly IReadOnlyList<ClipFeatures> _clips;

    public ClipFeaturesImageSource(IReadOnlyList<ClipFeatures> clips, ImageKind kind, ImageSize size, IReadOnlyList<string> labels)
    {
        _clips = clips;
        Kind = kind;
        Size = size;
        Labels = labels;
        for (int i = 0; i < clips.Count; i++)
        {
            var image = Select(clips[i], kind, i);
            if (image.Rows != size.Rows || image.Cols != size.Cols)
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"clip {i}: the {kind} image is {image.Rows}x{image.Cols} but the model was trained on {size.Rows}x{size.Cols}; " +
                    "featurise with the model's image options");
        }
    }

    public ImageKind Kind { get; }
    public ImageSize Size { get; }
    public IReadOnlyList<string> Labels { get; }
    public int Count => _clips.Count;
    public int Label(int index) => 0;
    public string Group(int index) => index.ToString(Invariant.Culture);
    public string ItemId(int index) => index.ToString(Invariant.Culture);
    public void ReadImage(int index, Span<float> destination) => Select(_clips[index], Kind, index).Data.AsSpan().CopyTo(destination);

    internal static FeatureMatrix Select(ClipFeatures clip, ImageKind kind, int index)
    {
        var images = clip.Images ?? throw new MmcsException(ErrorCodes.DataInvalid,
            $"clip {index} has no 2D images; a {kind} CNN needs them (featurise with image options)");
        return kind switch
        {
            ImageKind.Spectrogram => images.SpectrogramDb,
            ImageKind.Mfcc => images.Mfcc,
            ImageKind.Mel => images.MelDb,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }
}
