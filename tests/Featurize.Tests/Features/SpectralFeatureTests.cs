using Mmcs.Featurize.Features;
using Mmcs.Featurize.Spectral;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Features;

public class SpectralFeatureTests
{
    public static TheoryData<string> Clips() => new(LibrosaFixtures.Clips);

    private static Spectrogram Stft(string clip) => new Stft(new StftOptions()).Compute(LibrosaFixtures.LoadClip(clip));

    [Theory]
    [MemberData(nameof(Clips))]
    public void Rms_matches_librosa(string clip) =>
        FixtureComparisons.ArrayMeanVar(clip, "rms", new Rms().Compute(LibrosaFixtures.LoadClip(clip)), 1e-5);

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_zero_crossing_rate_matches_librosa(string clip) =>
        FixtureComparisons.ArrayMeanVar(clip, "zcr", new ZeroCrossingRate().Compute(LibrosaFixtures.LoadClip(clip)), 1e-6);

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_spectral_centroid_matches_librosa(string clip) =>
        FixtureComparisons.ArrayMeanVar(clip, "spectral_centroid", new SpectralCentroid().Compute(Stft(clip)), 1e-5);

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_spectral_bandwidth_matches_librosa(string clip) =>
        FixtureComparisons.ArrayMeanVar(clip, "spectral_bandwidth", new SpectralBandwidth().Compute(Stft(clip)), 1e-5);

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_spectral_rolloff_matches_librosa(string clip) =>
        FixtureComparisons.ArrayMeanVar(clip, "spectral_rolloff", new SpectralRolloff().Compute(Stft(clip)), 1e-6);

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_spectral_contrast_matches_librosa(string clip) =>
        FixtureComparisons.ArrayMeanVar(clip, "spectral_contrast", new SpectralContrast().Compute(Stft(clip)), 1e-5);

    [Fact]
    public void Time_domain_features_agree_with_their_definitions_on_a_known_signal()
    {
        // A ±0.5 square wave with period 8 samples: rms 0.5, two sign changes per period.
        var y = new float[8192];
        for (int i = 0; i < y.Length; i++) y[i] = (i / 4) % 2 == 0 ? 0.5f : -0.5f;
        var rms = new Rms(new RmsOptions { Center = false }).Compute(y);
        Assert.Equal(1 + (8192 - 2048) / 512, rms.Cols);
        Assert.All(rms.Data, v => Assert.Equal(0.5f, v, 6));
        var zcr = new ZeroCrossingRate(new ZcrOptions { Center = false }).Compute(y);
        // 2047 adjacent pairs per frame, of which 511 are sign changes (every 4th pair).
        Assert.All(zcr.Data, v => Assert.Equal(511f / 2048, v, 6));
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<FeatureOptionsException>(() => new SpectralRolloff(rollPercent: 1.5));
        Assert.Throws<FeatureOptionsException>(() => new SpectralContrast(contrast: new ContrastOptions { NBands = 8 }));
        Assert.Throws<FeatureOptionsException>(() => new SpectralBandwidth(bandwidth: new BandwidthOptions { P = 0 }));
        Assert.Throws<FeatureOptionsException>(() => new Rms(new RmsOptions { HopLength = 0 }));
        Assert.Throws<FeatureOptionsException>(() => new ZeroCrossingRate(new ZcrOptions { FrameLength = 1 }));
    }
}
