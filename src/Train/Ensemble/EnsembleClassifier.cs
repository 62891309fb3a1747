using System.Text;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Models;

namespace Mmcs.Train.Ensemble;

/// <summary>
/// Kind "ensemble": the weighted average of its members' class probabilities (the 1D tabular model and the 2D
/// CNNs, say). The original study took a majority vote whose ties went to "angry"; averaging probabilities has no
/// such bias and uses each member's confidence. One package: the members are saved in subfolders of the
/// ensemble's folder and loaded through <see cref="ClassifierStore.Load"/>. The ensemble owns (and disposes) them.
/// </summary>
public sealed class EnsembleClassifier : IMoodClassifier
{
    public const string KindName = "ensemble";
    internal const string StateFileName = "ensemble.json";
    internal const string MembersFolder = "members";
    private const int FormatVersion = 1;

    private readonly IMoodClassifier[] _members;
    private readonly int[][] _columnMaps;
    private bool _disposed;

    /// <param name="members">The members (owned from now on).</param>
    /// <param name="names">A unique name per member (e.g. "tabular", "cnn2d-mel"); null: the members' kinds, numbered.</param>
    /// <param name="weights">Non-negative weights (normalised to sum 1); null: equal.</param>
    /// <param name="weighting">How the weights were chosen (recorded in the package).</param>
    public EnsembleClassifier(IReadOnlyList<IMoodClassifier> members, IReadOnlyList<string>? names = null,
        IReadOnlyList<double>? weights = null, EnsembleWeighting weighting = EnsembleWeighting.Equal)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0) throw new MmcsException(ErrorCodes.InvalidParameterValue, "an ensemble needs at least one member");
        _members = members.ToArray();
        names ??= _members.Select((m, i) => $"{m.Kind}-{i + 1}").ToArray();
        if (names.Count != _members.Length)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{names.Count} names for {_members.Length} members");
        if (names.Any(string.IsNullOrWhiteSpace) || names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Count)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"member names must be unique and not blank: [{string.Join(", ", names)}]");
        weights ??= Enumerable.Repeat(1.0, _members.Length).ToArray();
        if (weights.Count != _members.Length)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{weights.Count} weights for {_members.Length} members");
        if (weights.Any(w => !double.IsFinite(w) || w < 0) || weights.Sum() <= 0)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"weights must be non-negative and not all zero: [{string.Join(", ", weights.Select(Invariant.Format))}]");
        double total = weights.Sum();
        Weights = weights.Select(w => w / total).ToArray();
        Names = names.ToArray();
        Weighting = weighting;

        Labels = _members[0].Labels.ToArray();
        _columnMaps = new int[_members.Length][];
        for (int m = 0; m < _members.Length; m++)
        {
            var memberLabels = _members[m].Labels;
            if (memberLabels.Count != Labels.Count || !memberLabels.ToHashSet(StringComparer.Ordinal).SetEquals(Labels))
                throw new MmcsException(ErrorCodes.InvalidParameterValue,
                    $"member '{Names[m]}' predicts [{string.Join(", ", memberLabels)}], not the ensemble's [{string.Join(", ", Labels)}]");
            // column c of the ensemble is column map[c] of the member
            _columnMaps[m] = Labels.Select(l => IndexOf(memberLabels, l)).ToArray();
        }
        Requirements = FeatureRequirements.Union(_members.Select(m => m.Requirements));
    }

    public string Kind => KindName;
    public IReadOnlyList<string> Labels { get; }
    public FeatureRequirements Requirements { get; }
    public IReadOnlyList<IMoodClassifier> Members => _members;
    public IReadOnlyList<string> Names { get; }

    /// <summary>Normalised weights, in member order.</summary>
    public IReadOnlyList<double> Weights { get; }

    public EnsembleWeighting Weighting { get; }

    public double[][] PredictProbabilities(IReadOnlyList<ClipFeatures> clips) => Combine(PredictMembers(clips, skipZeroWeight: true));

    /// <summary>Each member's probabilities for the clips, in the ensemble's label order ([member][clip][class]); a
    /// member with weight 0 is still asked unless <paramref name="skipZeroWeight"/> (then its rows are zeros).</summary>
    public IReadOnlyList<double[][]> PredictMembers(IReadOnlyList<ClipFeatures> clips, bool skipZeroWeight = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(clips);
        var all = new double[_members.Length][][];
        for (int m = 0; m < _members.Length; m++)
        {
            var rows = new double[clips.Count][];
            if (skipZeroWeight && Weights[m] == 0)
            {
                for (int i = 0; i < rows.Length; i++) rows[i] = new double[Labels.Count];
                all[m] = rows;
                continue;
            }
            var p = _members[m].PredictProbabilities(clips);
            if (p.Length != clips.Count)
                throw new MmcsException(ErrorCodes.InternalError, $"member '{Names[m]}' returned {p.Length} rows for {clips.Count} clips");
            var map = _columnMaps[m];
            for (int i = 0; i < rows.Length; i++)
            {
                rows[i] = new double[Labels.Count];
                for (int c = 0; c < map.Length; c++) rows[i][c] = p[i][map[c]];
            }
            all[m] = rows;
        }
        return all;
    }

    /// <summary>The weighted average of member probabilities from <see cref="PredictMembers"/>, renormalised.</summary>
    public double[][] Combine(IReadOnlyList<double[][]> memberProbabilities)
    {
        if (memberProbabilities.Count != _members.Length)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{memberProbabilities.Count} members' predictions for {_members.Length} members");
        int n = memberProbabilities[0].Length;
        var result = new double[n][];
        for (int i = 0; i < n; i++) result[i] = new double[Labels.Count];
        for (int m = 0; m < _members.Length; m++)
        {
            if (Weights[m] == 0) continue;
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < Labels.Count; c++) result[i][c] += Weights[m] * memberProbabilities[m][i][c];
            }
        }
        foreach (var row in result)
        {
            double sum = row.Sum();
            if (sum > 0)
            {
                for (int c = 0; c < row.Length; c++) row[c] /= sum;
            }
        }
        return result;
    }

    public void Save(string directory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var entries = new List<EnsembleMemberState>();
        for (int m = 0; m < _members.Length; m++)
        {
            string folder = $"{m + 1:00}-{Sanitize(Names[m])}";
            ClassifierStore.Save(_members[m], Path.Combine(directory, MembersFolder, folder));
            entries.Add(new EnsembleMemberState(Names[m], $"{MembersFolder}/{folder}", _members[m].Kind, Weights[m]));
        }
        ClassifierStore.WriteJson(Path.Combine(directory, StateFileName), new EnsembleState(FormatVersion, Weighting, entries));
        ClassifierStore.WriteHeader(directory, new ClassifierHeader(Kind, Labels, Requirements, new Dictionary<string, string>
        {
            ["members"] = string.Join(",", Names),
            ["weighting"] = Weighting.ToString(),
            ["weights"] = string.Join(",", Weights.Select(Invariant.Format)),
        }));
    }

    internal static EnsembleClassifier Load(string directory, ClassifierHeader header)
    {
        string statePath = Path.Combine(directory, StateFileName);
        if (!File.Exists(statePath))
            throw new MmcsException(ErrorCodes.DataInvalid, $"'{directory}' is not a complete {KindName} model: it has no {StateFileName}");
        var state = ClassifierStore.ReadJson<EnsembleState>(statePath);
        if (state.FormatVersion != FormatVersion)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{statePath}: format version {state.FormatVersion} is not supported (expected {FormatVersion})");
        if (state.Members is not { Count: > 0 })
            throw new MmcsException(ErrorCodes.DataInvalid, $"{statePath}: the ensemble lists no members");
        var members = new List<IMoodClassifier>();
        try
        {
            foreach (var entry in state.Members)
            {
                string full = Path.GetFullPath(Path.Combine(directory, entry.Folder));
                if (!full.StartsWith(Path.GetFullPath(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    throw new MmcsException(ErrorCodes.DataInvalid, $"{statePath}: member folder '{entry.Folder}' lies outside the ensemble");
                members.Add(ClassifierStore.Load(full));
            }
            var ensemble = new EnsembleClassifier(members, state.Members.Select(e => e.Name).ToArray(),
                state.Members.Select(e => e.Weight).ToArray(), state.Weighting);
            if (!ensemble.Labels.SequenceEqual(header.Labels, StringComparer.Ordinal))
                throw new MmcsException(ErrorCodes.DataInvalid,
                    $"{Path.Combine(directory, ClassifierStore.HeaderFileName)}: labels [{string.Join(", ", header.Labels)}] differ from the members' [{string.Join(", ", ensemble.Labels)}]");
            return ensemble;
        }
        catch
        {
            foreach (var m in members) m.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var m in _members) m.Dispose();
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    private static string Sanitize(string name)
    {
        var sb = new StringBuilder();
        foreach (char c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return sb.ToString();
    }
}

internal sealed record EnsembleMemberState(string Name, string Folder, string Kind, double Weight);

internal sealed record EnsembleState(int FormatVersion, EnsembleWeighting Weighting, IReadOnlyList<EnsembleMemberState> Members);

/// <summary>Loads "ensemble" classifiers (and through <see cref="ClassifierStore.Load"/>, their members).</summary>
public sealed class EnsembleClassifierLoader : IMoodClassifierLoader
{
    public string Kind => EnsembleClassifier.KindName;

    public IMoodClassifier Load(string directory, ClassifierHeader header) => EnsembleClassifier.Load(directory, header);
}
