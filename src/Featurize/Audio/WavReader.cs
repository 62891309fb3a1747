using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Mmcs.Featurize.Audio;

/// <summary>How the samples of a WAV file are stored.</summary>
public enum WavEncoding
{
    /// <summary>8-bit unsigned integer PCM (128 = silence).</summary>
    Pcm8,

    /// <summary>16-bit signed little-endian PCM.</summary>
    Pcm16,

    /// <summary>24-bit signed little-endian PCM (3-byte container).</summary>
    Pcm24,

    /// <summary>32-bit signed little-endian PCM.</summary>
    Pcm32,

    /// <summary>32-bit IEEE float.</summary>
    Float32,

    /// <summary>64-bit IEEE float.</summary>
    Float64,
}

/// <summary>What the header of a WAV file says, after the tolerances of <see cref="WavReader"/>.</summary>
/// <param name="FormatTag">The wave format tag (1 PCM, 3 IEEE float; for WAVE_FORMAT_EXTENSIBLE the sub-format's tag).</param>
/// <param name="Encoding">The sample encoding, or null when <see cref="WavReader"/> cannot decode it natively (ADPCM, A-law...).</param>
/// <param name="Channels">Interleaved channels.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="BitsPerSample">Significant bits per sample (wValidBitsPerSample when extensible).</param>
/// <param name="BlockAlign">Bytes per frame.</param>
/// <param name="Extensible">Whether the fmt chunk is WAVE_FORMAT_EXTENSIBLE.</param>
/// <param name="DataOffset">File offset of the first sample byte.</param>
/// <param name="DataBytes">Usable bytes of sample data (whole frames that are present in the file).</param>
/// <param name="DataTruncated">The data chunk claims more bytes than the file holds (a cut file); the frames present are read.</param>
public sealed record WavInfo(
    int FormatTag,
    WavEncoding? Encoding,
    int Channels,
    int SampleRate,
    int BitsPerSample,
    int BlockAlign,
    bool Extensible,
    long DataOffset,
    long DataBytes,
    bool DataTruncated)
{
    /// <summary>Frames (samples per channel) in the file.</summary>
    public long Frames => BlockAlign > 0 ? DataBytes / BlockAlign : 0;

    public double DurationSeconds => (double)Frames / SampleRate;

    /// <summary>Whether <see cref="WavReader"/> can decode the samples itself.</summary>
    public bool IsSupported => Encoding != null;
}

/// <summary>
/// Native reader of RIFF/WAVE (and RF64) files to float samples, the way librosa/soundfile read them:
/// integer PCM divided by 2^(bits-1) (int16 / 32768), 8-bit unsigned centred at 128, IEEE float as it is.
/// Reads PCM 8/16/24/32-bit and float 32/64, any channel count and sample rate, WAVE_FORMAT_EXTENSIBLE.
/// Tolerances: unknown chunks are skipped (odd sizes padded to even, and also files whose writer forgot the
/// pad byte); the RIFF size is not trusted (the file's length is); a data size of 0xFFFFFFFF, or 0 with
/// samples after it (streaming writers), means "to the end of the file"; a data chunk that claims more
/// bytes than the file holds (a cut file) yields the whole frames that are there (<see cref="WavInfo.DataTruncated"/>).
/// Errors are typed: <see cref="AudioInvalidException"/> (empty, not a WAV, no samples),
/// <see cref="AudioDecodeException"/> (corrupt or cut header, unsupported encoding), naming the file.
/// </summary>
public static class WavReader
{
    private const int WaveFormatPcm = 1;
    private const int WaveFormatIeeeFloat = 3;
    private const int WaveFormatExtensible = 0xFFFE;

    /// <summary>Whether the first bytes are a RIFF/RF64 WAVE header (RIFX, big-endian, excluded).</summary>
    public static bool LooksLikeWav(ReadOnlySpan<byte> head) =>
        head.Length >= 12
        && (head[..4].SequenceEqual("RIFF"u8) || head[..4].SequenceEqual("RF64"u8))
        && head.Slice(8, 4).SequenceEqual("WAVE"u8);

