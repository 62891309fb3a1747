namespace Mmcs.Featurize;

/// <summary>Mono audio as 32-bit float samples (nominally in [-1, 1]) at a known sample rate.</summary>
public sealed class AudioSignal
{
    public AudioSignal(float[] samples, int sampleRate, string source)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        Samples = samples;
        SampleRate = sampleRate;
        Source = source;
    }

    /// <summary>The samples, mono.</summary>
    public float[] Samples { get; }

    /// <summary>Samples per second.</summary>
    public int SampleRate { get; }

    /// <summary>Where the audio came from (a file path or a description), for error messages.</summary>
    public string Source { get; }

    /// <summary>Length in seconds.</summary>
    public double DurationSeconds => (double)Samples.Length / SampleRate;
}
