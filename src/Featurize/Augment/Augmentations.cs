using System.Text.Json;
using System.Text.Json.Serialization;
using Mmcs.Featurize.Audio;

namespace Mmcs.Featurize.Augment;

/// <summary>
/// One deterministic change to a clip (for training sets, or as a test-time copy; never to put a copy of a test song
/// into training: the caller decides). Implementations are
/// immutable option records validated in their constructors; the same clip and seed always give the same output.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(AddNoise), "noise")]
[JsonDerivedType(typeof(TimeShift), "shift")]
[JsonDerivedType(typeof(Gain), "gain")]
[JsonDerivedType(typeof(TimeStretch), "stretch")]
[JsonDerivedType(typeof(PitchShift), "pitch")]
public abstract record AudioAugmentation
{
    /// <summary>The changed samples (a new array; the input is not modified).</summary>
    public abstract float[] Apply(ReadOnlySpan<float> samples, int sampleRate, int seed);

    /// <summary>Applies to a signal, keeping its rate and source.</summary>
    public AudioSignal Apply(AudioSignal clip, int seed)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return new AudioSignal(Apply(clip.Samples, clip.SampleRate, seed), clip.SampleRate, clip.Source);
    }
}

/// <summary>Additive Gaussian noise: y + Scale·N(0, 1) (the original study's 0.02·randn), seeded.</summary>
public sealed record AddNoise : AudioAugmentation
{
    public AddNoise(double scale = 0.02)
    {
        if (!(scale >= 0) || double.IsInfinity(scale)) throw new ArgumentException($"noise scale {scale} must be finite and >= 0");
        Scale = scale;
    }

    public double Scale { get; }

    public override float[] Apply(ReadOnlySpan<float> samples, int sampleRate, int seed)
    {
        var rnd = new Random(seed);
        var y = samples.ToArray();
        for (int i = 0; i < y.Length; i++) y[i] += (float)(Scale * Gaussian(rnd));
        return y;
    }

    /// <summary>A standard normal deviate (Box-Muller).</summary>
    internal static double Gaussian(Random rnd)
    {
        double u1 = 1.0 - rnd.NextDouble(), u2 = rnd.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>Circular shift by <see cref="Seconds"/> (positive: later, like numpy.roll); with <see cref="RandomDirection"/>
/// the seed picks the sign.</summary>
public sealed record TimeShift : AudioAugmentation
{
    public TimeShift(double seconds = 1.0, bool randomDirection = false)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds)) throw new ArgumentException($"shift {seconds} s must be finite");
        Seconds = seconds;
        RandomDirection = randomDirection;
    }

    public double Seconds { get; }

    public bool RandomDirection { get; }

    public override float[] Apply(ReadOnlySpan<float> samples, int sampleRate, int seed)
    {
        int n = samples.Length;
        var y = new float[n];
        if (n == 0) return y;
        double s = RandomDirection && new Random(seed).Next(2) == 0 ? -Seconds : Seconds;
        long shift = (long)Math.Round(s * sampleRate) % n;
        if (shift < 0) shift += n;
        int k = (int)shift;
        samples[..(n - k)].CopyTo(y.AsSpan(k));
        samples[(n - k)..].CopyTo(y);
        return y;
    }
}

/// <summary>Gain by a number of dB drawn uniformly from [<see cref="MinDb"/>, <see cref="MaxDb"/>] with the seed
/// (a fixed gain when they are equal). No clipping is applied.</summary>
public sealed record Gain : AudioAugmentation
{
    public Gain(double minDb = -6, double maxDb = 6)
    {
        if (!(minDb <= maxDb) || double.IsInfinity(minDb) || double.IsInfinity(maxDb) || Math.Abs(minDb) > 60 || Math.Abs(maxDb) > 60)
            throw new ArgumentException($"gain range [{minDb}, {maxDb}] dB must be ordered and within ±60 dB");
        MinDb = minDb;
        MaxDb = maxDb;
    }

    public double MinDb { get; }

    public double MaxDb { get; }

    /// <summary>The gain in dB a seed gives.</summary>
    public double DbFor(int seed) => MinDb == MaxDb ? MinDb : MinDb + (MaxDb - MinDb) * new Random(seed).NextDouble();

    public override float[] Apply(ReadOnlySpan<float> samples, int sampleRate, int seed)
    {
        float g = (float)Math.Pow(10, DbFor(seed) / 20);
        var y = samples.ToArray();
        System.Numerics.Tensors.TensorPrimitives.Multiply(y, g, y);
        return y;
    }
}

