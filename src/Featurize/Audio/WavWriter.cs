using System.Buffers.Binary;

namespace Mmcs.Featurize.Audio;

/// <summary>
/// Writes RIFF/WAVE files: integer PCM 8/16/24/32-bit (samples scaled by 2^(bits-1), rounded, clipped;
/// NaN written as 0) or IEEE float 32/64 (written as they are, NaN included), plain or WAVE_FORMAT_EXTENSIBLE.
/// A file path is written to a temporary file that is renamed into place, so readers never see half a file.
/// </summary>
public static class WavWriter
{
    private static readonly byte[] SubFormatTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>Writes decoded audio to a file.</summary>
    public static void Write(string path, PcmAudio audio, WavEncoding encoding = WavEncoding.Pcm16, bool extensible = false)
    {
        ArgumentNullException.ThrowIfNull(audio);
        Write(path, audio.Samples, audio.Channels, audio.SampleRate, encoding, extensible);
    }

    /// <summary>Writes mono audio to a file.</summary>
    public static void Write(string path, AudioSignal signal, WavEncoding encoding = WavEncoding.Pcm16)
    {
        ArgumentNullException.ThrowIfNull(signal);
        Write(path, signal.Samples, 1, signal.SampleRate, encoding);
    }

    /// <summary>Writes interleaved samples to a file (temporary file + rename).</summary>
    public static void Write(string path, ReadOnlySpan<float> interleaved, int channels, int sampleRate,
        WavEncoding encoding = WavEncoding.Pcm16, bool extensible = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string tmp = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(fs, interleaved, channels, sampleRate, encoding, extensible);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>The bytes of a WAV file holding the samples.</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> interleaved, int channels, int sampleRate,
        WavEncoding encoding = WavEncoding.Pcm16, bool extensible = false)
    {
        var ms = new MemoryStream();
        Write(ms, interleaved, channels, sampleRate, encoding, extensible);
        return ms.ToArray();
    }

    /// <summary>Writes a WAV file to a stream.</summary>
    public static void Write(Stream stream, ReadOnlySpan<float> interleaved, int channels, int sampleRate,
        WavEncoding encoding = WavEncoding.Pcm16, bool extensible = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(channels, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"{interleaved.Length} samples are not a whole number of {channels}-channel frames", nameof(interleaved));
        int width = BytesPerSample(encoding);
        bool isFloat = encoding is WavEncoding.Float32 or WavEncoding.Float64;
        long dataBytes = (long)interleaved.Length * width;
        if (dataBytes > uint.MaxValue - 100) throw new ArgumentException("too many samples for a RIFF file", nameof(interleaved));
        int fmtSize = extensible ? 40 : isFloat ? 18 : 16;
        long riffSize = 4 + (8 + fmtSize) + (8 + dataBytes) + (dataBytes & 1);

        Span<byte> h = stackalloc byte[12 + 8 + 40 + 8];
        h.Clear();
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)riffSize);
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], fmtSize);
        var f = h[20..];
        int tag = isFloat ? 3 : 1;
        BinaryPrimitives.WriteUInt16LittleEndian(f, (ushort)(extensible ? 0xFFFE : tag));
        BinaryPrimitives.WriteUInt16LittleEndian(f[2..], (ushort)channels);
        BinaryPrimitives.WriteInt32LittleEndian(f[4..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(f[8..], sampleRate * channels * width);
        BinaryPrimitives.WriteUInt16LittleEndian(f[12..], (ushort)(channels * width));
        BinaryPrimitives.WriteUInt16LittleEndian(f[14..], (ushort)(8 * width));
        if (fmtSize >= 18) BinaryPrimitives.WriteUInt16LittleEndian(f[16..], (ushort)(extensible ? 22 : 0));
        if (extensible)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(f[18..], (ushort)(8 * width));
            uint mask = channels switch { 1 => 0x4u, 2 => 0x3u, _ => channels >= 32 ? 0u : (1u << channels) - 1 };
            BinaryPrimitives.WriteUInt32LittleEndian(f[20..], mask);
            BinaryPrimitives.WriteUInt16LittleEndian(f[24..], (ushort)tag);
            SubFormatTail.CopyTo(f[26..]);
        }
        var d = h[(20 + fmtSize)..];
        "data"u8.CopyTo(d);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], (uint)dataBytes);
        stream.Write(h[..(28 + fmtSize)]);

        var buffer = new byte[Math.Min(1 << 16, Math.Max(width, interleaved.Length * width)) / width * width];
        int per = buffer.Length / width;
        for (int start = 0; start < interleaved.Length; start += per)
        {
            int n = Math.Min(per, interleaved.Length - start);
            Encode(interleaved.Slice(start, n), encoding, buffer);
            stream.Write(buffer, 0, n * width);
        }
        if ((dataBytes & 1) == 1) stream.WriteByte(0);
    }

    /// <summary>Bytes one sample takes.</summary>
    public static int BytesPerSample(WavEncoding encoding) => encoding switch
    {
        WavEncoding.Pcm8 => 1,
        WavEncoding.Pcm16 => 2,
        WavEncoding.Pcm24 => 3,
        WavEncoding.Pcm32 => 4,
        WavEncoding.Float32 => 4,
        WavEncoding.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
    };

    private static void Encode(ReadOnlySpan<float> x, WavEncoding encoding, Span<byte> dst)
    {
        switch (encoding)
        {
            case WavEncoding.Pcm8:
                for (int i = 0; i < x.Length; i++) dst[i] = (byte)(Quantize(x[i], 8) + 128);
                break;
            case WavEncoding.Pcm16:
                for (int i = 0; i < x.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(dst[(2 * i)..], (short)Quantize(x[i], 16));
                break;
            case WavEncoding.Pcm24:
                for (int i = 0; i < x.Length; i++)
                {
                    int v = (int)Quantize(x[i], 24);
                    dst[3 * i] = (byte)v;
                    dst[3 * i + 1] = (byte)(v >> 8);
                    dst[3 * i + 2] = (byte)(v >> 16);
                }
                break;
            case WavEncoding.Pcm32:
                for (int i = 0; i < x.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(dst[(4 * i)..], (int)Quantize(x[i], 32));
                break;
            case WavEncoding.Float32:
                for (int i = 0; i < x.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], x[i]);
                break;
            case WavEncoding.Float64:
                for (int i = 0; i < x.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(dst[(8 * i)..], x[i]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(encoding));
        }
    }

    /// <summary>round(x * 2^(bits-1)) clipped to the signed range; NaN is 0.</summary>
    private static long Quantize(float x, int bits)
    {
        if (float.IsNaN(x)) return 0;
        double full = 1L << (bits - 1);
        double v = Math.Round(x * full, MidpointRounding.ToEven);
        if (v >= full) return (long)full - 1;
        if (v < -full) return -(long)full;
        return (long)v;
    }
}
