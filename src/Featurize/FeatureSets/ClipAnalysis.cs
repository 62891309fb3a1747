using Mmcs.Featurize.Features;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.FeatureSets;

/// <summary>
/// Everything computed for one clip from its one STFT: the frame-level features every feature set, summary and
/// image reads. Arrays are [rows × frames] like librosa's.
/// </summary>
public sealed record ClipAnalysis
{
    public required Spectrogram Stft { get; init; }
    public required FeatureMatrix Mel { get; init; }
    public required FeatureMatrix MelDb { get; init; }
    public required FeatureMatrix Mfcc { get; init; }
    public required FeatureMatrix Rms { get; init; }
    public required FeatureMatrix Zcr { get; init; }
    public required FeatureMatrix SpectralCentroid { get; init; }
    public required FeatureMatrix SpectralBandwidth { get; init; }
    public required FeatureMatrix SpectralRolloff { get; init; }
    public required FeatureMatrix SpectralContrast { get; init; }

    /// <summary>librosa.onset.onset_strength (mean over mel bands).</summary>
    public required float[] OnsetStrength { get; init; }

    /// <summary>Tempo (bpm) as librosa.beat.beat_track reports it (0 when there is no onset at all).</summary>
    public required double Tempo { get; init; }

    /// <summary>The beat_track envelope's frame-averaged tempogram (lag 0 … win−1); empty when the tempo is 0.</summary>
    public required double[] MeanTempogram { get; init; }

    public required FeatureMatrix ChromaStft { get; init; }
    public required double ChromaStftTuning { get; init; }
    /// <summary>|CQT| (7 octaves × 36 bins from C1 shifted by <see cref="CqtTuning"/>), which chroma_cqt folds.</summary>
    public required FeatureMatrix Cqt { get; init; }

    public required FeatureMatrix ChromaCqt { get; init; }
    public required double CqtTuning { get; init; }
    public required FeatureMatrix Tonnetz { get; init; }
    public required KeyEstimate Key { get; init; }

    /// <summary>Frames.</summary>
    public int Frames => Stft.Frames;
}
