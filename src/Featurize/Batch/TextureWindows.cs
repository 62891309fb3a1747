using Mmcs.Core;

namespace Mmcs.Featurize.Batch;

/// <summary>
/// Texture windows: each excerpt (and each augmented copy) is cut into windows of <see cref="Seconds"/> every
/// <see cref="HopSeconds"/>, and every window is featurised into a row of its own (id <c>"&lt;clip id&gt;@w&lt;k&gt;"</c>,
/// the clip's song, label and group). A model trained on window rows predicts a song by averaging its windows'
/// probabilities, as <c>mmcs predict</c> does with a model whose excerpt is the window.
/// </summary>
/// <param name="Seconds">Window length in seconds (at most the excerpt).</param>
/// <param name="HopSeconds">Seconds between window starts.</param>
public sealed record TextureWindows(double Seconds, double HopSeconds)
{
    /// <summary>Checks the windows against the featuriser options: positive, no longer than the excerpt, at least one FFT frame.</summary>
    /// <exception cref="MmcsException">INVALID_PARAMETER_VALUE naming the problem.</exception>
    public void Validate(FeaturizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(Seconds > 0) || double.IsInfinity(Seconds) || !(HopSeconds > 0) || double.IsInfinity(HopSeconds))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"texture windows of {Seconds} s every {HopSeconds} s: both must be positive");
        if (Seconds > options.ExcerptSeconds + 1e-9)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"texture windows of {Seconds} s are longer than the {options.ExcerptSeconds} s excerpt");
        if (WindowSamples(options) < options.NFft)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"texture windows of {Seconds} s are shorter than one FFT frame ({options.NFft} samples)");
        if (Count(options) < 1) // (also refuses a hop shorter than one sample)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"no {Seconds} s texture window fits in the {options.ExcerptSeconds} s excerpt");
    }

    /// <summary>Samples in one window.</summary>
    public int WindowSamples(FeaturizerOptions options) => (int)Math.Round(Seconds * options.SampleRate);

    /// <summary>The first sample of the <paramref name="index"/>-th window (rounded from seconds, so hops do not drift).</summary>
    public long Start(int index, FeaturizerOptions options) => (long)Math.Round(index * HopSeconds * options.SampleRate);

    /// <summary>Windows cut from an excerpt of the options' length (the same for every clip).</summary>
    public int Count(FeaturizerOptions options)
    {
        long excerpt = (long)Math.Round(options.ExcerptSeconds * options.SampleRate);
        int window = WindowSamples(options);
        if (!(HopSeconds * options.SampleRate >= 1))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"a texture-window hop of {HopSeconds} s is shorter than one sample");
        int count = 0;
        while (Start(count, options) + window <= excerpt) count++;
        return count;
    }

    /// <summary>The <paramref name="index"/>-th window of a clip (a copy of its samples).</summary>
    public AudioSignal Cut(AudioSignal clip, int index, FeaturizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(clip);
        int window = WindowSamples(options);
        long start = Start(index, options);
        if (index < 0 || start + window > clip.Samples.Length)
            throw new ArgumentOutOfRangeException(nameof(index), $"window {index} ({start}..{start + window}) is outside the {clip.Samples.Length}-sample clip");
        return new AudioSignal(clip.Samples.AsSpan((int)start, window).ToArray(), clip.SampleRate, clip.Source);
    }

    /// <summary>What the cache key of window features carries.</summary>
    internal string CacheText => FormattableString.Invariant($"windows {Seconds} {HopSeconds}");
}