/// <summary>
/// Time stretch without changing pitch, by WSOLA (waveform-similarity overlap-add): Hann frames of
/// <see cref="FrameSeconds"/> overlap-added at half-frame hops; each frame is taken near its nominal input
/// position (hop·<see cref="Rate"/>) at the offset within ±<see cref="ToleranceSeconds"/> whose waveform best
/// matches the natural continuation of the previous frame (coarse-to-fine cross-correlation search).
/// Rate &gt; 1 is faster/shorter: the output has round(n / Rate) samples (librosa.effects.time_stretch's convention).
/// </summary>
public sealed record TimeStretch : AudioAugmentation
{
    public TimeStretch(double rate, double frameSeconds = 0.046, double toleranceSeconds = 0.012)
    {
        if (!(rate >= 0.25 && rate <= 4)) throw new ArgumentException($"stretch rate {rate} must be within [0.25, 4]");
        if (!(frameSeconds > 0.005 && frameSeconds < 1)) throw new ArgumentException($"frame {frameSeconds} s must be within (0.005, 1)");
        if (!(toleranceSeconds >= 0 && toleranceSeconds < frameSeconds)) throw new ArgumentException($"tolerance {toleranceSeconds} s must be within [0, frame)");
        Rate = rate;
        FrameSeconds = frameSeconds;
        ToleranceSeconds = toleranceSeconds;
    }

    /// <summary>Speed factor: 2 plays twice as fast (half the length).</summary>
    public double Rate { get; }

    public double FrameSeconds { get; }

    public double ToleranceSeconds { get; }

    public override float[] Apply(ReadOnlySpan<float> samples, int sampleRate, int seed) =>
        Wsola(samples, sampleRate, Rate, FrameSeconds, ToleranceSeconds);

    internal static float[] Wsola(ReadOnlySpan<float> x, int sampleRate, double rate, double frameSeconds, double toleranceSeconds)
    {
        int outLength = (int)Math.Round(x.Length / rate);
        var y = new float[outLength];
        if (x.Length == 0 || outLength == 0) return y;
        int n = Math.Max(16, (int)Math.Round(frameSeconds * sampleRate) & ~1);
        int hs = n / 2;
        int tol = (int)Math.Round(toleranceSeconds * sampleRate);
        var window = new float[n];
        for (int i = 0; i < n; i++) window[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / n)); // periodic Hann: sums to 1 at hop n/2
        // Input padded by a frame and the tolerance on both sides.
        int pad = n + tol;
        var xp = new float[x.Length + 2 * pad + n];
        x.CopyTo(xp.AsSpan(pad));
        var norm = new float[outLength + n];
        var acc = new float[outLength + n];
        int frames = outLength / hs + 2;
        int prev = -1; // padded index of the previous frame's start
        var seg = new float[n];
        for (int m = 0; m < frames; m++)
        {
            int outPos = m * hs - hs; // first frame centred on sample 0
            int nominal = pad + (int)Math.Round((m * hs - hs) * rate);
            int chosen = nominal;
            if (prev >= 0 && tol > 0)
            {
                var target = xp.AsSpan(prev + hs, n);
                chosen = BestOffset(xp, target, nominal, tol, n);
            }
            for (int i = 0; i < n; i++) seg[i] = xp[chosen + i] * window[i];
            for (int i = 0; i < n; i++)
            {
                int o = outPos + i;
                if (o < 0 || o >= outLength) continue;
                acc[o] += seg[i];
                norm[o] += window[i];
            }
            prev = chosen;
        }
        for (int i = 0; i < outLength; i++) y[i] = norm[i] > 1e-3f ? acc[i] / norm[i] : acc[i];
        return y;
    }

    /// <summary>The start in [nominal - tol, nominal + tol] maximising the correlation with <paramref name="target"/>:
    /// a search in steps of 4 followed by a ±3 refinement.</summary>
    private static int BestOffset(float[] xp, ReadOnlySpan<float> target, int nominal, int tol, int n)
    {
        int lo = Math.Max(0, nominal - tol), hi = Math.Min(xp.Length - n, nominal + tol);
        int best = Math.Clamp(nominal, lo, hi);
        float bestScore = float.NegativeInfinity;
        for (int s = lo; s <= hi; s += 4)
        {
            float c = System.Numerics.Tensors.TensorPrimitives.Dot(target, xp.AsSpan(s, n));
            if (c > bestScore) (bestScore, best) = (c, s);
        }
        int center = best;
        for (int s = Math.Max(lo, center - 3); s <= Math.Min(hi, center + 3); s++)
        {
            float c = System.Numerics.Tensors.TensorPrimitives.Dot(target, xp.AsSpan(s, n));
            if (c > bestScore) (bestScore, best) = (c, s);
        }
        return best;
    }
}

