using Mmcs.Core;

namespace Mmcs.Train.Tabular.Search;

/// <summary>A configuration to evaluate next.</summary>
public sealed record TrialProposal(int TrialId, Configuration Configuration)
{
    public string Space => Configuration.Space;
}

/// <summary>How a trial ended.</summary>
public enum TrialStatus
{
    Succeeded,

    /// <summary>The trial threw; it is reported with its error and counts as the worst possible loss.</summary>
    Failed,

    /// <summary>The time budget ran out or the caller cancelled while it ran.</summary>
    Cancelled,
}

/// <summary>The result of a proposal: a loss to minimise (e.g. 1 − accuracy) and what it cost (seconds).</summary>
public sealed record TrialOutcome(TrialProposal Proposal, double Loss, double Cost, TrialStatus Status)
{
    /// <summary>The loss the tuner learns from: +∞ for failed or cancelled trials.</summary>
    public double EffectiveLoss => Status == TrialStatus.Succeeded && double.IsFinite(Loss) ? Loss : double.PositiveInfinity;
}

/// <summary>
/// A hyperparameter tuner over one or more named search spaces (trainers), as ML.NET AutoML's ITuner: the caller
/// alternates <see cref="Propose"/> and <see cref="Update"/>. With the same seed and the same outcomes, the same
/// proposals come out.
/// </summary>
public interface ITuner
{
    TrialProposal Propose();

    void Update(TrialOutcome outcome);
}

/// <summary>Uniform random search over the spaces (a baseline): a space uniformly, then every coordinate uniformly.</summary>
public sealed class RandomSearchTuner : ITuner
{
    private readonly IReadOnlyList<SearchSpace> _spaces;
    private readonly Random _rng;
    private int _next;

    public RandomSearchTuner(IReadOnlyList<SearchSpace> spaces, int seed)
    {
        if (spaces.Count == 0) throw new MmcsException(ErrorCodes.InvalidParameterValue, "nothing to search: no search spaces");
        _spaces = spaces;
        _rng = new Random(seed);
    }

    public TrialProposal Propose()
    {
        var space = _spaces[_rng.Next(_spaces.Count)];
        var point = Enumerable.Range(0, space.Dimensions).Select(_ => _rng.NextDouble()).ToArray();
        return new TrialProposal(_next++, space.Decode(point));
    }

    public void Update(TrialOutcome outcome)
    {
    }
}

/// <summary>
/// Cost-frugal optimisation (CFO, Wu, Wang and Huang 2021, as in FLAML and ML.NET AutoML): a randomised direct
/// search per search space, starting from its low-cost default, plus a choice of which space (trainer) to try next
/// by estimated cost for improvement (ECI), as FLAML chooses learners. Each space's search steps from its incumbent
/// along a random unit direction (and, when that fails, the opposite one); after enough failed directions the step
/// shrinks, and when it falls below a floor the search restarts from a random point. Configurations already
/// evaluated are not proposed again (their known loss is reused).
/// </summary>
public sealed class CfoTuner : ITuner
{
    private readonly IReadOnlyList<SearchSpace> _spaces;
    private readonly LocalSearch[] _searches;
    private readonly SpaceStats[] _stats;
    private readonly Dictionary<int, int> _pendingSpace = new();
    private readonly Random _rng;
    private int _next;

    public CfoTuner(IReadOnlyList<SearchSpace> spaces, int seed)
    {
        if (spaces.Count == 0) throw new MmcsException(ErrorCodes.InvalidParameterValue, "nothing to search: no search spaces");
        _spaces = spaces;
        _rng = new Random(seed);
        _searches = spaces.Select((s, i) => new LocalSearch(s, new Random(unchecked(seed * 7919 + i + 1)))).ToArray();
        _stats = spaces.Select(_ => new SpaceStats()).ToArray();
    }

    /// <summary>The best loss seen so far (+∞ before the first success).</summary>
    public double BestLoss => _stats.Min(s => s.BestLoss);