    /// <summary>Whether the file starts with a RIFF/RF64 WAVE header.</summary>
    public static bool IsWavFile(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            Span<byte> head = stackalloc byte[12];
            int n = fs.ReadAtLeast(head, 12, throwOnEndOfStream: false);
            return LooksLikeWav(head[..n]);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Reads the header of a WAV file.</summary>
    public static WavInfo ReadInfo(string path)
    {
        using var fs = Open(path);
        return ReadInfo(fs, path);
    }

    /// <summary>Reads the header of a WAV stream (which must be seekable); <paramref name="source"/> names it in errors.</summary>
    public static WavInfo ReadInfo(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek) throw new ArgumentException("the stream must be seekable", nameof(stream));
        return ParseHeader(stream, source);
    }

    /// <summary>Reads a WAV file: all frames, or <paramref name="maxFrames"/> frames from <paramref name="startFrame"/>
    /// (fewer when the file ends first; a negative <paramref name="maxFrames"/> means to the end).</summary>
    public static PcmAudio Read(string path, long startFrame = 0, long maxFrames = -1)
    {
        using var fs = Open(path);
        return Read(fs, path, startFrame, maxFrames);
    }

    /// <summary>Reads a WAV stream; see <see cref="Read(string, long, long)"/>.</summary>
    public static PcmAudio Read(Stream stream, string source, long startFrame = 0, long maxFrames = -1)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(startFrame);
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        var info = ParseHeader(stream, source);
        if (info.Encoding is not WavEncoding encoding)
            throw new AudioDecodeException(source, $"unsupported WAV encoding (format tag 0x{info.FormatTag:X4}, {FormatTagName(info.FormatTag)}); only PCM 8/16/24/32-bit and IEEE float 32/64 are read natively");
        if (info.Frames == 0)
            throw new AudioInvalidException(source, "the WAV file has no audio samples (empty data chunk)");
        long first = Math.Min(startFrame, info.Frames);
        long count = info.Frames - first;
        if (maxFrames >= 0) count = Math.Min(count, maxFrames);
        long total = count * info.Channels;
        if (total > Array.MaxLength)
            throw new AudioInvalidException(source, $"too long to read at once ({count} frames of {info.Channels} channels)");
        var samples = new float[total];
        stream.Position = info.DataOffset + first * info.BlockAlign;
        int framesPerBuffer = Math.Max(1, (1 << 16) / info.BlockAlign);
        var buffer = new byte[framesPerBuffer * info.BlockAlign];
        long done = 0;
        while (done < count)
        {
            int frames = (int)Math.Min(framesPerBuffer, count - done);
            int want = frames * info.BlockAlign;
            int got = stream.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (got < want)
                throw new AudioDecodeException(source, $"the file ended while reading samples (at byte {stream.Position})");
            Convert(buffer.AsSpan(0, want), encoding, samples.AsSpan((int)(done * info.Channels), frames * info.Channels));
            done += frames;
        }
        return new PcmAudio(samples, info.Channels, info.SampleRate, source);
    }

    private static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new AudioFileNotFoundException(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new AudioInvalidException(path, "cannot be opened (permission denied)", e);
        }
        catch (IOException e)
        {
            throw new AudioDecodeException(path, "cannot be read: " + e.Message, e);
        }
    }

    /// <summary>Converts whole frames of little-endian sample bytes to floats.</summary>
    internal static void Convert(ReadOnlySpan<byte> bytes, WavEncoding encoding, Span<float> dst)
    {
        int n = dst.Length;
        switch (encoding)
        {
            case WavEncoding.Pcm8:
                for (int i = 0; i < n; i++) dst[i] = (bytes[i] - 128) * (1f / 128f);
                break;
            case WavEncoding.Pcm16 when BitConverter.IsLittleEndian:
            {
                var s = MemoryMarshal.Cast<byte, short>(bytes[..(2 * n)]);
                for (int i = 0; i < n; i++) dst[i] = s[i] * (1f / 32768f);
                break;
            }
            case WavEncoding.Pcm16:
                for (int i = 0; i < n; i++)
                    dst[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(2 * i)) * (1f / 32768f);
                break;
            case WavEncoding.Pcm24:
                for (int i = 0; i < n; i++)
                {
                    int o = 3 * i;
                    int v = (bytes[o] << 8) | (bytes[o + 1] << 16) | (bytes[o + 2] << 24);
                    dst[i] = (v >> 8) * (1f / 8388608f);
                }
                break;
            case WavEncoding.Pcm32:
                for (int i = 0; i < n; i++)
                    dst[i] = (float)(BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(4 * i)) * (1.0 / 2147483648.0));
                break;
            case WavEncoding.Float32 when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(bytes[..(4 * n)]).CopyTo(dst);
                break;
            case WavEncoding.Float32:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i));
                break;
            case WavEncoding.Float64:
                for (int i = 0; i < n; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(8 * i));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(encoding));
        }
    }

    private static WavInfo ParseHeader(Stream s, string source)
    {
        long fileLength = s.Length;
        if (fileLength == 0) throw new AudioInvalidException(source, "the file is empty (0 bytes)");
        s.Position = 0;
        Span<byte> head = stackalloc byte[12];
        int n = s.ReadAtLeast(head, 12, throwOnEndOfStream: false);
        head = head[..n];
        bool riff = n >= 4 && head[..4].SequenceEqual("RIFF"u8);
        bool rf64 = n >= 4 && head[..4].SequenceEqual("RF64"u8);
        if (n >= 4 && head[..4].SequenceEqual("RIFX"u8))
            throw new AudioDecodeException(source, "big-endian RIFX WAV files are not read natively");
        if (!riff && !rf64) throw new AudioInvalidException(source, "not a WAV file (no RIFF header)");
        if (n < 12) throw new AudioDecodeException(source, $"corrupt WAV: the file ends inside the RIFF header ({fileLength} bytes)");
        if (!head.Slice(8, 4).SequenceEqual("WAVE"u8))
            throw new AudioInvalidException(source, $"a RIFF file but not WAVE audio (form type '{Ascii(head.Slice(8, 4))}')");

        long pos = 12;
        long? rf64DataSize = null;
        bool haveFmt = false;
        int tag = 0, channels = 0, rate = 0, bits = 0, blockAlign = 0;
        bool extensible = false;
        long dataOffset = -1, dataBytes = 0;
        bool truncated = false;
        Span<byte> ch = stackalloc byte[8];
        Span<byte> fmt = stackalloc byte[40];
        Span<byte> ds64 = stackalloc byte[16];
        while (pos + 8 <= fileLength)
        {
            s.Position = pos;
            s.ReadExactly(ch);
            if (!IsChunkId(ch[..4]))
            {
                if (haveFmt && dataOffset >= 0) break; // trailing junk after the audio
                throw new AudioDecodeException(source, $"corrupt WAV: invalid chunk header at byte {pos}");
            }
            string id = Ascii(ch[..4]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(ch[4..]);
            long body = pos + 8;
            if (id == "ds64" && rf64)
            {
                if (body + 16 > fileLength) throw new AudioDecodeException(source, "corrupt RF64: the ds64 chunk is cut");
                s.ReadExactly(ds64);
                rf64DataSize = BinaryPrimitives.ReadInt64LittleEndian(ds64[8..]);
            }
            else if (id == "fmt ")
            {
                if (size < 16) throw new AudioDecodeException(source, $"corrupt WAV: the fmt chunk has {size} bytes, at least 16 needed");
                int len = (int)Math.Min(size, 40);
                if (body + len > fileLength) throw new AudioDecodeException(source, "corrupt WAV: the file ends inside the fmt chunk");
                s.ReadExactly(fmt[..len]);
                tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(fmt[4..]);
                blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
                if (tag == WaveFormatExtensible)
                {
                    if (len < 40) throw new AudioDecodeException(source, $"corrupt WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk of {size} bytes, 40 needed");
                    extensible = true;
                    int valid = BinaryPrimitives.ReadUInt16LittleEndian(fmt[18..]);
                    tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
                    if (valid > 0 && valid <= bits) bits = valid;
                }
                if (channels <= 0) throw new AudioDecodeException(source, "corrupt WAV: the fmt chunk says 0 channels");
                if (rate <= 0) throw new AudioDecodeException(source, $"corrupt WAV: the fmt chunk says a sample rate of {rate}");
                if (bits <= 0 && tag is WaveFormatPcm or WaveFormatIeeeFloat)
                    throw new AudioDecodeException(source, "corrupt WAV: the fmt chunk says 0 bits per sample");
                haveFmt = true;
            }
            else if (id == "data")
            {
                dataOffset = body;
                long available = fileLength - body;
                long declared = size;
                if (size == 0xFFFFFFFF) declared = rf64DataSize ?? available;
                else if (size == 0 && available >= 8 && !NextIsChunk(s, body, fileLength)) declared = available;
                if (declared > available)
                {
                    truncated = true;
                    declared = available;
                }
                dataBytes = declared;
                if (haveFmt) break;
                size = declared; // keep scanning for a fmt chunk that follows the data
            }
            long next = body + size;
            if ((size & 1) == 1)
            {
                // Chunks are padded to even sizes; some writers forget the pad byte.
                if (next + 1 + 8 <= fileLength && ChunkIdAt(s, next + 1)) next++;
                else if (!(next + 8 <= fileLength && ChunkIdAt(s, next))) next++;
            }
            pos = next;
        }
        if (!haveFmt) throw new AudioDecodeException(source, dataOffset >= 0 ? "corrupt WAV: no fmt chunk" : "corrupt WAV: no fmt chunk and no data chunk (cut or damaged header)");
        if (dataOffset < 0) throw new AudioDecodeException(source, "corrupt WAV: no data chunk (cut or damaged file)");

        WavEncoding? encoding = null;
        int container = 0;
        if (tag == WaveFormatPcm)
        {
            container = blockAlign > 0 && blockAlign % channels == 0 ? blockAlign / channels : (bits + 7) / 8;
            encoding = container switch
            {
                1 => WavEncoding.Pcm8,
                2 => WavEncoding.Pcm16,
                3 => WavEncoding.Pcm24,
                4 => WavEncoding.Pcm32,
                _ => null,
            };
            if (encoding != null && (bits + 7) / 8 > container)
                throw new AudioDecodeException(source, $"corrupt WAV: {bits}-bit samples do not fit {container}-byte frames");
        }
        else if (tag == WaveFormatIeeeFloat)
        {
            container = bits == 64 ? 8 : bits == 32 ? 4 : 0;
            encoding = container switch { 4 => WavEncoding.Float32, 8 => WavEncoding.Float64, _ => null };
        }
        if (encoding != null) blockAlign = container * channels; // narrower samples are left-justified in their container
        long usable = blockAlign > 0 ? dataBytes / blockAlign * blockAlign : dataBytes;
        return new WavInfo(tag, encoding, channels, rate, bits, blockAlign, extensible, dataOffset, usable, truncated);
    }

    private static bool NextIsChunk(Stream s, long at, long fileLength) => at + 8 <= fileLength && ChunkIdAt(s, at);

    private static bool ChunkIdAt(Stream s, long at)
    {
        long keep = s.Position;
        Span<byte> id = stackalloc byte[4];
        s.Position = at;
        int n = s.ReadAtLeast(id, 4, throwOnEndOfStream: false);
        s.Position = keep;
        return n == 4 && IsChunkId(id);
    }

    private static bool IsChunkId(ReadOnlySpan<byte> id)
    {
        foreach (byte b in id)
        {
            if (b < 0x20 || b > 0x7E) return false;
        }
        return true;
    }

    private static string Ascii(ReadOnlySpan<byte> b) => Encoding.ASCII.GetString(b);

    private static string FormatTagName(int tag) => tag switch
    {
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MPEG layer 3",
        WaveFormatPcm => "PCM of an unsupported width",
        WaveFormatIeeeFloat => "IEEE float of an unsupported width",
        _ => "unknown",
    };
}
