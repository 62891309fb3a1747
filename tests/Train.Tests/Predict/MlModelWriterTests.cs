using System.Text.Json;
using Mmcs.Featurize;
using Mmcs.Featurize.Datasets;
using Mmcs.Registry.Models;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Models;
using Mmcs.Train.Predict;

namespace Mmcs.Train.Tests.Predict;

public sealed class MlModelWriterTests : IDisposable
{
    private readonly TempDir _tmp = new("mmcs-mlmodel");

    public void Dispose() => _tmp.Dispose();

    /// <summary>A member that answers every clip with equal probabilities of its labels (the flavor never asks it).</summary>
    private sealed class UniformMember(IReadOnlyList<string> labels) : IMoodClassifier
    {
        public string Kind => "uniform";
        public IReadOnlyList<string> Labels { get; } = labels;
        public FeatureRequirements Requirements { get; } = new();
        public double[][] PredictProbabilities(IReadOnlyList<ClipFeatures> clips) =>
            clips.Select(_ => Labels.Select(_ => 1.0 / Labels.Count).ToArray()).ToArray();
        public void Save(string directory) => throw new NotSupportedException();
        public void Dispose() { }
    }

    private static EnsembleClassifier VoteWithSpecialist() =>
        new([new UniformMember(Moods.Canonical), new UniformMember(Moods.Canonical), new UniformMember(["relaxed", "sad"])],
            ["tabular-lbfgs_maxent", "tabular-mlp", "pair-lbfgs_maxent"], roles: [EnsembleRole.Vote, EnsembleRole.Vote, EnsembleRole.Pair]);

    private Dictionary<string, object?> Flavor(IMoodClassifier classifier)
    {
        var manifest = new MoodModelManifest { Kind = classifier.Kind, Labels = [.. classifier.Labels], Featurizer = new FeaturizerOptions(), FeatureSet = FeatureSetKind.Full };
        MlModelWriter.Write(_tmp.Path, runId: null, classifier, manifest);
        return MlModelFile.Read(_tmp.Path).Flavors[MlModelFile.MmcsFlavor];
    }

    [Fact]
    public void An_ensemble_with_pair_specialists_names_its_pair_and_the_specialists()
    {
        using var ensemble = VoteWithSpecialist();
        var flavor = Flavor(ensemble);
        Assert.Equal("""["sad","relaxed"]""", JsonSerializer.Serialize(flavor["pair"])); // the ensemble's label order
        Assert.Equal("""["pair-lbfgs_maxent"]""", JsonSerializer.Serialize(flavor["pair_specialists"]));
    }

    [Fact]
    public void Specialists_of_a_vote_nested_in_the_cnn_ensemble_are_named_by_their_path()
    {
        using var ensemble = new EnsembleClassifier([VoteWithSpecialist(), new UniformMember(Moods.Canonical)], ["tabular", "cnn2d-mel"]);
        var flavor = Flavor(ensemble);
        Assert.Equal("""["tabular","cnn2d-mel"]""", JsonSerializer.Serialize(flavor["members"]));
        Assert.Equal("""["sad","relaxed"]""", JsonSerializer.Serialize(flavor["pair"]));
        Assert.Equal("""["tabular/pair-lbfgs_maxent"]""", JsonSerializer.Serialize(flavor["pair_specialists"]));
    }

    [Fact]
    public void A_plain_vote_or_a_single_classifier_has_no_pair_keys()
    {
        using var vote = new EnsembleClassifier([new UniformMember(Moods.Canonical), new UniformMember(Moods.Canonical)]);
        Assert.False(Flavor(vote).ContainsKey("pair"));
        using var single = new UniformMember(Moods.Canonical);
        var flavor = Flavor(single);
        Assert.False(flavor.ContainsKey("pair") || flavor.ContainsKey("pair_specialists"));
    }
}