    public TrialProposal Propose()
    {
        int s = ChooseSpace();
        var config = _searches[s].Propose();
        int id = _next++;
        _pendingSpace[id] = s;
        return new TrialProposal(id, config);
    }

    public void Update(TrialOutcome outcome)
    {
        if (!_pendingSpace.Remove(outcome.Proposal.TrialId, out int s))
            throw new InvalidOperationException($"trial {outcome.Proposal.TrialId} was not proposed by this tuner or was already updated");
        double loss = outcome.EffectiveLoss;
        double cost = Math.Max(1e-6, outcome.Cost);
        var st = _stats[s];
        st.Trials++;
        st.TotalCost += cost;
        if (loss < st.BestLoss)
        {
            st.PreviousBestLoss = st.BestLoss;
            st.CostAtPreviousBest = st.CostAtBest;
            st.BestLoss = loss;
            st.CostAtBest = st.TotalCost;
        }
        _searches[s].Update(outcome.Proposal.Configuration, loss);
    }

    private int ChooseSpace()
    {
        // Every space once first, in the order given (list cheap trainers first), each at its first point (the space's
        // default) and before any outcome is known: TabularAutoMl.FitStartingPoints relies on that.
        for (int i = 0; i < _spaces.Count; i++)
        {
            if (_stats[i].Trials == 0 && !_pendingSpace.ContainsValue(i)) return i;
        }
        if (_spaces.Count == 1) return 0;
        double globalBest = BestLoss;
        var eci = new double[_spaces.Count];
        for (int i = 0; i < _spaces.Count; i++) eci[i] = EstimatedCostForImprovement(_stats[i], globalBest);
        // Sample inversely proportional to the ECI (FLAML); a space that never succeeded gets its cost so far times 2.
        var weights = eci.Select(e => 1 / Math.Max(e, 1e-9)).ToArray();
        double total = weights.Sum();
        double r = _rng.NextDouble() * total;
        for (int i = 0; i < weights.Length; i++)
        {
            r -= weights[i];
            if (r <= 0) return i;
        }
        return weights.Length - 1;
    }

    private static double EstimatedCostForImprovement(SpaceStats st, double globalBest)
    {
        if (!double.IsFinite(st.BestLoss)) return Math.Max(2 * st.TotalCost, 1e-3) * (1 + st.Trials);
        // Time to the next improvement of this space: as long as it has gone without one, or as long as the last one took.
        double eci1 = Math.Max(st.TotalCost - st.CostAtBest, st.CostAtBest - st.CostAtPreviousBest);
        double gap = st.BestLoss - globalBest;
        if (gap <= 0) return Math.Max(eci1, 1e-6);
        // Time to close the gap to the global best at this space's recent rate of improvement.
        double improvement = double.IsFinite(st.PreviousBestLoss) ? st.PreviousBestLoss - st.BestLoss : 0;
        double elapsed = st.CostAtBest - st.CostAtPreviousBest;
        double eci2 = improvement > 0 ? gap * Math.Max(elapsed, 1e-6) / improvement : 2 * st.TotalCost * (1 + gap * 10);
        return Math.Max(Math.Max(eci1, eci2), 1e-6);
    }

    private sealed class SpaceStats
    {
        public int Trials;
        public double TotalCost;
        public double BestLoss = double.PositiveInfinity;
        public double PreviousBestLoss = double.PositiveInfinity;
        public double CostAtBest;
        public double CostAtPreviousBest;
    }
}

/// <summary>
/// FLOW2, CFO's local search in one space's unit hypercube: evaluate the default; then repeatedly try
/// incumbent + step·u for a random unit direction u, and incumbent − step·u when that is no better; move on
/// improvement; after 2^(d−1) (at most 8) failed directions halve the step; restart from a random point when the
/// step falls below its floor.
/// </summary>
internal sealed class LocalSearch
{
    private const double InitialStepPerSqrtDim = 0.1;
    private const double StepFloorPerSqrtDim = 0.001;
    private readonly SearchSpace _space;
    private readonly Random _rng;
    private readonly Dictionary<string, double> _known = new(StringComparer.Ordinal);
    private readonly double _initialStep;
    private readonly double _stepFloor;
    private readonly int _directionsBeforeShrink;
    private double[] _incumbent;
    private double _incumbentLoss = double.PositiveInfinity;
    private bool _incumbentEvaluated;
    private double _step;
    private double[]? _direction;
    private bool _triedOpposite;
    private int _failedDirections;
    private double[]? _pendingPoint;
    private string? _pendingKey;

