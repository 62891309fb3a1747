using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mmcs.Train.Torch;

/// <summary>
/// Prepares the process for TorchSharp. On Linux systems whose libstdc++ lacks GLIBCXX_3.4.32 the build
/// leaves libmmcs_glibcxx_shim.so next to the patched libLibTorchSharp.so (build/torch/TorchNativeFix.cs);
/// it must be loaded with RTLD_GLOBAL before TorchSharp loads its native library, so that
/// std::ios_base_library_init() resolves. Runs automatically when Mmcs.Train is loaded.
/// </summary>
public static class TorchRuntime
{
    public const string ShimFileName = "libmmcs_glibcxx_shim.so";
    private const int RtldNow = 2;
    private const int RtldGlobal = 0x100;
    private static readonly object Gate = new();
    private static bool _initialized;

    /// <summary>The shim that was loaded, or null when none was needed.</summary>
    public static string? LoadedShim { get; private set; }

#pragma warning disable CA2255 // a library module initializer is what makes TorchSharp usable from any entry point
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnModuleLoad() => EnsureInitialized();

    /// <summary>Loads the compatibility shim when the build produced one. Safe to call many times.</summary>
    public static void EnsureInitialized()
    {
        lock (Gate)
        {
            if (_initialized) return;
            _initialized = true;
            if (!OperatingSystem.IsLinux()) return;
            string shim = Path.Combine(AppContext.BaseDirectory, ShimFileName);
            if (!File.Exists(shim)) return;
            if (dlopen(shim, RtldNow | RtldGlobal) == IntPtr.Zero)
            {
                throw new Core.MmcsException(Core.ErrorCodes.MissingDependency,
                    $"cannot load {shim}: {Marshal.PtrToStringAnsi(dlerror()) ?? "unknown error"}");
            }
            LoadedShim = shim;
        }
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string fileName, int flags);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern IntPtr dlerror();
}
