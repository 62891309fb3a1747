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

    /// <summary>
    /// One torch fit at a time in a process. libtorch's intra-op thread count is process-wide (each fit sets its own:
    /// the MLP 1, a CNN the cores), and a fit whose thread count another fit changes midway sums in another order:
    /// the same seed then gave other losses (a reproducibility test failed when CNN tests ran beside it). The product
    /// trains one model at a time anyway; this keeps that true wherever fits are started from.
    /// </summary>
    private static readonly SemaphoreSlim FitGate = new(1, 1);

    /// <summary>
    /// Builds a network and fits it alone in the process (<see cref="FitGate"/>), with libtorch's thread count set to
    /// <paramref name="threads"/>; the network is disposed when fitting fails. Every torch fit goes through here.
    /// </summary>
    internal static TResult ExclusiveFit<TNetwork, TResult>(int threads, Func<TNetwork> build, Func<TNetwork, TResult> fit,
        CancellationToken cancellationToken) where TNetwork : IDisposable
    {
        EnsureInitialized();
        FitGate.Wait(cancellationToken);
        try
        {
            TorchSharp.torch.set_num_threads(threads);
            var network = build();
            try
            {
                return fit(network);
            }
            catch
            {
                network.Dispose();
                throw;
            }
        }
        finally
        {
            FitGate.Release();
        }
    }

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

/// <summary>What <see cref="TorchSelfTest.Run"/> found.</summary>
/// <param name="LibTorchVersion">libtorch's version string.</param>
/// <param name="Threads">Intra-op threads libtorch uses.</param>
/// <param name="ShimLoaded">Whether the GLIBCXX compatibility shim was needed and loaded.</param>
/// <param name="Loss">The loss of the test forward pass.</param>
/// <param name="GradientNorm">The norm of the gradient of the test backward pass.</param>
public sealed record TorchSelfTestResult(string LibTorchVersion, int Threads, bool ShimLoaded, double Loss, double GradientNorm);

/// <summary>Checks that libtorch loads and runs: a tiny convolution forward and backward on CPU.</summary>
public static class TorchSelfTest
{
    public static TorchSelfTestResult Run()
    {
        TorchRuntime.EnsureInitialized();
        using var scope = TorchSharp.torch.NewDisposeScope();
        TorchSharp.torch.manual_seed(1234);
        var generator = new TorchSharp.torch.Generator(1234);
        var x = TorchSharp.torch.randn([2, 1, 8, 8], generator: generator);
        var conv = TorchSharp.torch.nn.Conv2d(1, 2, 3, padding: 1);
        var output = conv.forward(x);
        var loss = output.mul(output).mean(); // not pow(2) or square(): no temporary Scalar (see StableBatchNorm)
        loss.backward();
        var grad = conv.weight!.grad ?? throw new InvalidOperationException("libtorch produced no gradient");
        double gradNorm = grad.norm().item<float>();
        if (!double.IsFinite(gradNorm) || gradNorm <= 0)
            throw new InvalidOperationException($"libtorch produced a degenerate gradient (norm {gradNorm})");
        return new TorchSelfTestResult(TorchSharp.torch.__version__, TorchSharp.torch.get_num_threads(),
            TorchRuntime.LoadedShim != null, loss.item<float>(), gradNorm);
    }
}