    public LocalSearch(SearchSpace space, Random rng)
    {
        _space = space;
        _rng = rng;
        double sqrtDim = Math.Sqrt(Math.Max(1, space.Dimensions));
        _initialStep = InitialStepPerSqrtDim * sqrtDim;
        _stepFloor = StepFloorPerSqrtDim * sqrtDim;
        _directionsBeforeShrink = Math.Min(8, 1 << Math.Max(0, space.Dimensions - 1));
        _incumbent = space.DefaultPoint();
        _step = _initialStep;
    }

    public Configuration Propose()
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            double[] point = NextPoint();
            var config = _space.Decode(point);
            if (_known.TryGetValue(config.Key, out double loss))
            {
                // Already evaluated (e.g. an integer step too small to change anything): learn from it and go on.
                Observe(point, loss);
                continue;
            }
            _pendingPoint = point;
            _pendingKey = config.Key;
            return config;
        }
        // The space is exhausted around here: a random point (possibly a repeat in a tiny space).
        var random = RandomPoint();
        _pendingPoint = random;
        var c = _space.Decode(random);
        _pendingKey = c.Key;
        return c;
    }

    public void Update(Configuration configuration, double loss)
    {
        _known[configuration.Key] = loss;
        if (_pendingPoint != null && _pendingKey == configuration.Key)
        {
            var point = _pendingPoint;
            _pendingPoint = null;
            Observe(point, loss);
        }
    }

    private double[] NextPoint()
    {
        if (!_incumbentEvaluated) return _incumbent;
        if (_direction == null)
        {
            _direction = RandomDirection();
            _triedOpposite = false;
        }
        return Move();
    }

    private void Observe(double[] point, double loss)
    {
        if (!_incumbentEvaluated)
        {
            _incumbentEvaluated = true;
            _incumbentLoss = loss;
            return;
        }
        if (loss < _incumbentLoss)
        {
            _incumbent = point;
            _incumbentLoss = loss;
            _direction = null;
            _failedDirections = 0;
            return;
        }
        if (_direction != null && !_triedOpposite)
        {
            _triedOpposite = true; // next: the opposite direction
            return;
        }
        _direction = null;
        if (++_failedDirections < _directionsBeforeShrink) return;
        _failedDirections = 0;
        _step /= 2;
        if (_step < _stepFloor)
        {
            // Converged here: restart from a random point with the initial step.
            _incumbent = RandomPoint();
            _incumbentEvaluated = false;
            _incumbentLoss = double.PositiveInfinity;
            _step = _initialStep;
        }
    }

    private double[] Move()
    {
        // After the + step fails, _triedOpposite is set and the − step is proposed.
        var d = _direction!;
        int s = _triedOpposite ? -1 : 1;
        var p = new double[_incumbent.Length];
        for (int i = 0; i < p.Length; i++) p[i] = Math.Clamp(_incumbent[i] + s * _step * d[i], 0, 1);
        return p;
    }

    private double[] RandomDirection()
    {
        int n = _incumbent.Length;
        var d = new double[n];
        double norm = 0;
        while (norm < 1e-12)
        {
            norm = 0;
            for (int i = 0; i < n; i++)
            {
                // Box-Muller: a Gaussian vector normalised is uniform on the sphere.
                double u1 = 1 - _rng.NextDouble(), u2 = _rng.NextDouble();
                d[i] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                norm += d[i] * d[i];
            }
        }
        norm = Math.Sqrt(norm);
        for (int i = 0; i < n; i++) d[i] /= norm;
        return d;
    }

    private double[] RandomPoint() => Enumerable.Range(0, _incumbent.Length).Select(_ => _rng.NextDouble()).ToArray();
}
