namespace Mmcs.Featurize.Tests.Batch;

/// <summary>A small stand-in featuriser: rms, mean, peak and length of the clip; images derived from the samples.
/// Counts its calls; throws for clips whose first sample is exactly 0.125 (to test per-file failures).</summary>
internal sealed class FakeFeaturizer(FeaturizerOptions options) : IClipFeaturizer
{
    private int _calls;

    public FeaturizerOptions Options { get; } = options;

    public int Calls => _calls;

    public IReadOnlyList<string> FeatureNames(FeatureSetKind set) =>
        set == FeatureSetKind.Seed ? ["rms", "mean", "peak", "length"] : ["rms", "mean", "peak", "length", "full_extra"];

    public ClipFeatures Extract(AudioSignal clip, FeatureSetKind set, ImageOptions? images = null)
    {
        Interlocked.Increment(ref _calls);
        if (clip.Samples.Length > 0 && clip.Samples[0] == 0.125f) throw new InvalidOperationException("fake featuriser failure");
        double sum = 0, sq = 0, peak = 0;
        foreach (float v in clip.Samples)
        {
            sum += v;
            sq += (double)v * v;
            peak = Math.Max(peak, Math.Abs(v));
        }
        int n = clip.Samples.Length;
        double[] values = [Math.Sqrt(sq / n), sum / n, peak, n];
        if (set == FeatureSetKind.Full) values = [.. values, 1];
        FeatureImages? fi = null;
        if (images != null)
        {
            var a = new FeatureMatrix(2, 3, [.. clip.Samples.Take(6)]);
            fi = new FeatureImages(a, new FeatureMatrix(1, 2, [(float)values[0], (float)values[1]]), new FeatureMatrix(1, 1, [(float)peak]));
        }
        return new ClipFeatures(new FeatureVector(FeatureNames(set), values), fi);
    }
}
