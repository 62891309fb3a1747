using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Tests.Cnn;

namespace Mmcs.Train.Tests.Ensemble;

public sealed class EnsembleClassifierTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mmcs-ensemble-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A member whose answer for a clip is a fixed row, chosen by the clip's first vector value.</summary>
    private sealed class FixedMember(double[][] rows, IReadOnlyList<string>? labels = null, FeatureRequirements? requirements = null)
        : IMoodClassifier
    {
        public string Kind => "fixed";
        public IReadOnlyList<string> Labels { get; } = labels ?? SyntheticImages.Labels;
        public FeatureRequirements Requirements { get; } = requirements ?? new FeatureRequirements();
        public bool Disposed { get; private set; }
        public double[][] PredictProbabilities(IReadOnlyList<ClipFeatures> clips) =>
            clips.Select(c => rows[(int)c.Vector.Values[0]].ToArray()).ToArray();
        public void Save(string directory) => throw new NotSupportedException();
        public void Dispose() => Disposed = true;
    }

    private static ClipFeatures[] Clips(int n) =>
        Enumerable.Range(0, n).Select(i => new ClipFeatures(new FeatureVector(["index"], [i]), null)).ToArray();

    /// <summary>
    /// 30 clips (class i % 4). Member m is confidently wrong on clips 10m..10m+9 and moderately right elsewhere:
    /// each member alone gets 2/3 right; their average gets every clip right.
    /// </summary>
    private static (double[][][] Members, int[] Truth) ComplementaryMembers()
    {
        const int n = 30;
        var truth = Enumerable.Range(0, n).Select(i => i % 4).ToArray();
        var members = new double[3][][];
        for (int m = 0; m < 3; m++)
        {
            members[m] = new double[n][];
            for (int i = 0; i < n; i++)
            {
                var row = new double[4];
                if (i / 10 == m)
                {
                    Array.Fill(row, 0.1);
                    row[(truth[i] + 1) % 4] = 0.7;
                }
                else
                {
                    Array.Fill(row, 0.5 / 3);
                    row[truth[i]] = 0.5;
                }
                members[m][i] = row;
            }
        }
        return (members, truth);
    }

    [Fact]
    public void Averaged_probabilities_sum_to_one_and_beat_every_member_on_complementary_errors()
    {
        var (rows, truth) = ComplementaryMembers();
        using var ensemble = new EnsembleClassifier(rows.Select(r => (IMoodClassifier)new FixedMember(r)).ToArray());
        var clips = Clips(truth.Length);
        var p = ensemble.PredictProbabilities(clips);
        Assert.All(p, row => Assert.Equal(1.0, row.Sum(), 12));
        double ensembleAccuracy = ClassificationReport.Compute(truth, ClassificationReport.ArgMax(p), SyntheticImages.Labels).Accuracy;
        double bestMember = rows.Max(r => ClassificationReport.Compute(truth, ClassificationReport.ArgMax(r), SyntheticImages.Labels).Accuracy);
        Assert.Equal(2.0 / 3, bestMember, 10);
        Assert.Equal(1.0, ensembleAccuracy);
        // the average itself: clip 0 (member 0 wrong)
        Assert.Equal((0.1 + 0.5 + 0.5) / 3, p[0][0], 12);
    }

    [Fact]
    public void Weights_weigh_members_and_members_with_another_label_order_are_aligned_by_name()
    {
        var a = new FixedMember([[0.7, 0.1, 0.1, 0.1]]);
        // the same belief as "happy 0.1, angry 0.7" but with its columns in another order
        var b = new FixedMember([[0.1, 0.1, 0.7, 0.1]], labels: ["sad", "relaxed", "angry", "happy"]);
        using var ensemble = new EnsembleClassifier([a, b], ["a", "b"], [3, 1], EnsembleWeighting.LogLoss);
        var p = ensemble.PredictProbabilities(Clips(1))[0];
        Assert.Equal([0.75, 0.25], ensemble.Weights);
        Assert.Equal(0.75 * 0.7 + 0.25 * 0.1, p[0], 12); // happy
        Assert.Equal(0.75 * 0.1 + 0.25 * 0.7, p[1], 12); // angry
        Assert.Equal(0.1, p[2], 12);
    }

    [Fact]
    public void Fitted_log_loss_weights_are_never_worse_than_the_best_member_or_equal_weights()
    {
        var (rows, truth) = ComplementaryMembers();
        // make member 2 much worse: confidently wrong everywhere
        rows[2] = rows[2].Select((r, i) => { var w = new double[4]; Array.Fill(w, 0.02); w[(truth[i] + 2) % 4] = 0.94; return w; }).ToArray();
        var weights = EnsembleWeights.Fit(rows, truth, EnsembleWeighting.LogLoss);
        Assert.Equal(1.0, weights.Sum(), 12);
        Assert.True(weights[2] < 0.05, $"the bad member kept weight {weights[2]}");
        double fitted = EnsembleWeights.LogLoss(rows, truth, weights);
        for (int m = 0; m < 3; m++)
        {
            var vertex = new double[3];
            vertex[m] = 1;
            Assert.True(fitted <= EnsembleWeights.LogLoss(rows, truth, vertex) + 1e-12);
        }
        Assert.True(fitted < EnsembleWeights.LogLoss(rows, truth, [1.0 / 3, 1.0 / 3, 1.0 / 3]));

        var f1Weights = EnsembleWeights.Fit(rows, truth, EnsembleWeighting.MacroF1, SyntheticImages.Labels);
        var f1 = rows.Select(r => ClassificationReport.Compute(truth, ClassificationReport.ArgMax(r), SyntheticImages.Labels).MacroF1).ToArray();
        Assert.Equal(0, f1[2]);
        Assert.Equal(f1.Select(v => v / f1.Sum()), f1Weights);
        Assert.Equal([1.0 / 3, 1.0 / 3, 1.0 / 3], EnsembleWeights.Fit(rows, truth, EnsembleWeighting.Equal));
    }

    [Fact]
    public void Members_with_other_labels_or_bad_weights_are_refused_and_members_are_disposed_with_the_ensemble()
    {
        var a = new FixedMember([[0.25, 0.25, 0.25, 0.25]]);
        var other = new FixedMember([[0.5, 0.5]], labels: ["calm", "energetic"]);
        var e = Assert.Throws<MmcsException>(() => new EnsembleClassifier([a, other]));
        Assert.Contains("energetic", e.Message);
        Assert.Throws<MmcsException>(() => new EnsembleClassifier([a, a], ["x", "x"]));
        Assert.Throws<MmcsException>(() => new EnsembleClassifier([a], weights: [-1]));
        var ensemble = new EnsembleClassifier([a]);
        ensemble.Dispose();
        Assert.True(a.Disposed);
    }

    [Fact]
    public void Requirements_are_the_union_of_the_members()
    {
        var vector = new FixedMember([[1, 0, 0, 0]], requirements: new FeatureRequirements { VectorSet = FeatureSetKind.Seed });
        var mel = new FixedMember([[1, 0, 0, 0]], requirements: new FeatureRequirements
        {
            Images = new Dictionary<ImageKind, ImageSize?> { [ImageKind.Mel] = new ImageSize(30, 40) },
        });
        using var ensemble = new EnsembleClassifier([vector, mel]);
        Assert.Equal(FeatureSetKind.Seed, ensemble.Requirements.VectorSet);
        Assert.Equal(new ImageSize(30, 40), ensemble.Requirements.Images[ImageKind.Mel]);
    }

    [Fact]
    public void An_ensemble_of_cnns_is_one_package_that_loads_back_with_identical_outputs()
    {
        var melTrain = SyntheticImages.Bands(perClass: 4, seed: 1, kind: ImageKind.Mel);
        var mfccTrain = SyntheticImages.Bands(perClass: 4, seed: 3, kind: ImageKind.Mfcc, size: new ImageSize(16, 24));
        var fast = SyntheticImages.FastTraining with { MaxEpochs = 2 };
        var mel = Cnn2dTrainer.Train(melTrain, melTrain, SyntheticImages.Tiny, fast).Model;
        var mfcc = Cnn2dTrainer.Train(mfccTrain, mfccTrain, SyntheticImages.Tiny, fast).Model;
        using var ensemble = new EnsembleClassifier([mel, mfcc], ["cnn2d-mel", "cnn2d-mfcc"], [0.6, 0.4], EnsembleWeighting.LogLoss);

        var rng = new Random(9);
        var clips = Enumerable.Range(0, 6).Select(i => new ClipFeatures(new FeatureVector(["x"], [0]), new FeatureImages(
            new FeatureMatrix(1, 1),
            SyntheticImages.BandImage(i % 4, new ImageSize(16, 24), rng),
            SyntheticImages.BandImage(i % 4, new ImageSize(16, 16), rng)))).ToArray();
        var before = ensemble.PredictProbabilities(clips);

        string folder = Path.Combine(_dir, "ensemble");
        ClassifierStore.Save(ensemble, folder);
        Assert.True(File.Exists(Path.Combine(folder, "members", "01-cnn2d-mel", ClassifierStore.HeaderFileName)));
        Assert.True(File.Exists(Path.Combine(folder, "members", "02-cnn2d-mfcc", ClassifierStore.HeaderFileName)));
        using var loaded = ClassifierStore.Load(folder);

        var loadedEnsemble = Assert.IsType<EnsembleClassifier>(loaded);
        Assert.Equal(["cnn2d-mel", "cnn2d-mfcc"], loadedEnsemble.Names);
        Assert.Equal(ensemble.Weights, loadedEnsemble.Weights);
        Assert.Equal(EnsembleWeighting.LogLoss, loadedEnsemble.Weighting);
        Assert.All(loadedEnsemble.Members, m => Assert.IsType<Cnn2dClassifier>(m));
        Assert.Equal(new ImageSize(16, 16), loaded.Requirements.Images[ImageKind.Mel]);
        Assert.Equal(new ImageSize(16, 24), loaded.Requirements.Images[ImageKind.Mfcc]);
        var after = loaded.PredictProbabilities(clips);
        for (int i = 0; i < before.Length; i++)
        {
            Assert.Equal(before[i], after[i]);
            Assert.Equal(1.0, after[i].Sum(), 9);
        }
    }
}
