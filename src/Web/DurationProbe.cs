using System.ComponentModel;
using System.Diagnostics;
using Mmcs.Core;
using Mmcs.Featurize.Audio;

namespace Mmcs.Web;

/// <summary>
/// How long an upload plays, read before it is decoded, so that a small compressed file that expands into hours of
/// audio is refused instead of filling memory: WAV from its header, anything else from ffprobe (the container's
/// duration; skipped for MP3s too small to be too long, see <see cref="NeedsProbe"/>). Null when it cannot be told (the decoder then reports what is wrong with the file).
/// </summary>
internal static class DurationProbe
{
    /// <summary>MPEG audio frames carry at least 8 kbit/s (1000 bytes per second), so an MP3 smaller than
    /// <c>maxSeconds</c> × 1000 bytes cannot play longer and needs no probe (most uploads: a 30 s MP3 is ~0.5 MB).</summary>
    public const double MinimumMp3BytesPerSecond = 1000;

    /// <summary>True when the upload might play longer than <paramref name="maxSeconds"/> and must be probed.</summary>
    public static bool NeedsProbe(string format, long bytes, double maxSeconds) =>
        !(format == "mp3" && bytes < maxSeconds * MinimumMp3BytesPerSecond);

    public static double? Seconds(string path, string format, CancellationToken ct)
    {
        if (format == "wav" && WavReader.IsWavFile(path))
        {
            try
            {
                var info = WavReader.ReadInfo(path);
                if (info.SampleRate > 0) return info.DurationSeconds;
            }
            catch (MmcsException)
            {
                return null;
            }
        }
        return Ffprobe(path, ct);
    }

    private static double? Ffprobe(string path, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(FfprobeExecutable())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in new[] { "-v", "error", "-show_entries", "format=duration", "-of", "default=noprint_wrappers=1:nokey=1", "--", path })
            psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (Win32Exception)
        {
            return null; // no ffprobe: the decoder's own limits apply
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            _ = process.StandardError.ReadToEndAsync(ct);
            if (!process.WaitForExit(TimeSpan.FromSeconds(15)) || ct.IsCancellationRequested)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
                ct.ThrowIfCancellationRequested();
                return null;
            }
            string text = stdout.Result.Trim();
            return process.ExitCode == 0 && double.TryParse(text, System.Globalization.NumberStyles.Float, Invariant.Culture, out double s) && s >= 0 && double.IsFinite(s)
                ? s
                : null;
        }
    }

    /// <summary>ffprobe next to the ffmpeg in use ($MMCS_FFMPEG), else on PATH.</summary>
    private static string FfprobeExecutable()
    {
        string ffmpeg = new FfmpegOptions().ExecutablePath;
        string? dir = Path.GetDirectoryName(ffmpeg);
        if (!string.IsNullOrEmpty(dir))
        {
            string candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "ffprobe.exe" : "ffprobe");
            if (File.Exists(candidate)) return candidate;
        }
        return "ffprobe";
    }
}
