using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Mmcs.Core;

namespace Mmcs.Featurize.Storage;

/// <summary>A .npy file that cannot be read (bad magic, unsupported dtype or order, truncated data).</summary>
public sealed class NpyFormatException : MmcsException
{
    public NpyFormatException(string message)
        : base(ErrorCodes.DataInvalid, message)
    {
    }
}

/// <summary>The contents of a .npy file: dtype, shape and data (float[], double[] or long[]), C order.</summary>
public sealed record NpyArray(string Descr, int[] Shape, Array Data)
{
    /// <summary>Number of elements (1 for a 0-d array).</summary>
    public int Count => Data.Length;

    /// <summary>The data converted to double.</summary>
    public double[] ToDoubles() => Data switch
    {
        double[] d => (double[])d.Clone(),
        float[] f => Array.ConvertAll(f, v => (double)v),
        long[] l => Array.ConvertAll(l, v => (double)v),
        _ => throw new InvalidOperationException("unsupported npy data"),
    };

    /// <summary>The data converted to float.</summary>
    public float[] ToFloats() => Data switch
    {
        float[] f => (float[])f.Clone(),
        double[] d => Array.ConvertAll(d, v => (float)v),
        long[] l => Array.ConvertAll(l, v => (float)v),
        _ => throw new InvalidOperationException("unsupported npy data"),
    };
}

