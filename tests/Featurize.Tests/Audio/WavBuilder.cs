using System.Buffers.Binary;
using System.Text;

namespace Mmcs.Featurize.Tests.Audio;

/// <summary>Builds RIFF files chunk by chunk, byte for byte, independently of WavWriter (for malformed cases).</summary>
internal sealed class WavBuilder
{
    private readonly List<(string Id, byte[] Body, bool Pad, uint? SizeOverride)> _chunks = [];

    public uint? RiffSizeOverride { get; set; }

    public string Form { get; set; } = "WAVE";

    public string Magic { get; set; } = "RIFF";

    public WavBuilder Chunk(string id, byte[] body, bool pad = true, uint? sizeOverride = null)
    {
        _chunks.Add((id, body, pad, sizeOverride));
        return this;
    }

    public WavBuilder Fmt(int tag, int channels, int rate, int bits, int? blockAlign = null)
    {
        var b = new byte[16];
        int align = blockAlign ?? channels * ((bits + 7) / 8);
        BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)tag);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), rate);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), rate * align);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(12), (ushort)align);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(14), (ushort)bits);
        return Chunk("fmt ", b);
    }

    public WavBuilder Data(byte[] body, uint? sizeOverride = null) => Chunk("data", body, true, sizeOverride);

    public byte[] Build()
    {
        var ms = new MemoryStream();
        ms.Write(Encoding.ASCII.GetBytes(Magic));
        ms.Write(new byte[4]);
        ms.Write(Encoding.ASCII.GetBytes(Form));
        foreach (var (id, body, pad, sizeOverride) in _chunks)
        {
            ms.Write(Encoding.ASCII.GetBytes(id));
            var size = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(size, sizeOverride ?? (uint)body.Length);
            ms.Write(size);
            ms.Write(body);
            if (pad && (body.Length & 1) == 1) ms.WriteByte(0);
        }
        var bytes = ms.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), RiffSizeOverride ?? (uint)(bytes.Length - 8));
        return bytes;
    }

    public static byte[] Int16s(params short[] v)
    {
        var b = new byte[2 * v.Length];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(2 * i), v[i]);
        return b;
    }
}
