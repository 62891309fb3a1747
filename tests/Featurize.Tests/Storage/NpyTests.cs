using System.Text;
using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Storage;

public sealed class NpyTests : IDisposable
{
    private readonly TempDir _tmp = new("mmcs-npy");

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void A_float32_matrix_reads_back_with_its_shape_and_values()
    {
        string p = _tmp.File("m.npy");
        var data = new float[] { 1.5f, -2f, 3.25f, float.MaxValue, float.Epsilon, 0f };
        Npy.Write(p, data, 2, 3);
        var a = Npy.Read(p);
        Assert.Equal("<f4", a.Descr);
        Assert.Equal(new[] { 2, 3 }, a.Shape);
        Assert.Equal(data, (float[])a.Data);
    }

    [Fact]
    public void Float64_and_int64_vectors_and_scalars_round_trip()
    {
        string p = _tmp.File("d.npy");
        Npy.Write(p, new[] { Math.PI, -1e300, double.NaN }, 3);
        var d = Npy.Read(p);
        Assert.Equal("<f8", d.Descr);
        Assert.Equal(new[] { 3 }, d.Shape);
        Assert.Equal(Math.PI, ((double[])d.Data)[0]);
        Assert.True(double.IsNaN(((double[])d.Data)[2]));

        string q = _tmp.File("l.npy");
        Npy.Write(q, new long[] { long.MinValue, 0, 42 }, 3);
        Assert.Equal(new long[] { long.MinValue, 0, 42 }, (long[])Npy.Read(q).Data);

        string s = _tmp.File("s.npy");
        Npy.Write(s, new[] { 2.5 });
        var sc = Npy.Read(s);
        Assert.Empty(sc.Shape);
        Assert.Equal(2.5, ((double[])sc.Data)[0]);
    }

    [Fact]
    public void The_header_is_the_one_numpy_writes()
    {
        string p = _tmp.File("h.npy");
        Npy.Write(p, new float[6], 2, 3);
        var bytes = File.ReadAllBytes(p);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLen = bytes[8] | (bytes[9] << 8);
        Assert.Equal(0, (10 + headerLen) % 64);
        string header = Encoding.Latin1.GetString(bytes, 10, headerLen);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(10 + headerLen + 24, bytes.Length);

        string v = _tmp.File("v.npy");
        Npy.Write(v, new double[5], 5);
        var vb = File.ReadAllBytes(v);
        Assert.Contains("'shape': (5,), }", Encoding.Latin1.GetString(vb, 10, vb[8] | (vb[9] << 8)));
    }

    [Fact]
    public void Files_written_by_numpy_are_read()
    {
        var a = LibrosaFixtures.Array("c_major_120bpm_25s5", "mfcc");
        Assert.Equal("<f4", a.Descr);
        Assert.Equal(new[] { 20, 1099 }, a.Shape);
        var b = LibrosaFixtures.Array("c_major_120bpm_25s5", "beat_frames");
        Assert.Equal("<i8", b.Descr);
        Assert.Equal(44L, ((long[])b.Data)[0]);
        var m = LibrosaFixtures.Array("c_major_120bpm_25s5", "onset_strength_mean");
        Assert.Empty(m.Shape);
        Assert.Single(m.ToDoubles());
    }

    [Fact]
    public void Broken_files_raise_a_typed_error_naming_the_file()
    {
        string p = _tmp.File("bad.npy");
        File.WriteAllBytes(p, Encoding.ASCII.GetBytes("not numpy at all"));
        var e = Assert.Throws<NpyFormatException>(() => Npy.Read(p));
        Assert.Contains("bad.npy", e.Message);

        string t = _tmp.File("trunc.npy");
        Npy.Write(t, new float[100], 100);
        var bytes = File.ReadAllBytes(t);
        File.WriteAllBytes(t, bytes[..(bytes.Length - 10)]);
        Assert.Contains("truncated", Assert.Throws<NpyFormatException>(() => Npy.Read(t)).Message);

        Assert.Throws<NpyFormatException>(() => Npy.Read(_tmp.File("missing.npy")));
    }

    [Fact]
    public void A_mismatched_shape_is_refused_and_leaves_no_file()
    {
        string p = _tmp.File("x.npy");
        Assert.Throws<ArgumentException>(() => Npy.Write(p, new float[5], 2, 3));
        Assert.False(File.Exists(p));
        Assert.Empty(Directory.GetFiles(_tmp.Path));
    }
}
