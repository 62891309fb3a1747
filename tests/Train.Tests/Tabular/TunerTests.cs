using Mmcs.Train.Tabular.Search;

namespace Mmcs.Train.Tests.Tabular;

public class TunerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // A mixed benchmark over three "trainers": a shifted Rosenbrock in four floats (one on a log scale), an integer
    // with a best value and a choice with one good option; the spaces differ by a constant offset, and their
    // defaults (the low-cost starting points) are far from the optimum.
    private static IReadOnlyList<SearchSpace> BenchmarkSpaces() =>
    [
        Space("alpha"), Space("beta"), Space("gamma"),
    ];

    private static SearchSpace Space(string name) => new(name,
    [
        new FloatParameter("x1", -2, 2, -1.5),
        new FloatParameter("x2", -2, 2, 1.5),
        new FloatParameter("x3", -2, 2, -1.5),
        new FloatParameter("scale", 0.01, 100, 0.01, Log: true),
        new IntParameter("leaves", 2, 200, 2, Log: true),
        new ChoiceParameter("norm", ["none", "minmax", "standard", "robust"], "none"),
    ]);

    private static double Objective(Configuration c)
    {
        // Rosenbrock shifted so that the optimum is at (0.7, 0.49, 0.2401) rather than (1, 1, 1).
        double x1 = c.GetDouble("x1") + 0.3, x2 = c.GetDouble("x2") + 0.51, x3 = c.GetDouble("x3") + 0.7599;
        double rosen = 100 * Math.Pow(x2 - x1 * x1, 2) + Math.Pow(1 - x1, 2) + 100 * Math.Pow(x3 - x2 * x2, 2) + Math.Pow(1 - x2, 2);
        double scale = Math.Pow(Math.Log10(c.GetDouble("scale")) - 0.5, 2);
        double leaves = Math.Pow(Math.Log(c.GetInt("leaves") / 31.0), 2);
        double norm = c.GetString("norm") == "standard" ? 0 : 1;
        double offset = c.Space switch { "alpha" => 2, "beta" => 0, _ => 4 };
        return Math.Log(1 + rosen) + scale + leaves + norm + offset;
    }

    private static double BestAfter(ITuner tuner, int trials)
    {
        double best = double.PositiveInfinity;
        for (int t = 0; t < trials; t++)
        {
            var p = tuner.Propose();
            double loss = Objective(p.Configuration);
            best = Math.Min(best, loss);
            tuner.Update(new TrialOutcome(p, loss, Cost: 1, TrialStatus.Succeeded));
        }
        return best;
    }

    [Fact]
    public void Cfo_beats_random_search_on_a_shifted_Rosenbrock_over_a_mixed_space_averaged_over_seeds()
    {
        const int seeds = 10, trials = 150;
        double cfo = 0, random = 0;
        int cfoWins = 0;
        for (int seed = 0; seed < seeds; seed++)
        {
            double c = BestAfter(new CfoTuner(BenchmarkSpaces(), seed), trials);
            double r = BestAfter(new RandomSearchTuner(BenchmarkSpaces(), seed), trials);
            cfo += c / seeds;
            random += r / seeds;
            if (c < r) cfoWins++;
        }
        output.WriteLine($"mean best loss over {seeds} seeds after {trials} trials: CFO {cfo:F3}, random {random:F3}; CFO won {cfoWins}");
        Assert.True(cfo < random - 0.5, $"mean best loss: CFO {cfo:F3}, random {random:F3}");
        Assert.True(cfoWins >= 7, $"CFO won on {cfoWins} of {seeds} seeds (mean CFO {cfo:F3}, random {random:F3})");
    }

    [Fact]
    public void Cfo_starts_from_each_spaces_low_cost_default_in_the_order_given()
    {
        var spaces = BenchmarkSpaces();
        var tuner = new CfoTuner(spaces, seed: 1);
        for (int i = 0; i < spaces.Count; i++)
        {
            var p = tuner.Propose();
            Assert.Equal(spaces[i].Name, p.Space);
            Assert.Equal(spaces[i].DefaultConfiguration().Key, p.Configuration.Key);
            tuner.Update(new TrialOutcome(p, Objective(p.Configuration), 1, TrialStatus.Succeeded));
        }
    }

    [Fact]
    public void Cfo_spends_most_trials_on_the_space_with_the_best_losses()
    {
        var tuner = new CfoTuner(BenchmarkSpaces(), seed: 5);
        var counts = new Dictionary<string, int>();
        for (int t = 0; t < 120; t++)
        {
            var p = tuner.Propose();
            counts[p.Space] = counts.GetValueOrDefault(p.Space) + 1;
            tuner.Update(new TrialOutcome(p, Objective(p.Configuration), 1, TrialStatus.Succeeded));
        }
        Assert.True(counts["beta"] > counts["gamma"], string.Join(", ", counts));
        Assert.True(counts["beta"] > 50, string.Join(", ", counts));
    }

    [Theory]
    [InlineData("cfo")]
    [InlineData("random")]
    public void The_same_seed_and_outcomes_give_the_same_proposals(string kind)
    {
        IReadOnlyList<string> Run(int seed)
        {
            ITuner tuner = kind == "cfo" ? new CfoTuner(BenchmarkSpaces(), seed) : new RandomSearchTuner(BenchmarkSpaces(), seed);
            var keys = new List<string>();
            for (int t = 0; t < 40; t++)
            {
                var p = tuner.Propose();
                keys.Add(p.Configuration.Key);
                tuner.Update(new TrialOutcome(p, Objective(p.Configuration), 0.1 + t % 3, TrialStatus.Succeeded));
            }
            return keys;
        }
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
    }

    [Fact]
    public void Cfo_never_proposes_a_configuration_twice_while_the_space_has_room()
    {
        var tuner = new CfoTuner([Space("only")], seed: 3);
        var seen = new HashSet<string>();
        for (int t = 0; t < 100; t++)
        {
            var p = tuner.Propose();
            Assert.True(seen.Add(p.Configuration.Key), $"trial {t} repeated {p.Configuration.Key}");
            tuner.Update(new TrialOutcome(p, Objective(p.Configuration), 1, TrialStatus.Succeeded));
        }
    }

    [Fact]
    public void Failed_trials_count_as_the_worst_loss_and_the_search_goes_on()
    {
        var tuner = new CfoTuner(BenchmarkSpaces(), seed: 2);
        for (int t = 0; t < 30; t++)
        {
            var p = tuner.Propose();
            bool fail = p.Space == "beta"; // one trainer always throws
            tuner.Update(new TrialOutcome(p, fail ? double.NaN : Objective(p.Configuration), 1,
                fail ? TrialStatus.Failed : TrialStatus.Succeeded));
        }
        Assert.True(double.IsFinite(tuner.BestLoss));
        // The failing trainer is not chosen again and again.
        var next = Enumerable.Range(0, 20).Select(_ =>
        {
            var p = tuner.Propose();
            tuner.Update(new TrialOutcome(p, Objective(p.Configuration), 1, TrialStatus.Succeeded));
            return p.Space;
        }).Count(s => s == "beta");
        Assert.True(next < 10, $"beta chosen {next} of 20 times after failing");
    }

    [Fact]
    public void Parameters_decode_the_unit_interval_onto_their_ranges_and_encode_back()
    {
        var f = new FloatParameter("lr", 1e-4, 1, 1e-3, Log: true);
        Assert.Equal(1e-4, (double)f.Decode(0), 10);
        Assert.Equal(1, (double)f.Decode(1), 10);
        Assert.Equal(1e-2, (double)f.Decode(0.5), 6);
        Assert.Equal(1e-3, (double)f.Decode(f.Encode(1e-3)), 8);

        var i = new IntParameter("trees", 1, 4, 1);
        var counts = new int[5];
        for (int k = 0; k < 1000; k++) counts[(int)i.Decode((k + 0.5) / 1000)]++;
        Assert.All(counts.Skip(1), c => Assert.InRange(c, 240, 260)); // every integer owns an equal share
        Assert.Equal(3, (int)i.Decode(i.Encode(3)));

        var ch = new ChoiceParameter("norm", ["a", "b", "c"], "b");
        Assert.Equal("a", ch.Decode(0));
        Assert.Equal("c", ch.Decode(1));
        Assert.Equal("b", ch.Decode(ch.Encode("b")));

        Assert.Throws<Mmcs.Core.MmcsException>(() => new SearchSpace("bad", [new FloatParameter("x", 1, 0, 0.5)]));
    }
}
