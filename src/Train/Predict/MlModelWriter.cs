using System.Text.Json;
using Mmcs.Registry.Models;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Models;

namespace Mmcs.Train.Predict;

/// <summary>
/// Writes the MLflow <c>MLmodel</c> file of a mood-model package: flavor <c>mmcs</c> (classifier kind and folder,
/// manifest, labels, featuriser configuration, members) and the input/output signature (audio in, four
/// probabilities out), so that MLflow lists the model and a registered version explains itself.
/// </summary>
public static class MlModelWriter
{
    public static MlModelFile Write(string packageFolder, string? runId, IMoodClassifier classifier, MoodModelManifest manifest,
        string artifactPath = "model")
    {
        var f = manifest.Featurizer;
        var flavor = new Dictionary<string, object?>
        {
            ["mmcs_version"] = typeof(MlModelWriter).Assembly.GetName().Version?.ToString(),
            ["format_version"] = manifest.FormatVersion,
            ["manifest"] = MoodModel.ManifestFileName,
            ["classifier"] = MoodModel.ClassifierFolder,
            ["kind"] = classifier.Kind,
            ["labels"] = classifier.Labels.ToList(),
            ["feature_set"] = manifest.FeatureSet?.ToString().ToLowerInvariant(),
            ["members"] = classifier is EnsembleClassifier e ? e.Names.ToList() : new List<string>(),
            ["featurizer"] = new Dictionary<string, object?>
            {
                ["sample_rate"] = f.SampleRate,
                ["n_fft"] = f.NFft,
                ["hop_length"] = f.HopLength,
                ["n_mels"] = f.NMels,
                ["n_mfcc"] = f.NMfcc,
                ["excerpt_seconds"] = f.ExcerptSeconds,
                ["excerpt_offset_seconds"] = f.ExcerptOffsetSeconds,
            },
        };
        // pair specialists (roles in ensemble.json): the members that split two classes' probability rather than vote,
        // named by their path from the top ("tabular/pair-mlp" when the 1D vote is itself a member of the CNN ensemble)
        var pairs = PairSpecialists(classifier, "").ToList();
        if (pairs.Count > 0)
        {
            var distinct = pairs.Select(p => string.Join(",", p.Pair)).Distinct(StringComparer.Ordinal).ToList();
            flavor["pair"] = distinct.Count == 1 ? pairs[0].Pair.ToList() : distinct;
            flavor["pair_specialists"] = pairs.Select(p => p.Path).ToList();
        }
        string inputs = JsonSerializer.Serialize(new[] { new { type = "binary", name = "audio", required = true } });
        string outputs = JsonSerializer.Serialize(classifier.Labels.Select(l => new { type = "double", name = l, required = true }).ToArray());
        var file = new MlModelFile { ArtifactPath = artifactPath, RunId = runId, Signature = new ModelSignature(inputs, outputs) }
            .WithFlavor(MlModelFile.MmcsFlavor, flavor);
        foreach (var (k, v) in manifest.Metrics) file.Metadata[k] = v;
        file.Write(packageFolder);
        return file;
    }

    private static IEnumerable<(string Path, IReadOnlyList<string> Pair)> PairSpecialists(IMoodClassifier classifier, string prefix)
    {
        if (classifier is not EnsembleClassifier ensemble) yield break;
        for (int m = 0; m < ensemble.Members.Count; m++)
        {
            if (ensemble.Roles[m] == EnsembleRole.Pair) yield return (prefix + ensemble.Names[m], ensemble.Pair!);
            foreach (var nested in PairSpecialists(ensemble.Members[m], prefix + ensemble.Names[m] + "/")) yield return nested;
        }
    }
}
