using System.Diagnostics;
using Mmcs.Featurize.Audio;

namespace Mmcs.Featurize.Tests.Audio;

/// <summary>Synthetic audio files made in tests: a WAV written here, encoded by running ffmpeg on it.</summary>
internal static class FfmpegTestFiles
{
    /// <summary>Interleaved test tones: channel c is a sine of 440·(c+1) Hz at amplitude 0.4.</summary>
    public static float[] Tones(int rate, int channels, double seconds)
    {
        int frames = (int)Math.Round(rate * seconds);
        var x = new float[frames * channels];
        for (int f = 0; f < frames; f++)
        {
            for (int c = 0; c < channels; c++)
                x[f * channels + c] = (float)(0.4 * Math.Sin(2 * Math.PI * 440 * (c + 1) * f / rate));
        }
        return x;
    }

    /// <summary>Writes a 16-bit WAV of <paramref name="samples"/> and encodes it with ffmpeg to <paramref name="name"/>
    /// (codec chosen by the extension: .mp3, .ogg, .flac, .m4a, .opus).</summary>
    public static string Encode(TempDir dir, string name, float[] samples, int channels, int rate)
    {
        string wav = dir.File(Path.Combine(".src", Guid.NewGuid().ToString("N")[..8] + ".wav")); // hidden: not part of a dataset
        Directory.CreateDirectory(Path.GetDirectoryName(dir.File(name))!);
        WavWriter.Write(wav, samples, channels, rate, WavEncoding.Pcm16);
        string target = dir.File(name);
        string[] codec = Path.GetExtension(name) switch
        {
            ".mp3" => ["-c:a", "libmp3lame", "-b:a", "128k"],
            ".ogg" => ["-c:a", "libvorbis", "-q:a", "5"],
            ".flac" => ["-c:a", "flac"],
            ".m4a" => ["-c:a", "aac", "-b:a", "128k"],
            ".opus" => ["-c:a", "libopus"],
            _ => [],
        };
        Run(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", wav, .. codec, target]);
        return target;
    }

    public static void Run(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("ffmpeg failed: " + err);
    }

    private static readonly Lazy<bool> Available = new(() => new FfmpegDecoder().IsAvailable());

    /// <summary>Whether ffmpeg is installed (tests that need it fail with a clear message otherwise).</summary>
    public static void RequireFfmpeg() =>
        Assert.True(Available.Value, "ffmpeg is not installed: these tests need it (apt-get install ffmpeg)");

    /// <summary>Amplitude of the component at <paramref name="freq"/> (least-squares fit over the middle half).</summary>
    public static double Amplitude(float[] y, double freq, int rate)
    {
        int a = y.Length / 4, b = 3 * y.Length / 4;
        double ss = 0, sc = 0, cc = 0, ys = 0, yc = 0;
        for (int i = a; i < b; i++)
        {
            double w = 2 * Math.PI * freq * i / rate;
            double s = Math.Sin(w), c = Math.Cos(w);
            ss += s * s; sc += s * c; cc += c * c; ys += y[i] * s; yc += y[i] * c;
        }
        double det = ss * cc - sc * sc;
        double ka = (ys * cc - yc * sc) / det, kb = (yc * ss - ys * sc) / det;
        return Math.Sqrt(ka * ka + kb * kb);
    }
}
