using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mmcs.Train.Torch;

/// <summary>
/// Prepares the process for TorchSharp. On Linux systems whose libstdc++ lacks GLIBCXX_3.4.32 the build
/// leaves libmmcs_glibcxx_shim.so next to the patched libLibTorchSharp.so (build/torch/TorchNativeFix.cs);
/// it must be loaded with RTLD_GLOBAL before TorchSharp loads its native library, so that
/// std::ios_base_library_init() resolves. Runs automatically when Mmcs.Train is loaded.
/// <para>It also keeps oneDNN (libtorch's convolution library) to its SSE4.1 kernels on x86-64
/// (<see cref="OneDnnIsaVariable"/>, unless the environment sets it): on this project's machine (AMD EPYC with AVX-512)
/// its AVX-512 convolution backward returned a NaN gradient towards the layer's input in 112 of 300 passes of a small
/// convolution, and with AVX2 the CNN tests still diverged in 4 of 4 runs; with SSE4.1 none did in 300 passes or in 6 runs
/// of those tests (README, "oneDNN's AVX-512 convolution kernels").</para>
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

    /// <summary>The environment variable that caps the instruction set of oneDNN's kernels (read once, when libtorch first
    /// runs a convolution).</summary>
    public const string OneDnnIsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>What MMCS capped oneDNN's kernels at.</summary>
    public const string OneDnnIsa = "SSE41";

    /// <summary>oneDNN's instruction-set cap in this process: <see cref="OneDnnIsa"/>, or the environment's own value when it
    /// set one (null: none, e.g. not on x86-64).</summary>
    public static string? OneDnnIsaLimit { get; private set; }

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
            LimitOneDnnIsa();
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

    /// <summary>Sets <see cref="OneDnnIsaVariable"/> in the native environment (where oneDNN reads it; .NET's own
    /// Environment.SetEnvironmentVariable does not reach it on Unix) before libtorch is loaded.</summary>
    private static void LimitOneDnnIsa()
    {
        if (Environment.GetEnvironmentVariable(OneDnnIsaVariable) is { Length: > 0 } preset)
        {
            OneDnnIsaLimit = preset;
            return;
        }
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        if (OperatingSystem.IsWindows())
        {
            Environment.SetEnvironmentVariable(OneDnnIsaVariable, OneDnnIsa); // the process environment libtorch reads
        }
        else if (setenv(OneDnnIsaVariable, OneDnnIsa, 0) != 0)
        {
            throw new Core.MmcsException(Core.ErrorCodes.InternalError, $"cannot set {OneDnnIsaVariable} (errno {Marshal.GetLastPInvokeError()})");
        }
        OneDnnIsaLimit = OneDnnIsa;
    }

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    /// <summary>A variable of the native environment, as libtorch sees it.</summary>
    internal static string? NativeEnvironmentVariable(string name) =>
        OperatingSystem.IsWindows() ? Environment.GetEnvironmentVariable(name) : Marshal.PtrToStringUTF8(getenv(name));

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
