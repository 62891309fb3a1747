using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Data;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Models;
using Mmcs.Train.Tabular;
using Mmcs.Train.Tabular.Trainers;
using Mmcs.Train.Tests.Cnn;

namespace Mmcs.Train.Tests.Ensemble;

public sealed class EnsembleClassifierTests : IDisposable
{
    private readonly TempDir _tmp = new("mmcs-ensemble");

    public void Dispose() => _tmp.Dispose();

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

        string folder = _tmp.File("ensemble");
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

    [Fact]
    public void Pair_specialists_share_out_the_votes_probability_of_their_pair_and_leave_the_other_classes_alone()
    {
        // labels happy, angry, sad, relaxed; the specialists answer in their own order (relaxed, sad)
        var voterA = new FixedMember([[0.1, 0.2, 0.3, 0.4], [0.4, 0.4, 0.1, 0.1]]);
        var voterB = new FixedMember([[0.3, 0.2, 0.4, 0.1], [0.2, 0.2, 0.3, 0.3]]);
        var pair1 = new FixedMember([[0.2, 0.8], [0.5, 0.5]], labels: ["relaxed", "sad"]);
        var pair2 = new FixedMember([[0.4, 0.6], [0.9, 0.1]], labels: ["relaxed", "sad"]);
        using var ensemble = new EnsembleClassifier([voterA, pair1, voterB, pair2], ["a", "p1", "b", "p2"],
            roles: [EnsembleRole.Vote, EnsembleRole.Pair, EnsembleRole.Vote, EnsembleRole.Pair]);
        Assert.Equal(["sad", "relaxed"], ensemble.Pair);
        Assert.Equal([0.5, 0.5, 0.5, 0.5], ensemble.Weights); // normalised within each role

        var members = ensemble.PredictMembers(Clips(2));
        Assert.Equal([0, 0, 0.8, 0.2], members[1][0]); // the specialist's two classes in the ensemble's columns, zeros elsewhere
        var p = ensemble.PredictProbabilities(Clips(2));
        // clip 0: vote [0.2, 0.2, 0.35, 0.25]; the pair's 0.6 split by the specialists' mean P(sad) 0.7
        Assert.Equal([0.2, 0.2, 0.6 * 0.7, 0.6 * 0.3], p[0], new ToleranceComparer(1e-12));
        // clip 1: vote [0.3, 0.3, 0.2, 0.2]; mean P(sad) 0.3
        Assert.Equal([0.3, 0.3, 0.4 * 0.3, 0.4 * 0.7], p[1], new ToleranceComparer(1e-12));
        Assert.All(p, row => Assert.Equal(1.0, row.Sum(), 12));

        // without specialists the same voters give the plain vote
        using var plain = new EnsembleClassifier([new FixedMember([[0.1, 0.2, 0.3, 0.4]]), new FixedMember([[0.3, 0.2, 0.4, 0.1]])]);
        Assert.Equal([0.2, 0.2, 0.35, 0.25], plain.PredictProbabilities(Clips(1))[0], new ToleranceComparer(1e-12));
        Assert.Null(plain.Pair);
    }

    [Fact]
    public void Combining_members_means_is_not_the_mean_of_combined_windows_once_a_specialist_splits_a_pair()
    {
        // two windows of one song: the specialist is sure of sad where the vote gives the pair little, and of relaxed where
        // it gives it much; the song's answer is Combine of the members' means (as the pipeline scores songs)
        var voter = new FixedMember([[0.5, 0.3, 0.1, 0.1], [0.1, 0.1, 0.4, 0.4]]);
        var specialist = new FixedMember([[1.0, 0.0], [0.0, 1.0]], labels: ["sad", "relaxed"]);
        using var ensemble = new EnsembleClassifier([voter, specialist], roles: [EnsembleRole.Vote, EnsembleRole.Pair]);
        var members = ensemble.PredictMembers(Clips(2));
        var means = members.Select(m => ProbabilityRuns.Mean(m, 2)).ToArray();
        var song = ensemble.Combine(means)[0];
        Assert.Equal([0.3, 0.2, 0.25, 0.25], song, new ToleranceComparer(1e-12));
        var windows = ProbabilityRuns.Mean(ensemble.Combine(members), 2)[0];
        Assert.Equal([0.3, 0.2, 0.1, 0.4], windows, new ToleranceComparer(1e-12));
    }

    [Fact]
    public void Pair_specialists_of_other_labels_or_of_two_pairs_or_without_a_voter_are_refused()
    {
        var voter = new FixedMember([[0.25, 0.25, 0.25, 0.25]]);
        static FixedMember Specialist(params string[] labels) => new([[0.5, 0.5]], labels: labels);
        var unknown = Assert.Throws<MmcsException>(() => new EnsembleClassifier([voter, Specialist("sad", "calm")], roles: [EnsembleRole.Vote, EnsembleRole.Pair]));
        Assert.Contains("not two of the ensemble's", unknown.Message);
        var three = new FixedMember([[0.3, 0.3, 0.4]], labels: ["sad", "relaxed", "happy"]);
        Assert.Throws<MmcsException>(() => new EnsembleClassifier([voter, three], roles: [EnsembleRole.Vote, EnsembleRole.Pair]));
        var two = Assert.Throws<MmcsException>(() => new EnsembleClassifier([voter, Specialist("sad", "relaxed"), Specialist("happy", "angry")],
            ["v", "low", "high"], roles: [EnsembleRole.Vote, EnsembleRole.Pair, EnsembleRole.Pair]));
        Assert.Contains("another splits", two.Message);
        var alone = Assert.Throws<MmcsException>(() => new EnsembleClassifier([Specialist("sad", "relaxed")], roles: [EnsembleRole.Pair]));
        Assert.Contains("voting member", alone.Message);
        Assert.Throws<MmcsException>(() => new EnsembleClassifier([voter], roles: [EnsembleRole.Vote, EnsembleRole.Pair]));
        Assert.Throws<MmcsException>(() => new EnsembleClassifier([voter, Specialist("sad", "relaxed")], weights: [1, 0],
            roles: [EnsembleRole.Vote, EnsembleRole.Pair]));
    }

