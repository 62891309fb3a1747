using System.Diagnostics;
using System.Runtime.InteropServices;
using Mmcs.Build;

namespace Mmcs.Train.Tests.Torch;

/// <summary>The build-time patcher (build/torch/TorchNativeFix.cs) on real ELF files compiled here with g++.</summary>
public sealed class ElfVersionPatcherTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-elf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CompileSharedLibrary()
    {
        string source = Path.Combine(_dir, "tiny.cpp");
        File.WriteAllText(source, "#include <string>\nextern \"C\" int tiny_length(const char* s) { return (int)std::string(s).size(); }\n");
        string output = Path.Combine(_dir, "libtiny.so");
        var psi = new ProcessStartInfo("g++", ["-shared", "-fPIC", "-O1", "-o", output, source])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "g++ failed: " + err);
        return output;
    }

    [Fact]
    public void Marking_a_version_need_weak_sets_only_that_flag_and_the_library_still_loads()
    {
        string lib = CompileSharedLibrary();
        var bytes = File.ReadAllBytes(lib);
        var needs = ElfVersionPatcher.VersionNeeds(bytes);
        Assert.Contains(needs, n => n.Name.StartsWith("GLIBCXX_", StringComparison.Ordinal));
        string version = needs.First(n => n.Name.StartsWith("GLIBCXX_", StringComparison.Ordinal)).Name;

        Assert.False(ElfVersionPatcher.IsVersionNeedWeak(bytes, version));
        Assert.Equal(VersionNeedPatch.Patched, ElfVersionPatcher.MakeVersionNeedWeak(bytes, version));
        Assert.True(ElfVersionPatcher.IsVersionNeedWeak(bytes, version));
        Assert.Equal(VersionNeedPatch.AlreadyWeak, ElfVersionPatcher.MakeVersionNeedWeak(bytes, version));
        Assert.Equal(VersionNeedPatch.NotNeeded, ElfVersionPatcher.MakeVersionNeedWeak(bytes, "GLIBCXX_99.0"));

        // Exactly two bytes (one flags field) differ from the original.
        var original = File.ReadAllBytes(lib);
        Assert.Equal(1, original.Zip(bytes).Count(pair => pair.First != pair.Second));

        string patched = Path.Combine(_dir, "libtiny-patched.so");
        File.Copy(lib, patched);
        ElfVersionPatcher.ReplaceFile(patched, bytes, File.GetLastWriteTimeUtc(lib));
        var handle = NativeLibrary.Load(patched);
        try
        {
            var length = Marshal.GetDelegateForFunctionPointer<LengthFn>(NativeLibrary.GetExport(handle, "tiny_length"));
            Assert.Equal(5, length("hello"));
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [Fact]
    public void Replacing_a_file_leaves_a_hard_linked_original_untouched()
    {
        string lib = CompileSharedLibrary();
        string link = Path.Combine(_dir, "linked.so");
        var ln = Process.Start("ln", [lib, link])!;
        ln.WaitForExit();
        var bytes = File.ReadAllBytes(link);
        ElfVersionPatcher.MakeVersionNeedWeak(bytes, ElfVersionPatcher.VersionNeeds(bytes)[0].Name);
        ElfVersionPatcher.ReplaceFile(link, bytes, DateTime.UtcNow);
        Assert.NotEqual(File.ReadAllBytes(lib), File.ReadAllBytes(link));
    }

    [Fact]
    public void The_output_folder_holds_a_shim_only_when_the_system_libstdcxx_lacks_the_version()
    {
        string? system = ElfVersionPatcher.FindSystemLibStdCxx();
        Assert.NotNull(system);
        bool hasVersion = ElfVersionPatcher.DefinesVersionString(system!, "GLIBCXX_3.4.32");
        string outDir = AppContext.BaseDirectory;
        Assert.Equal(!hasVersion, File.Exists(Path.Combine(outDir, "libmmcs_glibcxx_shim.so")));
        var torchBridge = File.ReadAllBytes(Path.Combine(outDir, "libLibTorchSharp.so"));
        Assert.Equal(!hasVersion, ElfVersionPatcher.IsVersionNeedWeak(torchBridge, "GLIBCXX_3.4.32"));
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int LengthFn([MarshalAs(UnmanagedType.LPStr)] string s);

    [Fact]
    public void A_file_that_is_not_elf_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.VersionNeeds(new byte[100]));
    }
}