/// <summary>
/// Reader and writer of NumPy's .npy format (versions 1.0-3.0 read, 1.0 written): little-endian float32
/// ('&lt;f4'), float64 ('&lt;f8') and int64 ('&lt;i8'), C order (Fortran-ordered 2-D arrays are read and returned in C order), any rank on read (0-d, 1-D and 2-D written).
/// Files written here load with numpy.load. Writes go to a temporary file that is renamed into place.
/// </summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a .npy file.</summary>
    public static NpyArray Read(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return Read(fs, path);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new NpyFormatException($"{path}: no such .npy file");
        }
    }

    /// <summary>Reads a .npy stream; <paramref name="name"/> names it in error messages.</summary>
    public static NpyArray Read(Stream stream, string name = "npy stream")
    {
        Span<byte> head = stackalloc byte[12];
        ReadExactly(stream, head[..8], name);
        if (!head[..6].SequenceEqual(Magic))
            throw new NpyFormatException($"{name}: not a .npy file (bad magic)");
        byte major = head[6];
        int headerLen;
        if (major == 1)
        {
            ReadExactly(stream, head.Slice(8, 2), name);
            headerLen = BinaryPrimitives.ReadUInt16LittleEndian(head.Slice(8, 2));
        }
        else if (major is 2 or 3)
        {
            ReadExactly(stream, head.Slice(8, 4), name);
            headerLen = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(head.Slice(8, 4)));
        }
        else
        {
            throw new NpyFormatException($"{name}: unsupported .npy version {major}.{head[7]}");
        }

        var headerBytes = new byte[headerLen];
        ReadExactly(stream, headerBytes, name);
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        string descr = ParseString(header, "descr", name);
        bool fortran = ParseBool(header, "fortran_order", name);
        int[] shape = ParseShape(header, name);
        if (fortran && shape.Length > 2 && shape.Count(d => d > 1) > 1)
            throw new NpyFormatException($"{name}: Fortran-ordered arrays of rank > 2 are not supported");

        long count = 1;
        foreach (int d in shape) count = checked(count * d);
        if (count > int.MaxValue) throw new NpyFormatException($"{name}: array too large ({count} elements)");
        int n = (int)count;

        Array data;
        switch (descr)
        {
            case "<f4":
                data = ReadData<float>(stream, n, name);
                break;
            case "<f8":
                data = ReadData<double>(stream, n, name);
                break;
            case "<i8":
                data = ReadData<long>(stream, n, name);
                break;
            case "<i4":
                data = Array.ConvertAll(ReadData<int>(stream, n, name), v => (long)v);
                descr = "<i8";
                break;
            default:
                throw new NpyFormatException($"{name}: unsupported dtype '{descr}' (float32, float64, int64 are supported)");
        }
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("big-endian hosts are not supported");
        if (fortran && shape.Length == 2 && shape[0] > 1 && shape[1] > 1)
        {
            data = data switch
            {
                float[] f => ToCOrder(f, shape[0], shape[1]),
                double[] d => ToCOrder(d, shape[0], shape[1]),
                long[] l => ToCOrder(l, shape[0], shape[1]),
                _ => data,
            };
        }
        return new NpyArray(descr, shape, data);
    }

    /// <summary>Writes float32 data of the given shape (empty shape = 0-d scalar).</summary>
    public static void Write(string path, float[] data, params int[] shape) => WriteFile(path, "<f4", data, shape);

    /// <summary>Writes float64 data of the given shape.</summary>
    public static void Write(string path, double[] data, params int[] shape) => WriteFile(path, "<f8", data, shape);

    /// <summary>Writes int64 data of the given shape.</summary>
    public static void Write(string path, long[] data, params int[] shape) => WriteFile(path, "<i8", data, shape);

    /// <summary>Writes a matrix as a 2-D float32 array [rows, cols].</summary>
    public static void Write(string path, FeatureMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        Write(path, matrix.Data, matrix.Rows, matrix.Cols);
    }

    /// <summary>Writes an array to a stream (no temp file).</summary>
    public static void Write(Stream stream, Array data, string descr, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(data);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException("negative dimension", nameof(shape));
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"shape ({string.Join(",", shape)}) holds {count} values, data has {data.Length}", nameof(shape));

        string shapeText = shape.Length switch
        {
            0 => "()",
            1 => $"({shape[0].ToString(CultureInfo.InvariantCulture)},)",
            _ => "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        // Magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64 bytes.
        int unpadded = 10 + dict.Length + 1;
        int total = (unpadded + 63) / 64 * 64;
        string header = dict + new string(' ', total - unpadded) + "\n";

        Span<byte> pre = stackalloc byte[10];
        Magic.CopyTo(pre);
        pre[6] = 1;
        pre[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(pre[8..], checked((ushort)header.Length));
        stream.Write(pre);
        stream.Write(Encoding.Latin1.GetBytes(header));
        switch (data)
        {
            case float[] f when descr == "<f4":
                stream.Write(MemoryMarshal.AsBytes(f.AsSpan()));
                break;
            case double[] d when descr == "<f8":
                stream.Write(MemoryMarshal.AsBytes(d.AsSpan()));
                break;
            case long[] l when descr == "<i8":
                stream.Write(MemoryMarshal.AsBytes(l.AsSpan()));
                break;
            default:
                throw new ArgumentException($"data of type {data.GetType().Name} does not match dtype {descr}", nameof(data));
        }
    }

    private static void WriteFile(string path, string descr, Array data, int[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string tmp = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                Write(fs, data, descr, shape);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private static T[] ToCOrder<T>(T[] columnMajor, int rows, int cols)
    {
        var c = new T[columnMajor.Length];
        for (int j = 0; j < cols; j++)
        {
            for (int i = 0; i < rows; i++) c[i * cols + j] = columnMajor[j * rows + i];
        }
        return c;
    }

    private static T[] ReadData<T>(Stream stream, int n, string name)
        where T : unmanaged
    {
        var data = new T[n];
        ReadExactly(stream, MemoryMarshal.AsBytes(data.AsSpan()), name);
        return data;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string name)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new NpyFormatException($"{name}: truncated .npy file");
        }
    }

    private static int IndexOfKey(string header, string key, string name)
    {
        int i = header.IndexOf("'" + key + "'", StringComparison.Ordinal);
        if (i < 0) i = header.IndexOf("\"" + key + "\"", StringComparison.Ordinal);
        if (i < 0) throw new NpyFormatException($"{name}: .npy header has no '{key}'");
        int colon = header.IndexOf(':', i);
        if (colon < 0) throw new NpyFormatException($"{name}: malformed .npy header");
        return colon + 1;
    }

    private static string ParseString(string header, string key, string name)
    {
        int i = IndexOfKey(header, key, name);
        while (i < header.Length && header[i] == ' ') i++;
        if (i >= header.Length || (header[i] != '\'' && header[i] != '"'))
            throw new NpyFormatException($"{name}: malformed '{key}' in .npy header");
        char q = header[i];
        int end = header.IndexOf(q, i + 1);
        if (end < 0) throw new NpyFormatException($"{name}: malformed '{key}' in .npy header");
        return header.Substring(i + 1, end - i - 1);
    }

    private static bool ParseBool(string header, string key, string name)
    {
        int i = IndexOfKey(header, key, name);
        var rest = header.AsSpan(i).TrimStart();
        if (rest.StartsWith("True", StringComparison.Ordinal)) return true;
        if (rest.StartsWith("False", StringComparison.Ordinal)) return false;
        throw new NpyFormatException($"{name}: malformed '{key}' in .npy header");
    }

    private static int[] ParseShape(string header, string name)
    {
        int i = IndexOfKey(header, "shape", name);
        int open = header.IndexOf('(', i);
        int close = open < 0 ? -1 : header.IndexOf(')', open);
        if (open < 0 || close < 0) throw new NpyFormatException($"{name}: malformed 'shape' in .npy header");
        var parts = header.Substring(open + 1, close - open - 1)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new int[parts.Length];
        for (int k = 0; k < parts.Length; k++)
        {
            string p = parts[k].TrimEnd('L');
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out shape[k]))
                throw new NpyFormatException($"{name}: bad dimension '{parts[k]}' in .npy header");
        }
        return shape;
    }
}