    /// <summary>Tabular members on a small 4-class table: two voters and a specialist of sad/relaxed.</summary>
    private static (TabularClassifier[] Voters, TabularClassifier Specialist, ClipFeatures[] Clips) TabularMembers()
    {
        string[] labels = ["happy", "angry", "sad", "relaxed"];
        string[] names = ["x0", "x1", "x2"];
        var rng = new Random(4);
        var rows = new List<double[]>();
        var truth = new List<string>();
        for (int i = 0; i < 160; i++)
        {
            int c = i % 4;
            rows.Add([c % 2 + rng.NextDouble(), c / 2 + rng.NextDouble(), rng.NextDouble()]);
            truth.Add(labels[c]);
        }
        var all = TabularDataset.FromVectors(names, rows, truth, classNames: labels);
        var low = Enumerable.Range(0, rows.Count).Where(i => truth[i] is "sad" or "relaxed").ToArray();
        var pairData = TabularDataset.FromVectors(names, low.Select(i => rows[i]).ToArray(), low.Select(i => truth[i]).ToArray(), classNames: ["sad", "relaxed"]);
        TabularClassifier Fit(TabularDataset data, string trainerName)
        {
            var trainer = TrainerCatalog.Get(trainerName);
            return new TabularClassifier(FittedPipeline.Fit(data, null, trainer, trainer.Space.DefaultConfiguration(), 1), data.ClassNames);
        }
        var clips = Enumerable.Range(0, 12).Select(i => new ClipFeatures(new FeatureVector(names, rows[i * 13]), null)).ToArray();
        return ([Fit(all, "lbfgs_maxent"), Fit(all, "sdca_maxent")], Fit(pairData, "lbfgs_maxent"), clips);
    }

    [Fact]
    public void An_ensemble_with_a_pair_specialist_loads_back_with_its_roles_and_identical_outputs()
    {
        var (voters, specialist, clips) = TabularMembers();
        using var ensemble = new EnsembleClassifier([.. voters, specialist], ["tabular-lbfgs", "tabular-sdca", "pair-lbfgs"],
            roles: [EnsembleRole.Vote, EnsembleRole.Vote, EnsembleRole.Pair]);
        var before = ensemble.PredictProbabilities(clips);
        string folder = _tmp.File("pair");
        ClassifierStore.Save(ensemble, folder);
        Assert.Contains("\"format_version\": 2", File.ReadAllText(Path.Combine(folder, EnsembleClassifier.StateFileName)));
        using var loaded = Assert.IsType<EnsembleClassifier>(ClassifierStore.Load(folder));
        Assert.Equal([EnsembleRole.Vote, EnsembleRole.Vote, EnsembleRole.Pair], loaded.Roles);
        Assert.Equal(["sad", "relaxed"], loaded.Pair);
        Assert.Equal(["sad", "relaxed"], loaded.Members[2].Labels);
        var after = loaded.PredictProbabilities(clips);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);
        // the specialist changed the split: not the two voters' plain vote
        using var vote = new EnsembleClassifier(TabularMembers().Voters);
        Assert.Contains(Enumerable.Range(0, clips.Length), i => Math.Abs(vote.PredictProbabilities(clips)[i][2] - after[i][2]) > 1e-3);
    }

    [Fact]
    public void A_plain_vote_is_still_written_as_version_1_and_a_pair_role_in_a_version_1_file_or_an_unknown_role_is_refused()
    {
        var (voters, specialist, _) = TabularMembers();
        specialist.Dispose();
        string folder = _tmp.File("vote");
        using (var vote = new EnsembleClassifier(voters)) ClassifierStore.Save(vote, folder);
        string state = Path.Combine(folder, EnsembleClassifier.StateFileName);
        string json = File.ReadAllText(state);
        Assert.Contains("\"format_version\": 1", json);
        Assert.DoesNotContain("role", json); // what an older MMCS reads
        using (var loaded = Assert.IsType<EnsembleClassifier>(ClassifierStore.Load(folder)))
            Assert.All(loaded.Roles, r => Assert.Equal(EnsembleRole.Vote, r));

        File.WriteAllText(state, json.Replace("\"weight\": 0.5", "\"weight\": 0.5, \"role\": \"pair\""));
        Assert.Contains("role 'pair' needs format version 2", Assert.Throws<MmcsException>(() => ClassifierStore.Load(folder)).Message);
        File.WriteAllText(state, json.Replace("\"format_version\": 1", "\"format_version\": 2").Replace("\"weight\": 0.5", "\"weight\": 0.5, \"role\": \"judge\""));
        var unknown = Assert.Throws<MmcsException>(() => ClassifierStore.Load(folder));
        Assert.Contains("role 'judge' (expected vote or pair)", unknown.Message);
        File.WriteAllText(state, json.Replace("\"format_version\": 1", "\"format_version\": 3"));
        Assert.Contains("format version 3 is not supported", Assert.Throws<MmcsException>(() => ClassifierStore.Load(folder)).Message);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
