using Mmcs.Featurize.Features;

namespace Mmcs.Featurize.FeatureSets;

/// <summary>
/// Per-coefficient statistics of every feature (a few hundred values; 276 with the default options). Names are
/// stable, unique and machine-friendly; per-row indices are 1-based and two-digit (chroma rows 01 = C … 12 = B).
/// In order:
/// <list type="number">
/// <item>tempo, key_tonic (0 = C … 11 = B), key_mode (0 minor, 1 major), key_strength (Krumhansl–Schmuckler correlation);</item>
/// <item>for rms, zcr, spectral_centroid, spectral_bandwidth, spectral_rolloff and onset_strength:
/// _mean, _var, _skew, _kurt (excess), _p10, _p50, _p90;</item>
/// <item>rms_dynamic_range_db (20·log10 of the 95th over the 5th percentile of RMS, floor 1e-5) and
/// rms_low_energy_ratio (fraction of frames below the mean RMS);</item>
/// <item>tempo_strength (beat_track tempogram, averaged over frames, at the chosen tempo's lag) and pulse_clarity
/// (its largest value over lags of 320 bpm and slower); both 0 when no onset was found;</item>
/// <item>mfcc_mean_NN, mfcc_var_NN, then the same for the first and second deltas (mfcc_d1_…, mfcc_d2_…, librosa.feature.delta, width 9);</item>
/// <item>chroma_stft_mean_NN / _var_NN and chroma_cqt_mean_NN / _var_NN (12 each);</item>
/// <item>tonnetz_mean_NN / _var_NN (6), spectral_contrast_mean_NN / _var_NN (7);</item>
/// <item>mel_db_mean_NN / mel_db_var_NN over 16 groups of adjacent mel bands (each group's per-frame mean in dB).</item>
/// </list>
/// </summary>
public static class FullFeatureSet
{
    private static readonly string[] Series = ["rms", "zcr", "spectral_centroid", "spectral_bandwidth", "spectral_rolloff", "onset_strength"];
    private static readonly string[] SeriesStats = ["mean", "var", "skew", "kurt", "p10", "p50", "p90"];

    /// <summary>Mel band groups summarised.</summary>
    public const int MelGroups = 16;

    public static IReadOnlyList<string> Names(int nMfcc = 20)
    {
        var n = new List<string> { "tempo", "key_tonic", "key_mode", "key_strength" };
        foreach (var s in Series)
        {
            foreach (var st in SeriesStats) n.Add($"{s}_{st}");
        }
        n.AddRange(["rms_dynamic_range_db", "rms_low_energy_ratio", "tempo_strength", "pulse_clarity"]);
        foreach (var prefix in new[] { "mfcc", "mfcc_d1", "mfcc_d2" })
        {
            for (int i = 1; i <= nMfcc; i++) n.Add($"{prefix}_mean_{i:D2}");
            for (int i = 1; i <= nMfcc; i++) n.Add($"{prefix}_var_{i:D2}");
        }
        AddRows(n, "chroma_stft", 12);
        AddRows(n, "chroma_cqt", 12);
        AddRows(n, "tonnetz", 6);
        AddRows(n, "spectral_contrast", 7);
        AddRows(n, "mel_db", MelGroups);
        return n;
    }

    private static void AddRows(List<string> n, string prefix, int rows)
    {
        for (int i = 1; i <= rows; i++) n.Add($"{prefix}_mean_{i:D2}");
        for (int i = 1; i <= rows; i++) n.Add($"{prefix}_var_{i:D2}");
    }

    public static double[] Compute(ClipAnalysis a, TempoEstimator tempo)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(tempo);
        var v = new List<double>(300) { a.Tempo, a.Key.Tonic, a.Key.Mode == KeyMode.Major ? 1 : 0, a.Key.Correlation };
        var series = new[] { a.Rms.Data, a.Zcr.Data, a.SpectralCentroid.Data, a.SpectralBandwidth.Data, a.SpectralRolloff.Data, a.OnsetStrength };
        foreach (var s in series)
        {
            var p = Statistics.Percentiles(s, 10, 50, 90);
            v.Add(Statistics.Mean(s));
            v.Add(Statistics.Variance(s));
            v.Add(Statistics.Skewness(s));
            v.Add(Statistics.Kurtosis(s));
            v.AddRange(p);
        }

        var rp = Statistics.Percentiles(a.Rms.Data, 5, 95); // a second sort of 1099 values; cheap
        v.Add(20 * Math.Log10(Math.Max(rp[1], 1e-5) / Math.Max(rp[0], 1e-5)));
        double rmsMean = Statistics.Mean(a.Rms.Data);
        int low = 0;
        foreach (float r in a.Rms.Data) if (r < rmsMean) low++;
        v.Add(a.Rms.Cols > 0 ? (double)low / a.Rms.Cols : 0);

        double strength = 0, clarity = 0;
        if (a.Tempo > 0 && a.MeanTempogram.Length > 0)
        {
            for (int k = 1; k < a.MeanTempogram.Length; k++)
            {
                if (Math.Abs(tempo.Bpms[k] - a.Tempo) < 1e-9) strength = a.MeanTempogram[k];
                if (tempo.Bpms[k] < 320.0) clarity = Math.Max(clarity, a.MeanTempogram[k]);
            }
        }
        v.Add(strength);
        v.Add(clarity);

        AddRowStats(v, a.Mfcc);
        AddRowStats(v, Delta.Compute(a.Mfcc, 1));
        AddRowStats(v, Delta.Compute(a.Mfcc, 2));
        AddRowStats(v, a.ChromaStft);
        AddRowStats(v, a.ChromaCqt);
        AddRowStats(v, a.Tonnetz);
        AddRowStats(v, a.SpectralContrast);
        AddRowStats(v, MelGroupMeans(a.MelDb));
        return [.. v];
    }

    private static void AddRowStats(List<double> v, FeatureMatrix m)
    {
        v.AddRange(RowStatistics.Mean(m));
        v.AddRange(RowStatistics.Variance(m));
    }

    /// <summary>Per-frame mean (in dB) of each of <see cref="MelGroups"/> groups of adjacent mel bands.</summary>
    internal static FeatureMatrix MelGroupMeans(FeatureMatrix melDb)
    {
        int bands = melDb.Rows, frames = melDb.Cols;
        var g = new FeatureMatrix(MelGroups, frames);
        for (int i = 0; i < MelGroups; i++)
        {
            int lo = i * bands / MelGroups, hi = Math.Max(lo + 1, (i + 1) * bands / MelGroups);
            var dst = g.Row(i);
            for (int b = lo; b < hi; b++) Spectral.Simd.Add(dst, melDb.Row(b));
            float inv = 1f / (hi - lo);
            for (int t = 0; t < frames; t++) dst[t] *= inv;
        }
        return g;
    }
}
