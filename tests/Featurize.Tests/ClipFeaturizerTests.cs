using Mmcs.Featurize.Features;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests;

public class ClipFeaturizerTests
{
    [Fact]
    public void Extraction_is_thread_safe_and_deterministic()
    {
        var featurizer = new ClipFeaturizer();
        var clips = LibrosaFixtures.Clips.Select(LibrosaFixtures.Signal).ToArray();
        var sequential = clips.Select(c => featurizer.Extract(c, FeatureSetKind.Full).Vector.Values).ToArray();
        var parallel = new double[clips.Length * 2][];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => parallel[i] = featurizer.Extract(clips[i % clips.Length], FeatureSetKind.Full).Vector.Values);
        for (int i = 0; i < parallel.Length; i++) Assert.Equal(sequential[i % clips.Length], parallel[i]);
    }

    [Fact]
    public void Bad_clips_raise_typed_errors_naming_the_source()
    {
        var f = new ClipFeaturizer();
        var e = Assert.Throws<FeatureInputException>(() => f.Extract(new AudioSignal(new float[50000], 44100, "song.mp3"), FeatureSetKind.Seed));
        Assert.Contains("song.mp3", e.Message);
        Assert.Contains("44100", e.Message);
        Assert.Throws<FeatureInputException>(() => f.Extract(new AudioSignal(new float[100], 22050, "tiny.wav"), FeatureSetKind.Seed));
        var nan = new float[30000];
        nan[1234] = float.NaN;
        Assert.Contains("1234", Assert.Throws<FeatureInputException>(() => f.Extract(new AudioSignal(nan, 22050, "nan.wav"), FeatureSetKind.Seed)).Message);
        Assert.Throws<FeatureOptionsException>(() => new ClipFeaturizer(new FeaturizerOptions { NFft = 1000 }));
    }

    [Fact]
    public void Silence_gives_finite_features()
    {
        var f = new ClipFeaturizer().Extract(new AudioSignal(new float[22050 * 3], 22050, "silence"), FeatureSetKind.Full);
        Assert.All(f.Vector.Values, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(0.0, f.Vector["tempo"]);
    }
}
