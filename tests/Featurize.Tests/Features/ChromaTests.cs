using Mmcs.Featurize.Features;
using Mmcs.Featurize.Spectral;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Features;

public class ChromaTests
{
    public static TheoryData<string> Clips() => new(LibrosaFixtures.Clips);

    private static Spectrogram Stft(string clip) => new Stft(new StftOptions()).Compute(LibrosaFixtures.LoadClip(clip));

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_estimated_tuning_equals_librosa_s(string clip)
    {
        var s = Stft(clip);
        double tuning = new TuningEstimator().Estimate(s.Power, s.Bins, s.Frames, 12);
        Assert.Equal(LibrosaFixtures.Summary(clip).GetProperty("tuning_chroma_stft").GetDouble(), tuning, 12);
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void Chroma_stft_with_estimated_tuning_matches_librosa(string clip)
    {
        var chroma = new ChromaStft().Compute(Stft(clip), out double tuning);
        Assert.Equal(LibrosaFixtures.Summary(clip).GetProperty("tuning_chroma_stft").GetDouble(), tuning, 12);
        FixtureComparisons.ArrayMeanVar(clip, "chroma_stft", chroma, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void Chroma_stft_with_zero_tuning_matches_librosa(string clip)
    {
        var chroma = new ChromaStft(new ChromaOptions { Tuning = 0.0 }).Compute(Stft(clip));
        FixtureComparisons.ArrayMeanVar(clip, "chroma_stft_tuning0", chroma, 1e-5);
    }

    [Fact]
    public void A_pure_A4_lands_in_the_A_row_and_its_tuning_is_zero()
    {
        var y = new float[22050 * 2];
        for (int i = 0; i < y.Length; i++) y[i] = (float)(0.5 * Math.Sin(2 * Math.PI * 440.0 * i / 22050));
        var chroma = new ChromaStft().Compute(new AudioSignal(y, 22050, "a4"), out double tuning);
        Assert.InRange(tuning, -0.05, 0.05);
        var mean = Mmcs.Featurize.FeatureSets.RowStatistics.Mean(chroma);
        int best = Array.IndexOf(mean, mean.Max());
        Assert.Equal(9, best); // rows are C, C#, D, …: A is 9
    }

    [Fact]
    public void Pitch_tuning_of_exactly_detuned_notes_is_recovered()
    {
        // Notes 25 cents sharp (0.25 of a semitone bin).
        var pitches = new List<(float, float)>();
        for (int m = 50; m < 80; m++) pitches.Add(((float)(440 * Math.Pow(2, (m - 69 + 0.25) / 12.0)), 1f));
        Assert.Equal(0.25, TuningEstimator.PitchTuning(pitches, 0.01, 12), 9);
    }
}
