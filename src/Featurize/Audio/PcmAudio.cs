namespace Mmcs.Featurize.Audio;

/// <summary>
/// Decoded audio before downmixing and resampling: interleaved float samples (frame f, channel c at
/// <c>Samples[f * Channels + c]</c>), nominally in [-1, 1], at the file's own sample rate.
/// </summary>
public sealed class PcmAudio
{
    public PcmAudio(float[] samples, int channels, int sampleRate, string source)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(channels, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        if (samples.Length % channels != 0)
            throw new ArgumentException($"{samples.Length} samples are not a whole number of {channels}-channel frames", nameof(samples));
        Samples = samples;
        Channels = channels;
        SampleRate = sampleRate;
        Source = source;
    }

    /// <summary>Interleaved samples.</summary>
    public float[] Samples { get; }

    public int Channels { get; }

    public int SampleRate { get; }

    /// <summary>Where the audio came from, for error messages.</summary>
    public string Source { get; }

    /// <summary>Channels of the file the audio was decoded from (more than <see cref="Channels"/> when the decoder downmixed).</summary>
    public int SourceChannels
    {
        get => _sourceChannels ?? Channels;
        init => _sourceChannels = value;
    }

    private readonly int? _sourceChannels;

    /// <summary>Number of frames (samples per channel).</summary>
    public int Frames => Samples.Length / Channels;

    public double DurationSeconds => (double)Frames / SampleRate;

    /// <summary>One channel's samples, de-interleaved.</summary>
    public float[] Channel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Channels);
        var y = new float[Frames];
        for (int f = 0, i = channel; f < y.Length; f++, i += Channels) y[f] = Samples[i];
        return y;
    }

    /// <summary>The mean of the channels (librosa's <c>to_mono</c>); the samples themselves when already mono.</summary>
    public float[] ToMono() => Downmix.ToMono(Samples, Channels);
}

/// <summary>Downmixing interleaved audio to mono.</summary>
public static class Downmix
{
    /// <summary>The mean of the channels of each frame, like librosa.to_mono (which averages in float32).
    /// Mono input is returned as it is (not copied).</summary>
    public static float[] ToMono(float[] interleaved, int channels)
    {
        ArgumentNullException.ThrowIfNull(interleaved);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(channels, 0);
        if (channels == 1) return interleaved;
        int frames = interleaved.Length / channels;
        var y = new float[frames];
        if (channels == 2)
        {
            for (int f = 0; f < frames; f++) y[f] = (interleaved[2 * f] + interleaved[2 * f + 1]) * 0.5f;
            return y;
        }
        float scale = 1f / channels;
        for (int f = 0; f < frames; f++)
        {
            double sum = 0;
            int b = f * channels;
            for (int c = 0; c < channels; c++) sum += interleaved[b + c];
            y[f] = (float)(sum * scale);
        }
        return y;
    }
}
