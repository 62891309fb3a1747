using System.Text;

namespace Mmcs.Web;

/// <summary>
/// Recognises audio containers by their first bytes (never by the file name): WAV/RF64/Wave64, MP3 (ID3 tag or MPEG
/// frame sync), AAC (ADTS), FLAC, Ogg (Vorbis/Opus), MP4/M4A/3GP, AIFF, Matroska/WebM, ASF/WMA, CAF, AMR, APE,
/// WavPack, AU. Anything else is refused before a decoder sees it; a recognised file that does not decode is reported
/// by the decoder.
/// </summary>
public static class AudioSniffer
{
    /// <summary>Bytes to read for <see cref="Detect"/>.</summary>
    public const int HeaderLength = 64;

    public static readonly string Supported =
        "WAV, MP3, AAC, FLAC, Ogg Vorbis/Opus, M4A/MP4, AIFF, WebM/Matroska, WMA, CAF, AMR, APE, WavPack, AU";

    /// <summary>The format's name, or null when the bytes are not those of a known audio container.</summary>
    public static string? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length < 4) return null;
        if (StartsWith(head, "RIFF") && At(head, 8, "WAVE")) return "wav";
        if (StartsWith(head, "RF64") && At(head, 8, "WAVE")) return "wav";
        if (StartsWith(head, "riff") && At(head, 24, "wave")) return "wav"; // Sony Wave64: GUIDs that begin with the ASCII names
        if (StartsWith(head, "ID3")) return "mp3";
        if (StartsWith(head, "fLaC")) return "flac";
        if (StartsWith(head, "OggS")) return "ogg";
        if (At(head, 4, "ftyp")) return "mp4";
        if (StartsWith(head, "FORM") && (At(head, 8, "AIFF") || At(head, 8, "AIFC"))) return "aiff";
        if (head[0] == 0x1A && head[1] == 0x45 && head[2] == 0xDF && head[3] == 0xA3) return "matroska";
        if (head[0] == 0x30 && head[1] == 0x26 && head[2] == 0xB2 && head[3] == 0x75) return "asf";
        if (StartsWith(head, "caff")) return "caf";
        if (StartsWith(head, "#!AMR")) return "amr";
        if (StartsWith(head, "MAC ")) return "ape";
        if (StartsWith(head, "wvpk")) return "wavpack";
        if (StartsWith(head, ".snd")) return "au";
        return MpegFrame(head);
    }

    /// <summary>Reads the head of a file and detects its format.</summary>
    public static string? Detect(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[HeaderLength];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return Detect(head[..n]);
    }

    /// <summary>An MPEG audio frame header (11 sync bits, a valid layer/version, bit rate and sample rate) or an ADTS header (AAC).</summary>
    private static string? MpegFrame(ReadOnlySpan<byte> h)
    {
        if (h[0] != 0xFF || (h[1] & 0xE0) != 0xE0) return null;
        int version = (h[1] >> 3) & 0x3; // 01 is reserved
        int layer = (h[1] >> 1) & 0x3;
        if (layer == 0)
        {
            // ADTS (AAC): sync 0xFFF, layer 00; sampling index 13-15 are invalid
            return (h[1] & 0xF6) == 0xF0 && ((h[2] >> 2) & 0xF) < 13 ? "aac" : null;
        }
        int bitrate = (h[2] >> 4) & 0xF;
        int sampleRate = (h[2] >> 2) & 0x3;
        return version != 1 && bitrate != 0xF && sampleRate != 0x3 ? "mp3" : null;
    }

    private static bool StartsWith(ReadOnlySpan<byte> head, string ascii) => At(head, 0, ascii);

    private static bool At(ReadOnlySpan<byte> head, int offset, string ascii)
    {
        if (head.Length < offset + ascii.Length) return false;
        Span<byte> expected = stackalloc byte[ascii.Length];
        Encoding.ASCII.GetBytes(ascii, expected);
        return head.Slice(offset, ascii.Length).SequenceEqual(expected);
    }
}
