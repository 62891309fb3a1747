namespace Mmcs.Featurize;

/// <summary>Which 1D feature set to compute.</summary>
public enum FeatureSetKind
{
    /// <summary>The original study's 57 inputs, in its order (scale, key, tempo, rms, chroma, …, mfcc_var_20).</summary>
    Seed,

    /// <summary>Per-coefficient statistics of every feature, plus deltas.</summary>
    Full,
}

/// <summary>
/// How a clip is turned into features. Defaults equal librosa 0.11's defaults. Immutable: the whole record
/// travels inside every model package (and keys the feature cache), so a model never meets features
/// computed differently.
/// </summary>
public sealed record FeaturizerOptions
{
    /// <summary>Sample rate every clip is resampled to (librosa's sr).</summary>
    public int SampleRate { get; init; } = 22050;

    /// <summary>FFT length (librosa n_fft).</summary>
    public int NFft { get; init; } = 2048;

    /// <summary>Hop between frames (librosa hop_length).</summary>
    public int HopLength { get; init; } = 512;

    /// <summary>Mel bands (librosa n_mels).</summary>
    public int NMels { get; init; } = 128;

    /// <summary>MFCC coefficients (librosa n_mfcc).</summary>
    public int NMfcc { get; init; } = 20;

    /// <summary>Length of the analysed excerpt in seconds (the original study: 25.5 s).</summary>
    public double ExcerptSeconds { get; init; } = 25.5;

    /// <summary>Where the excerpt starts, in seconds from the beginning of the file.</summary>
    public double ExcerptOffsetSeconds { get; init; }

    /// <summary>Clips shorter than the excerpt are skipped with a reported reason (the original study's policy)
    /// unless this is true, in which case they are zero-padded to the excerpt length.</summary>
    public bool PadShortClips { get; init; }
}

/// <summary>A named 1D feature vector (one table row).</summary>
public sealed record FeatureVector(IReadOnlyList<string> Names, double[] Values)
{
    public double this[string name]
    {
        get
        {
            for (int i = 0; i < Names.Count; i++)
            {
                if (Names[i] == name) return Values[i];
            }
            throw new KeyNotFoundException($"no feature named '{name}'");
        }
    }
}

/// <summary>Target size of a 2D image (rows = frequency axis, cols = time axis); null keeps the native size.</summary>
public sealed record ImageSize(int Rows, int Cols);

/// <summary>Sizes of the three 2D inputs of the CNNs (the original study: spectrogram 300x300, MFCC 120x600, mel 300x400).</summary>
public sealed record ImageOptions
{
    public ImageSize? Spectrogram { get; init; }
    public ImageSize? Mfcc { get; init; }
    public ImageSize? Mel { get; init; }

    /// <summary>The original study's sizes.</summary>
    public static ImageOptions OriginalStudy { get; } = new()
    {
        Spectrogram = new ImageSize(300, 300),
        Mfcc = new ImageSize(120, 600),
        Mel = new ImageSize(300, 400),
    };
}

/// <summary>The 2D arrays of one clip: spectrogram in dB, MFCC, mel in dB, each [rows × frames] after resizing.</summary>
public sealed record FeatureImages(FeatureMatrix SpectrogramDb, FeatureMatrix Mfcc, FeatureMatrix MelDb);

/// <summary>Everything computed for one clip from one STFT.</summary>
public sealed record ClipFeatures(FeatureVector Vector, FeatureImages? Images);

/// <summary>
/// Turns one mono clip, already at <see cref="FeaturizerOptions.SampleRate"/> and cut to the excerpt, into features.
/// Implementations build their filterbanks and FFT plans once and are safe to share between threads.
/// </summary>
public interface IClipFeaturizer
{
    FeaturizerOptions Options { get; }

    /// <summary>Names of the 1D features of a set, in table order.</summary>
    IReadOnlyList<string> FeatureNames(FeatureSetKind set);

    /// <summary>The 1D vector and, when <paramref name="images"/> is given, the 2D arrays, from one STFT.</summary>
    ClipFeatures Extract(AudioSignal clip, FeatureSetKind set, ImageOptions? images = null);
}
