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
        Assert.InRange(names.Count, 200, 400);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z][a-z0-9_]*$", n));
        Assert.Contains("mfcc_d1_mean_03", names);
        Assert.Contains("chroma_cqt_var_12", names);
        Assert.Contains("rms_low_energy_ratio", names);
        Assert.Contains("dissonance_mean", names);
        Assert.Contains("modulation_04_05", names);
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
