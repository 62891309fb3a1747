using Mmcs.Featurize.Features;
using Mmcs.Featurize.FeatureSets;
using Mmcs.Featurize.Images;

namespace Mmcs.Featurize;

/// <summary>
/// The project's <see cref="IClipFeaturizer"/>: librosa 0.11-equal features of one clip from one STFT
/// (<see cref="ClipAnalyzer"/>), as the seed (57) or full feature set, optional CNN images, and the librosa summary
/// for `mmcs features extract --json`. Filterbanks, FFT plans and CQT bases are built once; the instance is
/// immutable and safe to share between threads (every call allocates its own buffers).
/// </summary>
public sealed class ClipFeaturizer : IClipFeaturizer
{
    private readonly ClipAnalyzer _analyzer;
    private readonly FullFeatureSet _full;
    private readonly IReadOnlyList<string> _fullNames;

    public ClipFeaturizer(FeaturizerOptions? options = null)
    {
        Options = options ?? new FeaturizerOptions();
        _analyzer = new ClipAnalyzer(Options);
        _full = new FullFeatureSet(Options);
        _fullNames = FullFeatureSet.Names(Options.NMfcc);
    }

    public FeaturizerOptions Options { get; }

    public IReadOnlyList<string> FeatureNames(FeatureSetKind set) => set switch
    {
        FeatureSetKind.Seed => SeedFeatureSet.Names,
        FeatureSetKind.Full => _fullNames,
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "unknown feature set"),
    };

    public ClipFeatures Extract(AudioSignal clip, FeatureSetKind set, ImageOptions? images = null)
    {
        var analysis = Analyze(clip);
        var values = set switch
        {
            FeatureSetKind.Seed => SeedFeatureSet.Compute(analysis),
            FeatureSetKind.Full => _full.Compute(analysis),
            _ => throw new ArgumentOutOfRangeException(nameof(set), set, "unknown feature set"),
        };
        var vector = new FeatureVector(FeatureNames(set), values);
        return new ClipFeatures(vector, images is null ? null : FeatureImageBuilder.Build(analysis, images));
    }

    /// <summary>All frame-level features of a clip (for callers that need the arrays themselves).</summary>
    public ClipAnalysis Analyze(AudioSignal clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return _analyzer.Analyze(clip);
    }

    /// <summary>The librosa summary (per-row means and variances, tempo, key) of a clip.</summary>
    public LibrosaSummary Summarize(AudioSignal clip) => LibrosaSummary.From(Analyze(clip));
}
