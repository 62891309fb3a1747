using System.Text;
using System.Text.Json.Serialization;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Models;

namespace Mmcs.Train.Ensemble;

/// <summary>
/// Kind "ensemble": the weighted average of its members' class probabilities (the 1D tabular model and the 2D
/// CNNs, say). The original study took a majority vote whose ties went to "angry"; averaging probabilities has no
/// such bias and uses each member's confidence. One package: the members are saved in subfolders of the
/// ensemble's folder and loaded through <see cref="ClassifierStore.Load"/>. The ensemble owns (and disposes) them.
/// <para>Members may also be <see cref="EnsembleRole.Pair"/> specialists: classifiers of two of the ensemble's classes
/// (trained on those classes' songs only). They do not vote; their mean shares out the vote's probability of their two
/// classes (P(a) + P(b) stays, its split becomes theirs). Their rows from <see cref="PredictMembers"/> hold their two
/// probabilities in those classes' columns and zeros elsewhere. The rule is not linear: a song's answer is
/// <see cref="Combine"/> of its members' means over its windows, not the mean of its windows' answers.</para>
/// </summary>
public sealed class EnsembleClassifier : IMoodClassifier
{
    public const string KindName = "ensemble";
    internal const string StateFileName = "ensemble.json";
    internal const string MembersFolder = "members";
    /// <summary>1: every member votes; 2: members carry roles (pair specialists). Version 1 still loads.</summary>
    private const int FormatVersion = 2;

    private readonly IMoodClassifier[] _members;
    private readonly EnsembleRole[] _roles;
    /// <summary>The two classes the pair specialists split (ensemble columns), or null without specialists.</summary>
    private readonly int[]? _pair;
    private readonly int[][] _columnMaps;
    private bool _disposed;

