using Mmcs.Featurize.Features;
using Mmcs.Featurize.Spectral;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Features;

public class MelMfccTests
{
    public static TheoryData<string> Clips() => new(LibrosaFixtures.Clips);

    private static Spectrogram Stft(string clip) => new Stft(new StftOptions()).Compute(LibrosaFixtures.LoadClip(clip));

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_mel_power_spectrogram_matches_librosa(string clip)
    {
        var mel = new MelSpectrogram().Compute(Stft(clip));
        FixtureComparisons.ArrayMeanVar(clip, "mel", mel, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_mel_spectrogram_in_dB_matches_librosa(string clip)
    {
        var melDb = Decibels.PowerToDb(new MelSpectrogram().Compute(Stft(clip)));
        FixtureComparisons.ArrayMeanVar(clip, "mel_db", melDb, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_MFCCs_match_librosa(string clip)
    {
        var melDb = Decibels.PowerToDb(new MelSpectrogram().Compute(Stft(clip)));
        var mfcc = new Mfcc().FromMelDb(melDb);
        FixtureComparisons.ArrayMeanVar(clip, "mfcc", mfcc, 1e-5);
    }

    [Fact]
    public void The_mel_filterbank_has_librosa_s_triangles()
    {
        var mel = new MelSpectrogram();
        var fb = mel.Filterbank;
        Assert.Equal(128 * 1025, fb.Length);
        // Every band has weight, each bin belongs to at most two bands, and Slaney bands integrate to ~2/width.
        for (int m = 0; m < 128; m++)
        {
            float max = 0;
            for (int k = 0; k < 1025; k++) max = Math.Max(max, fb[m * 1025 + k]);
            Assert.True(max > 0, $"band {m} empty");
        }
        for (int k = 0; k < 1025; k++)
        {
            int n = 0;
            for (int m = 0; m < 128; m++) if (fb[m * 1025 + k] > 0) n++;
            Assert.InRange(n, 0, 2);
        }
        Assert.Equal(1000.0, Frequencies.MelToHz(Frequencies.HzToMel(1000.0)), 9);
        Assert.Equal(15.0, Frequencies.HzToMel(1000.0), 12);
        Assert.Equal(440.0, Frequencies.MelToHz(Frequencies.HzToMel(440.0, htk: true), htk: true), 9);
    }

    [Fact]
    public void Power_to_db_floors_at_amin_and_clips_to_top_db()
    {
        var db = Decibels.PowerToDb(new float[] { 0f, 1e-12f, 1f, 100f, 1e5f });
        Assert.Equal(50f, db[4], 4);
        Assert.Equal(20f, db[3], 4);
        Assert.Equal(0f, db[2], 4);
        Assert.Equal(-30f, db[0], 4); // -100 dB clipped to 50 - 80
        var raw = Decibels.PowerToDb(new float[] { 0f, 1f }, new DecibelOptions { TopDb = null });
        Assert.Equal(-100f, raw[0], 3);
        Assert.Throws<FeatureOptionsException>(() => Decibels.PowerToDb(new float[1], new DecibelOptions { AMin = 0 }));
        var amp = Decibels.AmplitudeToDb(new float[] { 10f, 0f });
        Assert.Equal(20f, amp[0], 4);
        Assert.Equal(-60f, amp[1], 4);
    }

    [Fact]
    public void Mismatched_inputs_are_refused_with_typed_errors()
    {
        Assert.Throws<FeatureOptionsException>(() => new MelSpectrogram(new MelOptions { NMels = 0 }));
        Assert.Throws<FeatureOptionsException>(() => new MelSpectrogram(new MelOptions { FMax = 20000 }));
        Assert.Throws<FeatureOptionsException>(() => new Mfcc(new MfccOptions { NMfcc = 200 }));
        var e = Assert.Throws<FeatureInputException>(() => new MelSpectrogram().Compute(new AudioSignal(new float[4096], 44100, "x.wav")));
        Assert.Contains("x.wav", e.Message);
        Assert.Throws<FeatureInputException>(() => new Mfcc().FromMelDb(new FeatureMatrix(40, 10)));
        var small = new Stft(new StftOptions { NFft = 512 }).Compute(new float[2048]);
        Assert.Throws<FeatureInputException>(() => new MelSpectrogram().Compute(small));
    }
}
