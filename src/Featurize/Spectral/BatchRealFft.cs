using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mmcs.Featurize.Spectral;

/// <summary>
/// A forward real FFT of a power-of-two size that transforms <see cref="Lanes"/> independent signals at once:
/// every SIMD lane of a <see cref="Vector256{T}"/> carries one signal (typically one STFT frame), so the whole
/// butterfly network runs at full SIMD width without shuffles. The complex core is a Stockham auto-sort radix-4
/// (plus one radix-2 stage when log2 of the size is odd) with twiddles precomputed per stage; the real transform
/// of size N packs even/odd samples into one complex transform of size N/2 and untangles the halves.
/// Plans are immutable and shared between threads; callers bring their own <see cref="Workspace"/>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class BatchRealFft<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly ConcurrentDictionary<int, BatchRealFft<T>> Plans = new();

    private readonly int _half;            // complex size M = N/2
    private readonly Stage[] _stages;
    private readonly T[] _postCos;         // cos(2πk/N), k = 0..M
    private readonly T[] _postSin;         // sin(2πk/N)

    private BatchRealFft(int size)
    {
        if (size < 4 || !BitOperations.IsPow2(size))
            throw new ArgumentOutOfRangeException(nameof(size), size, "FFT size must be a power of two >= 4");
        Size = size;
        _half = size / 2;

        var stages = new List<Stage>();
        int n = _half, s = 1;
        while (n >= 4)
        {
            int m = n / 4;
            var tw = new T[6 * m];
            for (int p = 0; p < m; p++)
            {
                double theta = -2.0 * Math.PI * p / n;
                tw[6 * p + 0] = T.CreateChecked(Math.Cos(theta));
                tw[6 * p + 1] = T.CreateChecked(Math.Sin(theta));
                tw[6 * p + 2] = T.CreateChecked(Math.Cos(2 * theta));
                tw[6 * p + 3] = T.CreateChecked(Math.Sin(2 * theta));
                tw[6 * p + 4] = T.CreateChecked(Math.Cos(3 * theta));
                tw[6 * p + 5] = T.CreateChecked(Math.Sin(3 * theta));
            }
            stages.Add(new Stage(n, s, tw));
            n /= 4;
            s *= 4;
        }
        if (n == 2) stages.Add(new Stage(2, s, []));
        _stages = [.. stages];

        _postCos = new T[_half + 1];
        _postSin = new T[_half + 1];
        for (int k = 0; k <= _half; k++)
        {
            double a = 2.0 * Math.PI * k / size;
            _postCos[k] = T.CreateChecked(Math.Cos(a));
            _postSin[k] = T.CreateChecked(Math.Sin(a));
        }
    }

    /// <summary>The (shared, immutable) plan for a size.</summary>
    public static BatchRealFft<T> Get(int size) => Plans.GetOrAdd(size, static n => new BatchRealFft<T>(n));

    /// <summary>Number of real input samples per signal.</summary>
    public int Size { get; }

    /// <summary>Number of output bins per signal (N/2 + 1).</summary>
    public int Bins => _half + 1;

    /// <summary>Signals transformed per call (SIMD lanes).</summary>
    public static int Lanes => Vector256<T>.Count;

    /// <summary>Scratch memory for one thread.</summary>
    public Workspace CreateWorkspace() => new(this);

    /// <summary>
    /// Transforms <see cref="Lanes"/> signals. Before the call, <see cref="Workspace.Input"/>[n] holds sample n of
    /// every signal (one per lane). Afterwards <see cref="Workspace.Re"/>[k] and <see cref="Workspace.Im"/>[k]
    /// hold bin k (k = 0..N/2) of every signal: X[k] = Σ x[n] e^(-2πikn/N). The input is overwritten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(Workspace ws)
    {
        if (ws.Plan != this) throw new ArgumentException("workspace belongs to another plan", nameof(ws));
        int m = _half;
        // The input viewed as interleaved (re, im) pairs is z[j] = x[2j] + i x[2j+1]; it is transformed in place
        // (ping-ponging with a second buffer), so the input is clobbered.
        var result = ComplexForward(ws.Input, ws.Buffer);

        var re = ws.Re;
        var im = ws.Im;
        ref var r0 = ref MemoryMarshal.GetArrayDataReference(re);
        ref var i0 = ref MemoryMarshal.GetArrayDataReference(im);
        var half = Vector256.Create(T.CreateChecked(0.5));
        // DC and Nyquist.
        re[0] = result[0] + result[1];
        im[0] = Vector256<T>.Zero;
        re[m] = result[0] - result[1];
        im[m] = Vector256<T>.Zero;
        ref var z0 = ref MemoryMarshal.GetReference(result);
        ref T pc = ref MemoryMarshal.GetArrayDataReference(_postCos);
        ref T ps = ref MemoryMarshal.GetArrayDataReference(_postSin);
        for (int k = 1; k < m; k++)
        {
            var zr = Unsafe.Add(ref z0, 2 * k);
            var zi = Unsafe.Add(ref z0, 2 * k + 1);
            var cr = Unsafe.Add(ref z0, 2 * (m - k));
            var ci = -Unsafe.Add(ref z0, 2 * (m - k) + 1);          // conj(Z[M-k])
            // E = (Z[k] + conj Z[M-k]) / 2 ; O = (Z[k] - conj Z[M-k]) / 2i
            var er = (zr + cr) * half;
            var ei = (zi + ci) * half;
            var dr = (zr - cr) * half;
            var di = (zi - ci) * half;
            // O = D / i = (di, -dr)
            var or = di;
            var oi = -dr;
            // X = E + W O with W = e^{-2πik/N} = (c, -s)
            var c = Vector256.Create(Unsafe.Add(ref pc, k));
            var s = Vector256.Create(Unsafe.Add(ref ps, k));
            Unsafe.Add(ref r0, k) = er + c * or + s * oi;
            Unsafe.Add(ref i0, k) = ei + c * oi - s * or;
        }
    }

    private Span<Vector256<T>> ComplexForward(Span<Vector256<T>> x, Span<Vector256<T>> y)
    {
        foreach (var st in _stages)
        {
            if (st.N == 2)
            {
                Radix2(x, y, st.S);
            }
            else
            {
                Radix4(x, y, st);
            }
            var t = x;
            x = y;
            y = t;
        }
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix2(Span<Vector256<T>> xs, Span<Vector256<T>> ys, int s)
    {
        ref var x = ref MemoryMarshal.GetReference(xs);
        ref var y = ref MemoryMarshal.GetReference(ys);
        for (int q = 0; q < s; q++)
        {
            var ar = Unsafe.Add(ref x, 2 * q);
            var ai = Unsafe.Add(ref x, 2 * q + 1);
            var br = Unsafe.Add(ref x, 2 * (q + s));
            var bi = Unsafe.Add(ref x, 2 * (q + s) + 1);
            Unsafe.Add(ref y, 2 * q) = ar + br;
            Unsafe.Add(ref y, 2 * q + 1) = ai + bi;
            Unsafe.Add(ref y, 2 * (q + s)) = ar - br;
            Unsafe.Add(ref y, 2 * (q + s) + 1) = ai - bi;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix4(Span<Vector256<T>> xs, Span<Vector256<T>> ys, Stage st)
    {
        int n = st.N, s = st.S, m = n / 4;
        ref T tw = ref MemoryMarshal.GetArrayDataReference(st.Twiddles);
        ref var x0 = ref MemoryMarshal.GetReference(xs);
        ref var y0 = ref MemoryMarshal.GetReference(ys);
        int s2 = 2 * s;
        for (int p = 0; p < m; p++)
        {
            var w1r = Vector256.Create(Unsafe.Add(ref tw, 6 * p + 0));
            var w1i = Vector256.Create(Unsafe.Add(ref tw, 6 * p + 1));
            var w2r = Vector256.Create(Unsafe.Add(ref tw, 6 * p + 2));
            var w2i = Vector256.Create(Unsafe.Add(ref tw, 6 * p + 3));
            var w3r = Vector256.Create(Unsafe.Add(ref tw, 6 * p + 4));
            var w3i = Vector256.Create(Unsafe.Add(ref tw, 6 * p + 5));
            ref var a = ref Unsafe.Add(ref x0, s2 * p);
            ref var b = ref Unsafe.Add(ref x0, s2 * (p + m));
            ref var c = ref Unsafe.Add(ref x0, s2 * (p + 2 * m));
            ref var d = ref Unsafe.Add(ref x0, s2 * (p + 3 * m));
            ref var o0 = ref Unsafe.Add(ref y0, s2 * 4 * p);
            ref var o1 = ref Unsafe.Add(ref o0, s2);
            ref var o2 = ref Unsafe.Add(ref o1, s2);
            ref var o3 = ref Unsafe.Add(ref o2, s2);
            for (int q = 0; q < s2; q += 2)
            {
                var ar = Unsafe.Add(ref a, q); var ai = Unsafe.Add(ref a, q + 1);
                var br = Unsafe.Add(ref b, q); var bi = Unsafe.Add(ref b, q + 1);
                var cr = Unsafe.Add(ref c, q); var ci = Unsafe.Add(ref c, q + 1);
                var dr = Unsafe.Add(ref d, q); var di = Unsafe.Add(ref d, q + 1);
                var apcR = ar + cr; var apcI = ai + ci;
                var amcR = ar - cr; var amcI = ai - ci;
                var bpdR = br + dr; var bpdI = bi + di;
                // j(b - d) = (-(bi - di), br - dr)
                var jR = di - bi; var jI = br - dr;
                Unsafe.Add(ref o0, q) = apcR + bpdR;
                Unsafe.Add(ref o0, q + 1) = apcI + bpdI;
                var t1R = amcR - jR; var t1I = amcI - jI;
                Unsafe.Add(ref o1, q) = w1r * t1R - w1i * t1I;
                Unsafe.Add(ref o1, q + 1) = w1r * t1I + w1i * t1R;
                var t2R = apcR - bpdR; var t2I = apcI - bpdI;
                Unsafe.Add(ref o2, q) = w2r * t2R - w2i * t2I;
                Unsafe.Add(ref o2, q + 1) = w2r * t2I + w2i * t2R;
                var t3R = amcR + jR; var t3I = amcI + jI;
                Unsafe.Add(ref o3, q) = w3r * t3R - w3i * t3I;
                Unsafe.Add(ref o3, q + 1) = w3r * t3I + w3i * t3R;
            }
        }
    }

    private sealed record Stage(int N, int S, T[] Twiddles);

    /// <summary>Per-thread scratch buffers of a plan.</summary>
    public sealed class Workspace
    {
        internal Workspace(BatchRealFft<T> plan)
        {
            Plan = plan;
            Input = new Vector256<T>[plan.Size];
            Buffer = new Vector256<T>[plan.Size];
            Re = new Vector256<T>[plan.Bins];
            Im = new Vector256<T>[plan.Bins];
        }

        internal BatchRealFft<T> Plan { get; }

        /// <summary>Input samples, one signal per lane.</summary>
        public Vector256<T>[] Input { get; }

        /// <summary>Real parts of the output bins.</summary>
        public Vector256<T>[] Re { get; }

        /// <summary>Imaginary parts of the output bins.</summary>
        public Vector256<T>[] Im { get; }

        internal Vector256<T>[] Buffer { get; }
    }
}
