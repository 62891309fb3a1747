using Mmcs.Featurize;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Features;
using SkiaSharp;

namespace Mmcs.Web;

/// <summary>
/// The mel spectrogram of a whole song as a PNG for the upload page: the model's mel settings (sample rate, n_fft,
/// n_mels), power in dB (80 dB range below the loudest cell), low frequencies at the bottom, magma colours, at most
/// <see cref="MaxColumns"/> frames across (the hop grows for long songs so the picture and its cost stay bounded).
/// </summary>
public static class MelImage
{
    public const int MaxColumns = 1000;
    public const double RangeDb = 80;

    private static readonly uint[] Palette = BuildPalette();

    /// <summary>PNG bytes of the song's mel spectrogram.</summary>
    public static byte[] Png(string path, FeaturizerOptions featurizer, CancellationToken cancellationToken = default)
    {
        var loader = new AudioLoader(featurizer with { PadShortClips = true });
        var signal = loader.Load(path, cancellationToken);
        return Png(signal, featurizer);
    }

    public static byte[] Png(AudioSignal signal, FeaturizerOptions featurizer)
    {
        int hop = Math.Max(featurizer.HopLength, (int)Math.Ceiling(signal.Samples.Length / (double)MaxColumns));
        var mel = new MelSpectrogram(new MelOptions
        {
            SampleRate = featurizer.SampleRate,
            NFft = featurizer.NFft,
            HopLength = hop,
            NMels = featurizer.NMels,
        }).Compute(signal);
        var db = Decibels.PowerToDb(mel);
        float top = float.NegativeInfinity;
        foreach (float v in db.Data) top = Math.Max(top, v);
        float floor = top - (float)RangeDb;
        int rows = db.Rows, cols = db.Cols;
        using var bitmap = new SKBitmap(new SKImageInfo(cols, rows, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = new uint[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            int y = rows - 1 - r; // row 0 (lowest band) at the bottom
            for (int c = 0; c < cols; c++)
            {
                float v = db[r, c];
                double t = top > floor ? Math.Clamp((v - floor) / (top - floor), 0, 1) : 0;
                pixels[y * cols + c] = Palette[(int)Math.Round(t * (Palette.Length - 1))];
            }
        }
        System.Runtime.InteropServices.Marshal.Copy(System.Runtime.InteropServices.MemoryMarshal.Cast<uint, int>(pixels).ToArray(), 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static string DataUrl(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    /// <summary>256 RGBA colours (little-endian R, G, B, A bytes) of ScottPlot's Magma map.</summary>
    private static uint[] BuildPalette()
    {
        var map = new ScottPlot.Colormaps.Magma();
        var palette = new uint[256];
        for (int i = 0; i < palette.Length; i++)
        {
            var color = map.GetColor(i / 255.0);
            palette[i] = color.R | ((uint)color.G << 8) | ((uint)color.B << 16) | 0xFF000000u;
        }
        return palette;
    }
}