    /// <param name="members">The members (owned from now on).</param>
    /// <param name="names">A unique name per member (e.g. "tabular", "cnn2d-mel"); null: the members' kinds, numbered.</param>
    /// <param name="weights">Non-negative weights (normalised to sum 1 within each role); null: equal.</param>
    /// <param name="weighting">How the weights were chosen (recorded in the package).</param>
    /// <param name="roles">Each member's role; null: every member votes. Pair specialists must all predict the same
    /// two of the voters' labels, and at least one member must vote.</param>
    public EnsembleClassifier(IReadOnlyList<IMoodClassifier> members, IReadOnlyList<string>? names = null,
        IReadOnlyList<double>? weights = null, EnsembleWeighting weighting = EnsembleWeighting.Equal,
        IReadOnlyList<EnsembleRole>? roles = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0) throw new MmcsException(ErrorCodes.InvalidParameterValue, "an ensemble needs at least one member");
        _members = members.ToArray();
        _roles = roles?.ToArray() ?? Enumerable.Repeat(EnsembleRole.Vote, _members.Length).ToArray();
        if (_roles.Length != _members.Length)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{_roles.Length} roles for {_members.Length} members");
        if (!_roles.Contains(EnsembleRole.Vote))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "an ensemble needs at least one voting member");
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
        // weights are normalised within each role: the voters' sum to 1, and so do the pair specialists'
        var roleTotals = Enum.GetValues<EnsembleRole>().ToDictionary(r => r, r => weights.Where((_, m) => _roles[m] == r).Sum());
        foreach (var (role, total) in roleTotals)
        {
            if (total <= 0 && _roles.Contains(role))
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"the {role.ToString().ToLowerInvariant()} members' weights are all zero");
        }
        Weights = weights.Select((w, m) => w / roleTotals[_roles[m]]).ToArray();
        Names = names.ToArray();
        Weighting = weighting;

        Labels = _members[Array.IndexOf(_roles, EnsembleRole.Vote)].Labels.ToArray();
        _columnMaps = new int[_members.Length][];
        for (int m = 0; m < _members.Length; m++)
        {
            var memberLabels = _members[m].Labels;
            if (_roles[m] == EnsembleRole.Pair)
            {
                if (memberLabels.Count != 2 || memberLabels.Any(l => IndexOf(Labels, l) < 0) || memberLabels[0] == memberLabels[1])
                    throw new MmcsException(ErrorCodes.InvalidParameterValue,
                        $"pair specialist '{Names[m]}' predicts [{string.Join(", ", memberLabels)}], not two of the ensemble's [{string.Join(", ", Labels)}]");
                var pair = Labels.Select((l, c) => (l, c)).Where(x => memberLabels.Contains(x.l, StringComparer.Ordinal)).Select(x => x.c).ToArray();
                if (_pair != null && !_pair.SequenceEqual(pair))
                    throw new MmcsException(ErrorCodes.InvalidParameterValue,
                        $"pair specialist '{Names[m]}' splits [{string.Join(", ", memberLabels)}], another splits [{Labels[_pair[0]]}, {Labels[_pair[1]]}]");
                _pair = pair;
            }
            else if (memberLabels.Count != Labels.Count || !memberLabels.ToHashSet(StringComparer.Ordinal).SetEquals(Labels))
                throw new MmcsException(ErrorCodes.InvalidParameterValue,
                    $"member '{Names[m]}' predicts [{string.Join(", ", memberLabels)}], not the ensemble's [{string.Join(", ", Labels)}]");
            // column c of the ensemble is column map[c] of the member (-1: a class a pair specialist does not predict)
            _columnMaps[m] = Labels.Select(l => IndexOf(memberLabels, l)).ToArray();
        }
        Requirements = FeatureRequirements.Union(_members.Select(m => m.Requirements));
    }

    public string Kind => KindName;
    public IReadOnlyList<string> Labels { get; }
    public FeatureRequirements Requirements { get; }
    public IReadOnlyList<IMoodClassifier> Members => _members;
    public IReadOnlyList<string> Names { get; }

    /// <summary>Normalised weights, in member order (the voters' sum to 1, the pair specialists' too).</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Each member's role, in member order.</summary>
    public IReadOnlyList<EnsembleRole> Roles => _roles;

    /// <summary>The two labels the pair specialists split, or null when there are none.</summary>
    public IReadOnlyList<string>? Pair => _pair?.Select(c => Labels[c]).ToArray();

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
                for (int c = 0; c < map.Length; c++) rows[i][c] = map[c] >= 0 ? p[i][map[c]] : 0;
            }
            all[m] = rows;
        }
        return all;
    }

    /// <summary>The weighted average of the voters' probabilities from <see cref="PredictMembers"/>, renormalised; with
    /// pair specialists, the probability of their pair then shared out by the weighted mean of their split.</summary>
    public double[][] Combine(IReadOnlyList<double[][]> memberProbabilities)
    {
        if (memberProbabilities.Count != _members.Length)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{memberProbabilities.Count} members' predictions for {_members.Length} members");
        int n = memberProbabilities[0].Length;
        var result = new double[n][];
        for (int i = 0; i < n; i++) result[i] = new double[Labels.Count];
        var split = _pair != null ? new double[n][] : null;
        for (int i = 0; split != null && i < n; i++) split[i] = new double[2];
        for (int m = 0; m < _members.Length; m++)
        {
            if (Weights[m] == 0) continue;
            for (int i = 0; i < n; i++)
            {
                if (_roles[m] == EnsembleRole.Pair)
                {
                    for (int k = 0; k < 2; k++) split![i][k] += Weights[m] * memberProbabilities[m][i][_pair![k]];
                    continue;
                }
                for (int c = 0; c < Labels.Count; c++) result[i][c] += Weights[m] * memberProbabilities[m][i][c];
            }
        }
        for (int i = 0; i < n; i++)
        {
            var row = result[i];
            double sum = row.Sum();
            if (sum > 0)
            {
                for (int c = 0; c < row.Length; c++) row[c] /= sum;
            }
            if (split == null) continue;
            double shares = split[i][0] + split[i][1];
            if (shares <= 0) continue; // no split known (a specialist of weight 0): the vote's own
            double mass = row[_pair![0]] + row[_pair[1]];
            row[_pair[0]] = mass * split[i][0] / shares;
            row[_pair[1]] = mass * split[i][1] / shares;
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
            entries.Add(new EnsembleMemberState(Names[m], $"{MembersFolder}/{folder}", _members[m].Kind, Weights[m],
                _roles[m] == EnsembleRole.Vote ? null : _roles[m].ToString().ToLowerInvariant()));
        }
        // an ensemble that every member votes in is written as version 1, which older readers load
        ClassifierStore.WriteJson(Path.Combine(directory, StateFileName), new EnsembleState(_pair != null ? FormatVersion : 1, Weighting, entries));
        var parameters = new Dictionary<string, string>
        {
            ["members"] = string.Join(",", Names),
            ["weighting"] = Weighting.ToString(),
            ["weights"] = string.Join(",", Weights.Select(Invariant.Format)),
        };
        if (Pair is { } pair)
        {
            parameters["pair"] = string.Join(",", pair);
            parameters["pair_specialists"] = string.Join(",", Names.Where((_, m) => _roles[m] == EnsembleRole.Pair));
        }
        ClassifierStore.WriteHeader(directory, new ClassifierHeader(Kind, Labels, Requirements, parameters));
    }

    internal static EnsembleClassifier Load(string directory, ClassifierHeader header)
    {
        string statePath = Path.Combine(directory, StateFileName);
        if (!File.Exists(statePath))
            throw new MmcsException(ErrorCodes.DataInvalid, $"'{directory}' is not a complete {KindName} model: it has no {StateFileName}");
        var state = ClassifierStore.ReadJson<EnsembleState>(statePath);
        if (state.FormatVersion is < 1 or > FormatVersion)
            throw new MmcsException(ErrorCodes.DataInvalid, $"{statePath}: format version {state.FormatVersion} is not supported (expected 1 to {FormatVersion})");
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
            var roles = state.Members.Select(e => e.Role switch
            {
                null or "vote" => EnsembleRole.Vote,
                "pair" when state.FormatVersion >= 2 => EnsembleRole.Pair,
                "pair" => throw new MmcsException(ErrorCodes.DataInvalid, $"{statePath}: member '{e.Name}': role 'pair' needs format version 2, not {state.FormatVersion}"),
                _ => throw new MmcsException(ErrorCodes.DataInvalid, $"{statePath}: member '{e.Name}' has role '{e.Role}' (expected vote or pair)"),
            }).ToArray();
            var ensemble = new EnsembleClassifier(members, state.Members.Select(e => e.Name).ToArray(),
                state.Members.Select(e => e.Weight).ToArray(), state.Weighting, roles);
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

/// <summary>A member's entry in ensemble.json; <paramref name="Role"/> is absent for a voter (as in version 1).</summary>
internal sealed record EnsembleMemberState(string Name, string Folder, string Kind, double Weight,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null);

/// <summary>What a member of an <see cref="EnsembleClassifier"/> does.</summary>
public enum EnsembleRole
{
    /// <summary>Its probabilities of every class are averaged with the other voters'.</summary>
    Vote,

    /// <summary>A classifier of two of the classes: with the other pair specialists it decides how the vote's
    /// probability of those two classes is split between them.</summary>
    Pair,
}

internal sealed record EnsembleState(int FormatVersion, EnsembleWeighting Weighting, IReadOnlyList<EnsembleMemberState> Members);

/// <summary>Loads "ensemble" classifiers (and through <see cref="ClassifierStore.Load"/>, their members).</summary>
public sealed class EnsembleClassifierLoader : IMoodClassifierLoader
{
    public string Kind => EnsembleClassifier.KindName;

    public IMoodClassifier Load(string directory, ClassifierHeader header) => EnsembleClassifier.Load(directory, header);
}
