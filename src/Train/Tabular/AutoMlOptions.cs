using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Data;
using Mmcs.Train.Tabular.Trainers;

namespace Mmcs.Train.Tabular;

/// <summary>The metric the search maximises.</summary>
public enum AutoMlMetric
{
    Accuracy,
    MacroF1,
}

/// <summary>Which tuner proposes configurations.</summary>
public enum TunerKind
{
    /// <summary>Cost-frugal local search per trainer with ECI-based trainer choice (FLAML's CFO).</summary>
    Cfo,

    /// <summary>Uniform random search (a baseline).</summary>
    Random,
}

/// <summary>Options of a tabular AutoML search. Validated once by <see cref="Validate"/>.</summary>
public sealed record AutoMlOptions
{
    /// <summary>Wall-clock budget of the search (trials); refitting the best pipeline and the report come after it.</summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Stop after this many trials even if time remains (null: only the budget stops the search).</summary>
    public int? MaxTrials { get; init; }

    /// <summary>Cross-validation folds (grouped by <see cref="Data.TabularDataset.Groups"/> when the data has groups).</summary>
    public int Folds { get; init; } = 5;

    public AutoMlMetric Metric { get; init; } = AutoMlMetric.Accuracy;

    public TunerKind Tuner { get; init; } = TunerKind.Cfo;

    /// <summary>Trainer names (see <see cref="TrainerCatalog.Names"/>); null: all of them.</summary>
    public IReadOnlyList<string>? Trainers { get; init; }

    /// <summary>Seeds the folds, the tuner and every trainer: the same seed and trial count give the same search.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// When true the tuner weighs trainers by measured seconds (wall-clock times vary between runs, so the proposals do
    /// too); when false (default) by each trainer's deterministic cost estimate
    /// (<see cref="TrainerCandidate.EstimateSeconds"/>), so that the same seed and trial count reproduce the search.
    /// </summary>
    public bool WallClockCosts { get; init; }

    /// <summary>Repetitions of each column's permutation for feature importances (0: skip importances).</summary>
    public int ImportanceRepeats { get; init; } = 3;

    /// <summary>Skip the importances (with a notice) when the first column shows all of them would take longer than this.</summary>
    public TimeSpan ImportanceTimeBudget { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Importances of every column, of feature families (<see cref="PermutationImportance.Families"/>), or
    /// (default) of every column unless that would overrun <see cref="ImportanceTimeBudget"/>, then of families.</summary>
    public ImportanceGrouping ImportanceGrouping { get; init; } = ImportanceGrouping.Auto;

    public int BootstrapResamples { get; init; } = 1000;

    /// <summary>Refit the best pipeline on all rows and return it as a classifier.</summary>
    public bool Refit { get; init; } = true;

    /// <summary>With <see cref="Refit"/>, also refit the best configuration of the next best distinct trainers, up to this
    /// many models in all (<see cref="AutoMlResult.TopModels"/>, best first), for a soft-vote ensemble; 1: the best only.</summary>
    public int TopTrainers { get; init; } = 1;

    /// <summary>The feature set the table's columns come from (written into the saved classifier's requirements).</summary>
    public FeatureSetKind? VectorSet { get; init; }

    /// <summary>Where charts, CSVs and the saved model are written before they are logged (default: a temp folder).</summary>
    public string? ArtifactDirectory { get; init; }

    /// <summary>Trainers of the caller's own, searched besides the catalog's (their saved models load only through their
    /// own <see cref="TrainerCandidate.Load"/>, not through the classifier store).</summary>
    public IReadOnlyList<TrainerCandidate> AdditionalTrainers { get; init; } = [];

    /// <summary>Rows the trainers in <see cref="RefitExtraFor"/> are refitted on besides the searched table's (e.g. augmented
    /// copies of its songs): the search and its cross-validation never see them, only the final fits of those trainers.
    /// Same columns and classes as the searched table.</summary>
    public TabularDataset? RefitExtra { get; init; }

    /// <summary>The trainers refitted on <see cref="RefitExtra"/> as well.</summary>
    public IReadOnlyList<string> RefitExtraFor { get; init; } = [];

    /// <summary>Where the search of some trainers starts instead of their defaults (at most one per trainer, each of a
    /// searched trainer; the cfo tuner only): the first trial of such a trainer is its starting point.</summary>
    public IReadOnlyList<Search.StartingPoint> StartingPoints { get; init; } = [];

    /// <summary>Per trainer (by name), prefixes of the columns its models do not read: e.g. columns that help the others
    /// but not it. Its trials, refits and vote see the same table; only its preprocessing leaves them out.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> DropColumns { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary><see cref="DropColumns"/> from texts "trainer:prefix[,prefix...]" (e.g. "mlp:mfcc_corr_"); a trainer
    /// named twice has the union of its prefixes.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ParseDropColumns(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (string text in texts)
        {
            int colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            var prefixes = colon > 0 ? text![(colon + 1)..].Split(',', StringSplitOptions.TrimEntries) : [];
            if (colon <= 0 || prefixes.Any(p => p.Length == 0))
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"'{text}': columns to drop are given as trainer:prefix[,prefix...], e.g. mlp:mfcc_corr_");
            string trainer = text![..colon].Trim();
            if (!result.TryGetValue(trainer, out var list)) result[trainer] = list = [];
            list.AddRange(prefixes.Where(p => !list.Contains(p, StringComparer.Ordinal)));
        }
        return result.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The column prefixes <paramref name="trainer"/>'s models do not read (<see cref="DropColumns"/>).</summary>
    public IReadOnlyList<string> DropColumnsOf(string trainer) =>
        DropColumns.FirstOrDefault(kv => string.Equals(kv.Key, trainer, StringComparison.OrdinalIgnoreCase)).Value ?? [];

