using Mmcs.Featurize.Features;
using Mmcs.Featurize.Spectral;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Features;

public class OnsetTempoTests
{
    public static TheoryData<string> Clips() => new(LibrosaFixtures.Clips);

    private static FeatureMatrix MelDb(string clip) =>
        Decibels.PowerToDb(new MelSpectrogram().Compute(new Stft(new StftOptions()).Compute(LibrosaFixtures.LoadClip(clip))));

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_onset_strength_envelope_matches_librosa(string clip)
    {
        var env = new OnsetStrength().FromMelDb(MelDb(clip));
        var expected = LibrosaFixtures.Array(clip, "onset_strength").ToDoubles();
        Close.Assert($"{clip} onset_strength", expected, env, 1e-5);
        var m = new FeatureMatrix(1, env.Length, env);
        Close.Assert($"{clip} onset mean", LibrosaFixtures.Array(clip, "onset_strength_mean").ToDoubles(), Mmcs.Featurize.FeatureSets.RowStatistics.Mean(m), 1e-5);
        Close.Assert($"{clip} onset var", LibrosaFixtures.Array(clip, "onset_strength_var").ToDoubles(), Mmcs.Featurize.FeatureSets.RowStatistics.Variance(m), 1e-5);
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_tempo_equals_librosa_s_beat_track_value(string clip)
    {
        var median = new OnsetStrength(new OnsetOptions { Aggregate = OnsetAggregate.Median }).FromMelDb(MelDb(clip));
        double tempo = new TempoEstimator().BeatTrackTempo(median);
        double expected = LibrosaFixtures.Summary(clip).GetProperty("tempo_bpm")[0].GetDouble();
        Assert.Equal(expected, tempo, 9);
    }

    [Fact]
    public void The_tempo_grid_is_librosa_s()
    {
        var est = new TempoEstimator();
        Assert.Equal(344, est.Options.WinLength);
        Assert.True(double.IsPositiveInfinity(est.Bpms[0]));
        Assert.Equal(117.45383522727273, est.Bpms[22], 12);
        Assert.Equal(103.359375, est.Bpms[25], 12);
    }

    [Fact]
    public void A_click_track_at_a_grid_tempo_is_found()
    {
        // Impulses every 25 frames (103.36 bpm) in an otherwise silent envelope.
        var env = new float[1000];
        for (int t = 10; t < env.Length; t += 25) env[t] = 1f;
        Assert.Equal(60.0 * 22050 / (512 * 25), new TempoEstimator().Estimate(env), 9);
        Assert.Equal(0.0, new TempoEstimator().BeatTrackTempo(new float[500]));
    }

    [Fact]
    public void The_tempogram_columns_are_scaled_to_one_at_lag_zero()
    {
        var env = new float[400];
        var rng = new Random(3);
        for (int i = 0; i < env.Length; i++) env[i] = (float)rng.NextDouble();
        var tg = new TempoEstimator().Tempogram(env);
        Assert.Equal(344, tg.Rows);
        Assert.Equal(400, tg.Cols);
        for (int t = 0; t < tg.Cols; t++) Assert.Equal(1f, tg[0, t], 5);
        // Lag-k autocorrelation of frame 200 computed the slow way.
        int half = 172;
        var w = Windows.HannPeriodic(344);
        var x = new double[344];
        for (int j = 0; j < 344; j++) x[j] = env[200 - half + j] * w[j];
        double r0 = 0, r7 = 0;
        for (int j = 0; j < 344; j++) r0 += x[j] * x[j];
        for (int j = 0; j + 7 < 344; j++) r7 += x[j] * x[j + 7];
        Assert.Equal(r7 / r0, tg[7, 200], 5);
    }
}
