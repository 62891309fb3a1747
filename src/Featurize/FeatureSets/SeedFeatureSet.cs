namespace Mmcs.Featurize.FeatureSets;

/// <summary>
/// The original study's 57 inputs, in its order: scale (0 minor, 1 major), key (0 = C … 11 = B), tempo, rms
/// mean/var, chroma mean/var, spectral centroid mean/var, roll-off mean/var, zero-crossing rate mean/var, tonnetz
/// mean/var, mel mean/var, mfcc_mean_1..20, mfcc_var_1..20. Chroma, tonnetz and mel are pooled: one mean and one
/// (population) variance over every value of the matrix.
/// <para>Differences from the original study (as far as its description goes):</para>
/// <list type="bullet">
/// <item>mel_mean / mel_var are statistics of the mel spectrogram in dB (power_to_db, ref 1, top_db 80), not of the
/// raw mel power, whose values span ten orders of magnitude and make the pooled mean/variance meaningless.</item>
/// <item>key and scale are estimated by Krumhansl–Schmuckler key profiles on the constant-Q chroma (the study does
/// not say how it estimated them).</item>
/// <item>chroma is librosa.feature.chroma_stft (tuning estimated); tonnetz is librosa's default (through
/// chroma_cqt); tempo is librosa.beat.beat_track's, on librosa's lag grid (e.g. 117.45 bpm for a 120 bpm click).</item>
/// <item>Every value is computed here in C# and matches librosa 0.11 numerically (see the tests), so the study's
/// numbers are reproducible only to the extent its librosa version and loading agree with 0.11.</item>
/// </list>
/// </summary>
public static class SeedFeatureSet
{
    public static readonly IReadOnlyList<string> Names = BuildNames();

    public static double[] Compute(ClipAnalysis a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var v = new List<double>(57)
        {
            a.Key.Mode == Features.KeyMode.Major ? 1 : 0,
            a.Key.Tonic,
            a.Tempo,
            Statistics.Mean(a.Rms.Data), Statistics.Variance(a.Rms.Data),
            Statistics.PooledMean(a.ChromaStft), Statistics.PooledVariance(a.ChromaStft),
            Statistics.Mean(a.SpectralCentroid.Data), Statistics.Variance(a.SpectralCentroid.Data),
            Statistics.Mean(a.SpectralRolloff.Data), Statistics.Variance(a.SpectralRolloff.Data),
            Statistics.Mean(a.Zcr.Data), Statistics.Variance(a.Zcr.Data),
            Statistics.PooledMean(a.Tonnetz), Statistics.PooledVariance(a.Tonnetz),
            Statistics.PooledMean(a.MelDb), Statistics.PooledVariance(a.MelDb),
        };
        var mean = RowStatistics.Mean(a.Mfcc);
        var var = RowStatistics.Variance(a.Mfcc);
        if (mean.Length != 20)
            throw new Features.FeatureOptionsException($"the seed feature set needs 20 MFCCs, the options give {mean.Length}");
        v.AddRange(mean);
        v.AddRange(var);
        return [.. v];
    }

    private static string[] BuildNames()
    {
        var n = new List<string>
        {
            "scale", "key", "tempo", "rms_mean", "rms_var", "chroma_mean", "chroma_var", "centroid_mean", "centroid_var",
            "rolloff_mean", "rolloff_var", "zcr_mean", "zcr_var", "tonnetz_mean", "tonnetz_var", "mel_mean", "mel_var",
        };
        for (int i = 1; i <= 20; i++) n.Add($"mfcc_mean_{i}");
        for (int i = 1; i <= 20; i++) n.Add($"mfcc_var_{i}");
        return [.. n];
    }
}
