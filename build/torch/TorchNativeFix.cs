// Makes TorchSharp's native bridge (libLibTorchSharp.so) load on Linux systems whose libstdc++ is
// older than GCC 13 (no GLIBCXX_3.4.32 version, e.g. Debian 12 and Ubuntu 22.04).
//
// libLibTorchSharp.so 0.107 needs exactly one symbol of that version, std::ios_base_library_init().
// On such systems the build (Directory.Build.targets) runs the TorchNativeFix task after copying
// files to the output folder; it
//   1. replaces the copied libLibTorchSharp.so with a copy whose version need GLIBCXX_3.4.32 is
//      marked weak (VER_FLG_WEAK), so the dynamic loader no longer refuses the library, and
//   2. compiles build/torch/glibcxx_shim.cpp with g++ into libmmcs_glibcxx_shim.so next to it; Mmcs.Train
//      loads that shim globally (RTLD_GLOBAL) before TorchSharp, so the symbol resolves.
// Where libstdc++ has GLIBCXX_3.4.32, nothing is patched and no shim is built.
// The file is replaced (written beside, then renamed), never edited in place: output folders may hold
// hard links into the NuGet cache.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (the task below) and, with
// MMCS_NO_MSBUILD defined, into the test project that checks ElfVersionPatcher on real ELF files.
// RoslynCodeTaskFactory compiles against netstandard2.0: no spans, no File.Move overwrite.
#nullable enable
using System;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Mmcs.Build
{
    /// <summary>Outcome of <see cref="ElfVersionPatcher.MakeVersionNeedWeak"/>.</summary>
    public enum VersionNeedPatch
    {
        /// <summary>The file does not need that version at all.</summary>
        NotNeeded,
        /// <summary>The version need was already weak.</summary>
        AlreadyWeak,
        /// <summary>The version need was made weak.</summary>
        Patched,
    }

    /// <summary>Reads and edits the version needs (SHT_GNU_verneed) of a 64-bit little-endian ELF file.</summary>
    public static class ElfVersionPatcher
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>Marks the need for <paramref name="version"/> weak in the ELF image; returns what it did.</summary>
        public static VersionNeedPatch MakeVersionNeedWeak(byte[] elf, string version)
        {
            var result = VersionNeedPatch.NotNeeded;
            foreach (var (flagsOffset, name, flags) in VersionNeeds(elf))
            {
                if (name != version)
                {
                    continue;
                }
                if ((flags & VerFlgWeak) != 0)
                {
                    if (result == VersionNeedPatch.NotNeeded) result = VersionNeedPatch.AlreadyWeak;
                    continue;
                }
                WriteU16(elf, flagsOffset, (ushort)(flags | VerFlgWeak));
                result = VersionNeedPatch.Patched;
            }
            return result;
        }

        /// <summary>True when the need for <paramref name="version"/> exists and is weak.</summary>
        public static bool IsVersionNeedWeak(byte[] elf, string version)
        {
            foreach (var (_, name, flags) in VersionNeeds(elf))
            {
                if (name == version) return (flags & VerFlgWeak) != 0;
            }
            return false;
        }

        /// <summary>Every version need (vernaux entry): where its flags are, its name and its flags.</summary>
        public static System.Collections.Generic.List<(int FlagsOffset, string Name, ushort Flags)> VersionNeeds(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only 64-bit little-endian ELF files are supported");

            long shoff = (long)ReadU64(elf, 0x28);
            int shentsize = ReadU16(elf, 0x3A);
            int shnum = ReadU16(elf, 0x3C);
            var needs = new System.Collections.Generic.List<(int, string, ushort)>();
            for (int i = 0; i < shnum; i++)
            {
                int sh = checked((int)(shoff + (long)i * shentsize));
                if (ReadU32(elf, sh + 4) != ShtGnuVerneed) continue;
                int link = (int)ReadU32(elf, sh + 40);
                int count = (int)ReadU32(elf, sh + 44);
                int offset = checked((int)ReadU64(elf, sh + 24));
                int strSh = checked((int)(shoff + (long)link * shentsize));
                int strOffset = checked((int)ReadU64(elf, strSh + 24));
                for (int n = 0; n < count; n++)
                {
                    int vnCnt = ReadU16(elf, offset + 2);
                    int vnAux = (int)ReadU32(elf, offset + 8);
                    int vnNext = (int)ReadU32(elf, offset + 12);
                    int aux = offset + vnAux;
                    for (int a = 0; a < vnCnt; a++)
                    {
                        ushort flags = ReadU16(elf, aux + 4);
                        int nameOffset = (int)ReadU32(elf, aux + 8);
                        needs.Add((aux + 4, ReadCString(elf, strOffset + nameOffset), flags));
                        int next = (int)ReadU32(elf, aux + 12);
                        if (next == 0) break;
                        aux += next;
                    }
                    if (vnNext == 0) break;
                    offset += vnNext;
                }
            }
            return needs;
        }

        /// <summary>True when the file contains the NUL-terminated version name (its dynamic string table does).</summary>
        public static bool DefinesVersionString(string path, string version)
        {
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            var data = File.ReadAllBytes(path);
            return IndexOf(data, needle) >= 0;
        }

        /// <summary>The libstdc++.so.6 the dynamic loader would pick, or null when none is found.</summary>
        public static string? FindSystemLibStdCxx()
        {
            foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig" })
            {
                try
                {
                    var psi = new ProcessStartInfo(ldconfig, "-p")
                    {
                        RedirectStandardOutput = true,
                        RedirectStandardError = true,
                        UseShellExecute = false,
                    };
                    using var p = Process.Start(psi);
                    if (p == null) continue;
                    string output = p.StandardOutput.ReadToEnd();
                    p.WaitForExit(10000);
                    string arch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
                        == System.Runtime.InteropServices.Architecture.Arm64 ? "AArch64" : "x86-64";
                    foreach (var line in output.Split('\n'))
                    {
                        var t = line.Trim();
                        if (!t.StartsWith("libstdc++.so.6 ", StringComparison.Ordinal) || !t.Contains(arch)) continue;
                        int arrow = t.IndexOf("=>", StringComparison.Ordinal);
                        if (arrow < 0) continue;
                        var candidate = t.Substring(arrow + 2).Trim();
                        if (File.Exists(candidate)) return candidate;
                    }
                }
                catch (System.ComponentModel.Win32Exception)
                {
                    // this ldconfig is not there; try the next
                }
            }
            foreach (var candidate in new[]
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            })
            {
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }

        /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> by writing a file beside it and renaming it over.</summary>
        public static void ReplaceFile(string path, byte[] bytes, DateTime lastWriteTimeUtc)
        {
            string temp = path + ".mmcs-tmp-" + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temp, bytes);
            File.SetLastWriteTimeUtc(temp, lastWriteTimeUtc);
            MoveOver(temp, path);
        }

        /// <summary>Renames <paramref name="source"/> over <paramref name="destination"/> (a rename on Unix: atomic).</summary>
        public static void MoveOver(string source, string destination)
        {
            if (File.Exists(destination)) File.Replace(source, destination, null);
            else File.Move(source, destination);
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                if (haystack[i] != needle[0]) continue;
                int k = 1;
                while (k < needle.Length && haystack[i + k] == needle[k]) k++;
                if (k == needle.Length) return i;
            }
            return -1;
        }

        private static string ReadCString(byte[] b, int offset)
        {
            int end = offset;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, offset, end - offset);
        }

        private static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | (b[o + 1] << 8));
        private static uint ReadU32(byte[] b, int o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
        private static ulong ReadU64(byte[] b, int o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);
        private static void WriteU16(byte[] b, int o, ushort v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
    }

#if !MMCS_NO_MSBUILD
    /// <summary>MSBuild task: see the comment at the top of this file.</summary>
    public class TorchNativeFix : Microsoft.Build.Utilities.Task
    {
        public const string NeededVersion = "GLIBCXX_3.4.32";
        public const string ShimFileName = "libmmcs_glibcxx_shim.so";

        /// <summary>The output folder that may hold libLibTorchSharp.so.</summary>
        [Microsoft.Build.Framework.Required]
        public string OutputDirectory { get; set; } = "";

        /// <summary>build/torch/glibcxx_shim.cpp.</summary>
        [Microsoft.Build.Framework.Required]
        public string ShimSource { get; set; } = "";

        /// <summary>Where the compiled shim is cached (obj/).</summary>
        [Microsoft.Build.Framework.Required]
        public string IntermediateDirectory { get; set; } = "";

        public override bool Execute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux))
                return true;
            string lib = Path.Combine(OutputDirectory, "libLibTorchSharp.so");
            if (!File.Exists(lib)) return true;

            string? libstdcxx = ElfVersionPatcher.FindSystemLibStdCxx();
            if (libstdcxx != null && ElfVersionPatcher.DefinesVersionString(libstdcxx, NeededVersion))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    $"TorchNativeFix: {libstdcxx} has {NeededVersion}; libLibTorchSharp.so left as it is.");
                return true;
            }

            var bytes = File.ReadAllBytes(lib);
            var outcome = ElfVersionPatcher.MakeVersionNeedWeak(bytes, NeededVersion);
            if (outcome == VersionNeedPatch.NotNeeded)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    $"TorchNativeFix: libLibTorchSharp.so does not need {NeededVersion}.");
                return true;
            }
            if (outcome == VersionNeedPatch.Patched)
            {
                ElfVersionPatcher.ReplaceFile(lib, bytes, File.GetLastWriteTimeUtc(lib));
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                    $"TorchNativeFix: {libstdcxx ?? "libstdc++"} lacks {NeededVersion}; marked that need weak in {lib}.");
            }

            string cached = Path.Combine(IntermediateDirectory, ShimFileName);
            if (!File.Exists(cached) || File.GetLastWriteTimeUtc(cached) < File.GetLastWriteTimeUtc(ShimSource))
            {
                Directory.CreateDirectory(IntermediateDirectory);
                string temp = cached + ".tmp";
                var psi = new ProcessStartInfo("g++", $"-shared -fPIC -O2 -o \"{temp}\" \"{ShimSource}\"")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                try
                {
                    using var p = Process.Start(psi)!;
                    string err = p.StandardError.ReadToEnd();
                    p.WaitForExit();
                    if (p.ExitCode != 0)
                    {
                        Log.LogError($"TorchNativeFix: g++ failed to build {ShimFileName}: {err.Trim()}");
                        return false;
                    }
                }
                catch (System.ComponentModel.Win32Exception)
                {
                    Log.LogError($"TorchNativeFix: this system's libstdc++ lacks {NeededVersion}, which TorchSharp needs; " +
                                 "building the small compatibility shim needs g++ (Debian/Ubuntu: apt-get install g++).");
                    return false;
                }
                ElfVersionPatcher.MoveOver(temp, cached);
            }
            string shim = Path.Combine(OutputDirectory, ShimFileName);
            if (!File.Exists(shim) || File.GetLastWriteTimeUtc(shim) != File.GetLastWriteTimeUtc(cached))
            {
                File.Copy(cached, shim + ".tmp", overwrite: true);
                File.SetLastWriteTimeUtc(shim + ".tmp", File.GetLastWriteTimeUtc(cached));
                ElfVersionPatcher.MoveOver(shim + ".tmp", shim);
            }
            return true;
        }
    }
#endif
}
