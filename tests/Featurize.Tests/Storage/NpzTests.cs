using System.Diagnostics;
using System.IO.Compression;
using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Tests.Audio;
using Xunit.Abstractions;

namespace Mmcs.Featurize.Tests.Storage;

public class NpzTests(ITestOutputHelper output)
{
    private static FeatureMatrix M(int rows, int cols, float offset)
    {
        var m = new FeatureMatrix(rows, cols);
        for (int i = 0; i < m.Data.Length; i++) m.Data[i] = i * 0.5f + offset;
        return m;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Matrices_round_trip_through_an_npz_of_npy_entries(bool compress)
    {
        using var dir = new TempDir();
        string p = dir.File("clip.npz");
        Npz.Write(p, new Dictionary<string, FeatureMatrix> { ["mel_db"] = M(3, 4, 1), ["mfcc"] = M(2, 5, -7) }, compress);
        using (var zip = ZipFile.OpenRead(p))
        {
            Assert.Equal(["mel_db.npy", "mfcc.npy"], zip.Entries.Select(e => e.FullName).Order().ToArray());
        }
        Assert.Equal(["mel_db", "mfcc"], Npz.Names(p).Order().ToArray());
        var mfcc = Npz.ReadMatrix(p, "mfcc");
        Assert.Equal((2, 5), (mfcc.Rows, mfcc.Cols));
        Assert.Equal(M(2, 5, -7).Data, mfcc.Data);
        var all = Npz.Read(p);
        Assert.Equal(new[] { 3, 4 }, all["mel_db"].Shape);
        Assert.Throws<NpyFormatException>(() => Npz.Read(p, "nope"));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Numpy_loads_the_archive_when_it_is_installed()
    {
        string? python = PythonWithNumpy();
        if (python == null)
        {
            output.WriteLine("SKIPPED: python3 with numpy is not installed (apt-get install python3-numpy)");
            return;
        }
        using var dir = new TempDir();
        string p = dir.File("a.npz");
        Npz.Write(p, new Dictionary<string, FeatureMatrix> { ["x"] = M(2, 3, 0.25f) });
        string script = $"import numpy as np; z = np.load('{p}'); a = z['x']; print(a.dtype, a.shape, float(a.sum()))";
        var (code, text) = Run(python, "-c", script);
        Assert.True(code == 0, text);
        Assert.Equal("float32 (2, 3) 9.0", text.Trim());
    }

    private static string? PythonWithNumpy()
    {
        foreach (string exe in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                if (Run(exe, "-c", "import numpy").Code == 0) return exe;
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
        return null;
    }

    private static (int Code, string Text) Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }
}
