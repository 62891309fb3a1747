using System.Text.Json;
using Mmcs.Featurize.Features;
using Mmcs.Featurize.FeatureSets;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.FeatureSets;

public class FeatureSetTests
{
    private static readonly ClipFeaturizer Featurizer = new();

    public static TheoryData<string> Clips() => new(LibrosaFixtures.Clips);

    [Fact]
    public void The_seed_set_has_the_study_s_57_names_in_its_order()
    {
        var names = Featurizer.FeatureNames(FeatureSetKind.Seed);
        Assert.Equal(57, names.Count);
        Assert.Equal(["scale", "key", "tempo", "rms_mean", "rms_var", "chroma_mean", "chroma_var", "centroid_mean", "centroid_var",
            "rolloff_mean", "rolloff_var", "zcr_mean", "zcr_var", "tonnetz_mean", "tonnetz_var", "mel_mean", "mel_var"], names.Take(17));
        Assert.Equal("mfcc_mean_1", names[17]);
        Assert.Equal("mfcc_mean_20", names[36]);
        Assert.Equal("mfcc_var_1", names[37]);
        Assert.Equal("mfcc_var_20", names[56]);
    }

    [Fact]
    public void The_full_set_has_a_few_hundred_unique_machine_friendly_names()
    {
        var names = Featurizer.FeatureNames(FeatureSetKind.Full);
        Assert.InRange(names.Count, 200, 500);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z][a-z0-9_]*$", n));
        Assert.Contains("mfcc_d1_mean_03", names);
        Assert.Contains("chroma_cqt_var_12", names);
        Assert.Contains("rms_low_energy_ratio", names);
        Assert.Contains("dissonance_mean", names);
        Assert.Contains("modulation_04_05", names);
        Assert.Equal(66, names.Count(n => n.StartsWith("mfcc_corr_", StringComparison.Ordinal)));
        Assert.Equal(21, names.Count(n => n.StartsWith("spectral_contrast_corr_", StringComparison.Ordinal)));
        Assert.Equal(["mfcc_corr_02_03", "mfcc_corr_02_04"], names.SkipWhile(n => !n.StartsWith("mfcc_corr_", StringComparison.Ordinal)).Take(2));
        Assert.Equal("spectral_contrast_corr_06_07", names[^1]);
    }

    [Fact]
    public void Fewer_mfccs_correlate_only_the_coefficients_there_are_and_the_values_still_match_the_names()
    {
        var few = new ClipFeaturizer(new FeaturizerOptions { NMfcc = 5 });
        var names = few.FeatureNames(FeatureSetKind.Full);
        // MFCC 02 ... 05: 6 pairs
        Assert.Equal(["mfcc_corr_02_03", "mfcc_corr_02_04", "mfcc_corr_02_05", "mfcc_corr_03_04", "mfcc_corr_03_05", "mfcc_corr_04_05"],
            names.Where(n => n.StartsWith("mfcc_corr_", StringComparison.Ordinal)));
        var signal = LibrosaFixtures.Signal("c_major_120bpm_25s5");
        var f = few.Extract(signal, FeatureSetKind.Full).Vector;
        Assert.Equal(names.Count, f.Values.Length);
        var mfcc = few.Analyze(signal).Mfcc;
        Assert.Equal(SlowCorrelation(mfcc.Row(2), mfcc.Row(4)), f["mfcc_corr_03_05"], 9);
    }

    [Fact]
    public void Row_correlations_are_pearson_s_for_every_pair_in_order_and_zero_for_a_row_that_does_not_vary()
    {
        var random = new Random(3);
        var m = new FeatureMatrix(5, 40);
        for (int t = 0; t < 40; t++)
        {
            m[0, t] = (float)random.NextDouble();
            m[1, t] = 3 * m[0, t] + 2;         // perfectly correlated with row 0
            m[2, t] = -0.5f * m[0, t];         // perfectly anti-correlated
            m[3, t] = (float)random.NextDouble();
            m[4, t] = 7.25f;                   // constant
        }
        var r = RowStatistics.Correlations(m, 0, 5);
        Assert.Equal(10, r.Length);
        Assert.Equal(1, r[0], 6);  // (0,1)
        Assert.Equal(-1, r[1], 6); // (0,2)
        Assert.Equal(SlowCorrelation(m.Row(0), m.Row(3)), r[2], 9);
        Assert.Equal(0, r[3]);     // (0,4): a constant row
        Assert.Equal(-1, r[4], 6); // (1,2)
        Assert.Equal(SlowCorrelation(m.Row(2), m.Row(3)), r[7], 9);
        Assert.Equal(0, r[9]);     // (3,4)
        // a sub-range of rows: (1,2), (1,3), (2,3)
        Assert.Equal([r[4], r[5], r[7]], RowStatistics.Correlations(m, 1, 3));
        Assert.Empty(RowStatistics.Correlations(m, 4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RowStatistics.Correlations(m, 3, 3));
    }

    [Fact]
    public void A_row_constant_but_for_float_rounding_correlates_zero_and_one_or_no_frame_gives_zeros()
    {
        var m = new FeatureMatrix(2, 40);
        for (int t = 0; t < 40; t++)
        {
            m[0, t] = t % 2 == 0 ? 7.25f : MathF.BitIncrement(7.25f); // one unit in the last place apart
            m[1, t] = t % 2 == 0 ? 1f : 2f;                            // moves exactly with it
        }
        Assert.Equal([0.0], RowStatistics.Correlations(m, 0, 2));
        Assert.Equal([0.0], RowStatistics.Correlations(new FeatureMatrix(2, 1, [3f, 5f]), 0, 2));
        Assert.Equal([0.0], RowStatistics.Correlations(new FeatureMatrix(2, 0), 0, 2));
    }

    // the textbook formula, in one pass over sums, as a second opinion
    private static double SlowCorrelation(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double n = x.Length, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sx += x[i]; sy += y[i]; sxx += (double)x[i] * x[i]; syy += (double)y[i] * y[i]; sxy += (double)x[i] * y[i];
        }
        return (n * sxy - sx * sy) / Math.Sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void Seed_values_are_librosa_s_statistics(string clip)
    {
        var f = Featurizer.Extract(LibrosaFixtures.Signal(clip), FeatureSetKind.Seed).Vector;
        Assert.Equal(57, f.Values.Length);
        Assert.All(f.Values, v => Assert.True(double.IsFinite(v)));
        var summary = LibrosaFixtures.Summary(clip);
        Assert.Equal(summary.GetProperty("tempo_bpm")[0].GetDouble(), f["tempo"], 9);
        var s = summary.GetProperty("summary");
        double Scalar(string key) => s.GetProperty(key).ValueKind == JsonValueKind.Array ? s.GetProperty(key)[0].GetDouble() : s.GetProperty(key).GetDouble();
        Near(Scalar("rms_mean"), f["rms_mean"], 1e-5);
        Near(Scalar("rms_var"), f["rms_var"], 1e-4);
        Near(Scalar("spectral_centroid_mean"), f["centroid_mean"], 1e-5);
        Near(Scalar("spectral_rolloff_var"), f["rolloff_var"], 1e-4);
        Near(Scalar("zcr_mean"), f["zcr_mean"], 1e-6);
        // Pooled means are the means of the row means (every row has the same number of frames).
        Near(s.GetProperty("chroma_stft_mean").EnumerateArray().Average(e => e.GetDouble()), f["chroma_mean"], 1e-5);
        Near(s.GetProperty("mel_db_mean").EnumerateArray().Average(e => e.GetDouble()), f["mel_mean"], 1e-5);
        var mfccVar = s.GetProperty("mfcc_var");
        for (int i = 0; i < 20; i++) Near(mfccVar[i].GetDouble(), f[$"mfcc_var_{i + 1}"], 1e-4);
    }

    private static void Near(double expected, double actual, double rel) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1e-12, Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Theory]
    [MemberData(nameof(Clips))]
    public void Full_values_are_finite_and_consistent_with_the_analysis(string clip)
    {
        var signal = LibrosaFixtures.Signal(clip);
        var f = Featurizer.Extract(signal, FeatureSetKind.Full).Vector;
        Assert.Equal(Featurizer.FeatureNames(FeatureSetKind.Full).Count, f.Values.Length);
        Assert.All(f.Values, v => Assert.True(double.IsFinite(v)));
        var a = Featurizer.Analyze(signal);
        Assert.Equal(a.Tempo, f["tempo"]);
        Assert.Equal(RowStatistics.Mean(a.Mfcc)[2], f["mfcc_mean_03"], 9);
        Assert.Equal(RowStatistics.Variance(Delta.Compute(a.Mfcc, 1))[2], f["mfcc_d1_var_03"], 9);
        Assert.InRange(f["rms_low_energy_ratio"], 0, 1);
        Assert.True(f["rms_p10"] <= f["rms_p50"] && f["rms_p50"] <= f["rms_p90"]);
        Assert.Equal(Statistics.Mean(new SpectralFlatness().Compute(a.Stft).Data), f["spectral_flatness_mean"], 9);
        Assert.Equal(Statistics.Variance(HarmonicChange.FromTonnetz(a.Tonnetz).Data), f["harmonic_change_var"], 9);
        Assert.Equal(KeyEstimator.ModeMargin(a.ChromaCqt), f["key_mode_margin"], 9);
        Assert.InRange(f["chroma_entropy"], 0, 1);
        Assert.InRange(f["dissonance_p90"], 0, 0.19);
        Assert.True(f["modulation_01_03"] >= 0 && f["modulation_04_05"] >= 0);
        Assert.Equal(SlowCorrelation(a.Mfcc.Row(1), a.Mfcc.Row(12)), f["mfcc_corr_02_13"], 9);
        Assert.Equal(SlowCorrelation(a.SpectralContrast.Row(0), a.SpectralContrast.Row(6)), f["spectral_contrast_corr_01_07"], 9);
    }

    [Fact]
    public void A_coarse_hop_zeroes_the_modulation_bands_above_the_envelopes_nyquist_rate_instead_of_failing()
    {
        // hop 1024 at 22050 Hz: 21.5 envelope frames per second, so 8-16 Hz is out of reach
        var coarse = new ClipFeaturizer(new FeaturizerOptions { HopLength = 1024 });
        var f = coarse.Extract(LibrosaFixtures.Signal("c_major_120bpm_25s5"), FeatureSetKind.Full).Vector;
        Assert.Equal(coarse.FeatureNames(FeatureSetKind.Full).Count, f.Values.Length);
        Assert.All(Enumerable.Range(1, 4), r => Assert.Equal(0, f[$"modulation_{r:D2}_05"]));
        Assert.True(f["modulation_01_03"] > 0);
        Assert.All(f.Values, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void Percentiles_and_moments_follow_numpy_and_scipy()
    {
        float[] x = [1, 2, 3, 4, 10];
        Assert.Equal([1.4, 3.0, 7.6], Statistics.Percentiles(x, 10, 50, 90).Select(v => Math.Round(v, 9)));
        Assert.Equal(4.0, Statistics.Mean(x), 12);
        Assert.Equal(10.0, Statistics.Variance(x), 12);
        // scipy.stats.skew([1,2,3,4,10]) = 36 / 10^1.5, scipy.stats.kurtosis = 278.8 / 10² − 3
        Assert.Equal(1.1384199576606167, Statistics.Skewness(x), 9);
        Assert.Equal(-0.212, Statistics.Kurtosis(x), 9);
        Assert.Equal(0.0, Statistics.Skewness(new float[] { 2, 2, 2 }));
    }
}
