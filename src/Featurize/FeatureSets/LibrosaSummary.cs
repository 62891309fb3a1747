using System.Text.Json.Serialization;

namespace Mmcs.Featurize.FeatureSets;

/// <summary>
/// The "librosa summary" of one file, as `mmcs features extract --json` prints it: per-row mean and population
/// variance over frames of each librosa feature (arrays), the beat_track tempo in bpm and the key ("A minor").
/// Serialises with System.Text.Json to exactly these keys.
/// </summary>
public sealed record LibrosaSummary
{
    [JsonPropertyName("mfcc_mean")] public required double[] MfccMean { get; init; }
    [JsonPropertyName("mfcc_var")] public required double[] MfccVar { get; init; }
    [JsonPropertyName("mel_db_mean")] public required double[] MelDbMean { get; init; }
    [JsonPropertyName("mel_db_var")] public required double[] MelDbVar { get; init; }
    [JsonPropertyName("chroma_stft_mean")] public required double[] ChromaStftMean { get; init; }
    [JsonPropertyName("chroma_stft_var")] public required double[] ChromaStftVar { get; init; }
    [JsonPropertyName("tonnetz_mean")] public required double[] TonnetzMean { get; init; }
    [JsonPropertyName("tonnetz_var")] public required double[] TonnetzVar { get; init; }
    [JsonPropertyName("rms_mean")] public required double[] RmsMean { get; init; }
    [JsonPropertyName("rms_var")] public required double[] RmsVar { get; init; }
    [JsonPropertyName("zcr_mean")] public required double[] ZcrMean { get; init; }
    [JsonPropertyName("zcr_var")] public required double[] ZcrVar { get; init; }
    [JsonPropertyName("spectral_centroid_mean")] public required double[] SpectralCentroidMean { get; init; }
    [JsonPropertyName("spectral_centroid_var")] public required double[] SpectralCentroidVar { get; init; }
    [JsonPropertyName("spectral_rolloff_mean")] public required double[] SpectralRolloffMean { get; init; }
    [JsonPropertyName("spectral_rolloff_var")] public required double[] SpectralRolloffVar { get; init; }
    [JsonPropertyName("spectral_bandwidth_mean")] public required double[] SpectralBandwidthMean { get; init; }
    [JsonPropertyName("spectral_bandwidth_var")] public required double[] SpectralBandwidthVar { get; init; }
    [JsonPropertyName("spectral_contrast_mean")] public required double[] SpectralContrastMean { get; init; }
    [JsonPropertyName("spectral_contrast_var")] public required double[] SpectralContrastVar { get; init; }
    [JsonPropertyName("onset_strength_mean")] public required double[] OnsetStrengthMean { get; init; }
    [JsonPropertyName("onset_strength_var")] public required double[] OnsetStrengthVar { get; init; }

    /// <summary>librosa.beat.beat_track tempo (bpm).</summary>
    [JsonPropertyName("tempo")] public required double Tempo { get; init; }

    /// <summary>Estimated key, e.g. "A minor".</summary>
    [JsonPropertyName("key")] public required string Key { get; init; }

    public static LibrosaSummary From(ClipAnalysis a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var onset = new FeatureMatrix(1, a.OnsetStrength.Length, a.OnsetStrength);
        return new LibrosaSummary
        {
            MfccMean = RowStatistics.Mean(a.Mfcc),
            MfccVar = RowStatistics.Variance(a.Mfcc),
            MelDbMean = RowStatistics.Mean(a.MelDb),
            MelDbVar = RowStatistics.Variance(a.MelDb),
            ChromaStftMean = RowStatistics.Mean(a.ChromaStft),
            ChromaStftVar = RowStatistics.Variance(a.ChromaStft),
            TonnetzMean = RowStatistics.Mean(a.Tonnetz),
            TonnetzVar = RowStatistics.Variance(a.Tonnetz),
            RmsMean = RowStatistics.Mean(a.Rms),
            RmsVar = RowStatistics.Variance(a.Rms),
            ZcrMean = RowStatistics.Mean(a.Zcr),
            ZcrVar = RowStatistics.Variance(a.Zcr),
            SpectralCentroidMean = RowStatistics.Mean(a.SpectralCentroid),
            SpectralCentroidVar = RowStatistics.Variance(a.SpectralCentroid),
            SpectralRolloffMean = RowStatistics.Mean(a.SpectralRolloff),
            SpectralRolloffVar = RowStatistics.Variance(a.SpectralRolloff),
            SpectralBandwidthMean = RowStatistics.Mean(a.SpectralBandwidth),
            SpectralBandwidthVar = RowStatistics.Variance(a.SpectralBandwidth),
            SpectralContrastMean = RowStatistics.Mean(a.SpectralContrast),
            SpectralContrastVar = RowStatistics.Variance(a.SpectralContrast),
            OnsetStrengthMean = RowStatistics.Mean(onset),
            OnsetStrengthVar = RowStatistics.Variance(onset),
            Tempo = a.Tempo,
            Key = a.Key.Name,
        };
    }
}
