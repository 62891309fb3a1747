using Mmcs.Featurize;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Bench.Cnn;

/// <summary>
/// Texture windows of a clip image source: clip k's image [rows × cols] gives <see cref="PerClip"/> windows of
/// <paramref name="windowCols"/> columns every <paramref name="hopCols"/> columns (window w of clip k is item
/// k · PerClip + w), each labelled, grouped and named as its clip, so grouped splits keep a song's windows together.
/// </summary>
internal sealed class WindowImageSource : IImageSource
{
    private readonly IImageSource _clips;
    private readonly int _windowCols, _hopCols;

    public WindowImageSource(IImageSource clips, int windowCols, int hopCols)
    {
        if (windowCols < 1 || windowCols > clips.Size.Cols) throw new ArgumentOutOfRangeException(nameof(windowCols), $"{windowCols} columns of {clips.Size.Cols}");
        if (hopCols < 1) throw new ArgumentOutOfRangeException(nameof(hopCols));
        _clips = clips;
        _windowCols = windowCols;
        _hopCols = hopCols;
        PerClip = (clips.Size.Cols - windowCols) / hopCols + 1;
    }

    public int PerClip { get; }

    public ImageKind Kind => _clips.Kind;

    public ImageSize Size => new(_clips.Size.Rows, _windowCols);

    public IReadOnlyList<string> Labels => _clips.Labels;

    public int Count => _clips.Count * PerClip;

    public int Label(int index) => _clips.Label(index / PerClip);

    public string Group(int index) => _clips.Group(index / PerClip);

    public string ItemId(int index) => _clips.ItemId(index / PerClip);

    /// <summary>The windows of some clips, in the clips' order.</summary>
    public int[] WindowsOf(IEnumerable<int> clips) => clips.SelectMany(k => Enumerable.Range(k * PerClip, PerClip)).ToArray();

    /// <summary>Clip probabilities: the mean over each clip's <see cref="PerClip"/> consecutive window rows.</summary>
    public double[][] MeanPerClip(double[][] windows) => windows.Chunk(PerClip)
        .Select(w => Enumerable.Range(0, w[0].Length).Select(c => w.Average(p => p[c])).ToArray()).ToArray();

    public void ReadImage(int index, Span<float> destination)
    {
        int rows = _clips.Size.Rows, cols = _clips.Size.Cols;
        var clip = new float[rows * cols];
        _clips.ReadImage(index / PerClip, clip);
        int start = index % PerClip * _hopCols;
        for (int r = 0; r < rows; r++)
            clip.AsSpan(r * cols + start, _windowCols).CopyTo(destination.Slice(r * _windowCols, _windowCols));
    }
}