/// <summary>
/// Pitch shift by <see cref="Semitones"/> keeping the duration: a WSOLA time stretch by r = 2^(semitones/12)
/// (longer for a shift up) followed by band-limited resampling (<see cref="Resampler"/>) by 1/r, then the exact
/// original length. Frequencies move by r (to within 1/(rate·r) relative, from rounding r·rate to an integer).
/// </summary>
public sealed record PitchShift : AudioAugmentation
{
    public PitchShift(double semitones)
    {
        if (!(Math.Abs(semitones) <= 12)) throw new ArgumentException($"pitch shift {semitones} semitones must be within ±12");
        Semitones = semitones;
    }

    public double Semitones { get; }

    public override float[] Apply(ReadOnlySpan<float> samples, int sampleRate, int seed)
    {
        if (Semitones == 0) return samples.ToArray();
        double r = Math.Pow(2, Semitones / 12);
        var stretched = TimeStretch.Wsola(samples, sampleRate, 1 / r, 0.046, 0.012);
        // Playing the stretched audio r times faster: resample from rate·r down to rate.
        int from = (int)Math.Round(sampleRate * r);
        var y = Resampler.For(from, sampleRate).Process(stretched);
        return AudioLoader.FixLength(y, samples.Length);
    }
}

/// <summary>One augmented copy: a name and the augmentations applied in order.</summary>
public sealed record AugmentationCopy(string Name, IReadOnlyList<AudioAugmentation> Steps)
{
    /// <summary>A stable id of the copy (name + hash of its parameters), used as its cache variant.</summary>
    public string Id
    {
        get
        {
            string json = JsonSerializer.Serialize(Steps);
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Name + "\n" + json)));
            return Name + "-" + hash[..8];
        }
    }
}

/// <summary>
/// Which augmented copies to make of a clip (of training clips to train on, or of any clip for test-time
/// augmentation, where a model averages a clip's copies with it). The seed of copy k of a song is derived from
/// <see cref="Seed"/>, the song id and k, so the copies do not depend on processing order or parallelism.
/// Copies keep the clip's length (a stretched copy is cut or zero-padded back to it).
/// </summary>
public sealed record AugmentationPlan
{
    public AugmentationPlan(IReadOnlyList<AugmentationCopy> copies, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(copies);
        if (copies.Select(c => c.Name).Distinct().Count() != copies.Count) throw new ArgumentException("augmentation copy names must be unique");
        foreach (var c in copies)
        {
            if (string.IsNullOrEmpty(c.Name) || c.Name.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')))
                throw new ArgumentException($"augmentation copy name '{c.Name}' must be letters, digits, '-' or '_'");
            if (c.Steps.Count == 0) throw new ArgumentException($"augmentation copy '{c.Name}' has no steps");
        }
        Copies = copies;
        Seed = seed;
    }

    public IReadOnlyList<AugmentationCopy> Copies { get; }

    public int Seed { get; }

    /// <summary>The original study's two copies: additive noise 0.02·N(0,1) and a 1 s circular shift.</summary>
    public static AugmentationPlan OriginalStudy(int seed = 0) => new(
        [new AugmentationCopy("noise", [new AddNoise(0.02)]), new AugmentationCopy("shift", [new TimeShift(1.0)])], seed);

    /// <summary>The seed for copy <paramref name="copyIndex"/> of a song.</summary>
    public int SeedFor(string songId, int copyIndex)
    {
        var h = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{Seed}\n{songId}\n{copyIndex}"));
        return BitConverter.ToInt32(h, 0) & int.MaxValue;
    }

    /// <summary>Makes copy <paramref name="copyIndex"/> of a clip.</summary>
    public AudioSignal Apply(AudioSignal clip, string songId, int copyIndex)
    {
        ArgumentNullException.ThrowIfNull(clip);
        var copy = Copies[copyIndex];
        int seed = SeedFor(songId, copyIndex);
        var y = clip.Samples;
        for (int s = 0; s < copy.Steps.Count; s++) y = copy.Steps[s].Apply(y, clip.SampleRate, seed + s);
        if (y.Length != clip.Samples.Length) y = AudioLoader.FixLength(y, clip.Samples.Length);
        return new AudioSignal(y, clip.SampleRate, clip.Source);
    }
}