    /// <summary>The search space of <paramref name="trainer"/>, moved to its starting point if it has one.</summary>
    public Search.SearchSpace SpaceOf(TrainerCandidate trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        var start = StartingPoints.FirstOrDefault(s => string.Equals(s.Trainer, trainer.Name, StringComparison.OrdinalIgnoreCase));
        return start is null ? trainer.Space : trainer.Space.WithDefaults(start.Values);
    }

    public IReadOnlyList<TrainerCandidate> ResolveTrainers()
    {
        var known = TrainerCatalog.All.Concat(AdditionalTrainers).ToArray();
        if (Trainers is null) return known;
        return Trainers.Distinct(StringComparer.OrdinalIgnoreCase).Select(name =>
            known.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"unknown trainer '{name}' (known: {string.Join(", ", known.Select(t => t.Name))})")).ToArray();
    }

    public void Validate()
    {
        if (TimeBudget <= TimeSpan.Zero)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"the time budget must be positive, got {TimeBudget.TotalSeconds} s");
        if (MaxTrials is < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"max trials must be >= 1, got {MaxTrials}");
        if (Folds < 2) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"cross-validation needs at least 2 folds, got {Folds}");
        if (TopTrainers < 1) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"top trainers must be >= 1, got {TopTrainers}");
        if (ImportanceTimeBudget < TimeSpan.Zero) throw new MmcsException(ErrorCodes.InvalidParameterValue, "the importance time budget must not be negative");
        if (ImportanceRepeats < 0) throw new MmcsException(ErrorCodes.InvalidParameterValue, "importance repeats must be >= 0");
        if (BootstrapResamples < 0) throw new MmcsException(ErrorCodes.InvalidParameterValue, "bootstrap resamples must be >= 0");
        if (Trainers is { Count: 0 }) throw new MmcsException(ErrorCodes.InvalidParameterValue, "the trainer list is empty");
        var trainers = ResolveTrainers();
        if (RefitExtraFor.Count > 0 && RefitExtra is null)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "trainers to refit on extra rows, but no extra rows");
        foreach (var name in RefitExtraFor)
        {
            if (!trainers.Any(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new MmcsException(ErrorCodes.InvalidParameterValue,
                    $"'{name}' is refitted on extra rows but is not among the trainers searched ({string.Join(", ", trainers.Select(t => t.Name))})");
        }
        foreach (var (name, prefixes) in DropColumns)
        {
            if (!trainers.Any(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new MmcsException(ErrorCodes.InvalidParameterValue,
                    $"columns are dropped for '{name}', which is not among the trainers searched ({string.Join(", ", trainers.Select(t => t.Name))})");
            if (prefixes.Count == 0 || prefixes.Any(string.IsNullOrWhiteSpace))
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"the columns dropped for '{name}' need non-empty name prefixes");
        }
        if (StartingPoints.Count > 0 && Tuner != TunerKind.Cfo)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "starting points need the cfo tuner (random search never starts from a point)");
        var twice = StartingPoints.GroupBy(s => s.Trainer, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice != null) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"two starting points for '{twice.Key}'");
        foreach (var start in StartingPoints)
        {
            var trainer = trainers.FirstOrDefault(t => string.Equals(t.Name, start.Trainer, StringComparison.OrdinalIgnoreCase))
                ?? throw new MmcsException(ErrorCodes.InvalidParameterValue,
                    $"starting point '{start}': '{start.Trainer}' is not among the trainers searched ({string.Join(", ", trainers.Select(t => t.Name))})");
            _ = SpaceOf(trainer);
        }
    }
}
