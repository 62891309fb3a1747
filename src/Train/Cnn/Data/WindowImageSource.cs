using System.Buffers;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Models;

namespace Mmcs.Train.Cnn.Data;

/// <summary>
/// Texture windows of a source of clip images: clip k's image [rows × cols] gives <see cref="PerClip"/> windows of
/// <see cref="WindowCols"/> columns every <see cref="HopCols"/> columns (window w of clip k is item k · PerClip + w;
/// columns past the last whole window are not used). Each window carries its clip's label, group and song, so grouped
/// splits keep a song's windows together. A CNN trained on the windows scores a clip by the mean over its windows
/// (<see cref="MeanPerClip"/>), as the tabular models do with texture windows.
/// </summary>
public sealed class WindowImageSource : IImageSource
{
    private readonly IImageSource _clips;

    public WindowImageSource(IImageSource clips, int windowCols, int hopCols)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (windowCols < 1 || windowCols > clips.Size.Cols)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"a window of {windowCols} columns does not fit images of {clips.Size.Cols} columns");
        if (hopCols < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"the window hop must be at least 1 column, got {hopCols}");
        _clips = clips;
        WindowCols = windowCols;
        HopCols = hopCols;
        PerClip = (clips.Size.Cols - windowCols) / hopCols + 1;
    }

    public int WindowCols { get; }

    public int HopCols { get; }

    /// <summary>Windows per clip.</summary>
    public int PerClip { get; }

    public ImageKind Kind => _clips.Kind;

    public ImageSize Size => new(_clips.Size.Rows, WindowCols);

    public IReadOnlyList<string> Labels => _clips.Labels;

    public int Count => _clips.Count * PerClip;

    public int Label(int index) => _clips.Label(Clip(index));

    public string Group(int index) => _clips.Group(Clip(index));

    public string ItemId(int index) => _clips.ItemId(Clip(index));

    private int Clip(int index)
    {
        ImageSources.CheckIndex(index, Count);
        return index / PerClip;
    }

    /// <summary>The windows of some clips (indices into the clip source), clip by clip.</summary>
    public int[] WindowsOf(IEnumerable<int> clips) => clips.SelectMany(k => Enumerable.Range(k * PerClip, PerClip)).ToArray();

    /// <summary>Clip probabilities from window probabilities given clip by clip (as <see cref="WindowsOf"/> orders
    /// them): the mean over each run of <see cref="PerClip"/> rows.</summary>
    public double[][] MeanPerClip(IReadOnlyList<double[]> windows) => ProbabilityRuns.Mean(windows, PerClip);

    public void ReadImage(int index, Span<float> destination)
    {
        int rows = _clips.Size.Rows, cols = _clips.Size.Cols;
        // the whole clip image, read again for each of its windows, into a pooled buffer (a clip's image is usually
        // large enough for the large-object heap, and this runs for every window of every epoch)
        var clip = ArrayPool<float>.Shared.Rent(rows * cols);
        try
        {
            _clips.ReadImage(Clip(index), clip.AsSpan(0, rows * cols));
            int start = index % PerClip * HopCols;
            for (int r = 0; r < rows; r++)
                clip.AsSpan(r * cols + start, WindowCols).CopyTo(destination.Slice(r * WindowCols, WindowCols));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(clip);
        }
    }
}
