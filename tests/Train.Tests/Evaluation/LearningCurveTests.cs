using Mmcs.Core;
using Mmcs.Train.Evaluation;

namespace Mmcs.Train.Tests.Evaluation;

public class LearningCurveTests
{
    // 60 artists of 1..4 songs; an artist's songs are mostly of one class, sometimes of another
    private static (int[] Labels, string[] Groups) Songs(int seed)
    {
        var rng = new Random(seed);
        var labels = new List<int>();
        var groups = new List<string>();
        for (int artist = 0; artist < 60; artist++)
        {
            int songs = rng.Next(1, 5);
            for (int s = 0; s < songs; s++)
            {
                labels.Add(rng.NextDouble() < 0.8 ? artist % 4 : rng.Next(4));
                groups.Add($"artist{artist}");
            }
        }
        return (labels.ToArray(), groups.ToArray());
    }

    [Fact]
    public void A_training_share_keeps_artists_whole_and_no_class_over_its_share()
    {
        var (labels, groups) = Songs(1);
        var training = Enumerable.Range(0, labels.Length).Where(i => i % 7 != 0).ToArray(); // a test fold left out
        foreach (double share in new[] { 0.25, 0.5, 0.8 })
        {
            var kept = LearningCurve.TrainingShare(training, labels, groups, share, seed: 5);
            Assert.All(kept, r => Assert.Contains(r, training));
            foreach (var artist in kept.Select(r => groups[r]).Distinct())
                Assert.Equal(training.Where(r => groups[r] == artist), kept.Where(r => groups[r] == artist));
            foreach (var cls in training.GroupBy(r => labels[r]))
                Assert.True(kept.Count(r => labels[r] == cls.Key) <= Math.Ceiling(share * cls.Count()), $"class {cls.Key} over its share at {share}");
            // near the share: at most one artist (4 songs) beyond it, and not far below it
            Assert.InRange(kept.Length, share * training.Length - 12, share * training.Length + 4);
        }
    }

    [Fact]
    public void A_training_share_is_the_same_for_the_same_seed_and_order_of_rows_and_differs_between_seeds()
    {
        var (labels, groups) = Songs(2);
        var training = Enumerable.Range(0, labels.Length).ToArray();
        var a = LearningCurve.TrainingShare(training, labels, groups, 0.5, seed: 1);
        var b = LearningCurve.TrainingShare(training.Reverse().ToArray(), labels, groups, 0.5, seed: 1);
        var c = LearningCurve.TrainingShare(training, labels, groups, 0.5, seed: 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void A_share_of_one_is_every_training_row_and_a_share_outside_zero_to_one_is_refused()
    {
        var (labels, groups) = Songs(3);
        int[] training = [5, 3, 9, 1];
        Assert.Equal([1, 3, 5, 9], LearningCurve.TrainingShare(training, labels, groups, 1, seed: 0));
        foreach (double bad in new[] { 0, -0.5, 1.5, double.NaN })
        {
            var e = Assert.Throws<MmcsException>(() => LearningCurve.TrainingShare(training, labels, groups, bad, seed: 0));
            Assert.Equal(ErrorCodes.InvalidParameterValue, e.ErrorCode);
        }
    }

    [Fact]
    public void The_fit_recovers_a_line_in_log2_of_the_size_and_extrapolates_it()
    {
        // 0.5 at 100 songs, +0.04 per doubling
        var points = new[] { 100.0, 150, 200, 300, 400 }.Select(n => (n, 0.5 + 0.04 * Math.Log2(n / 100))).ToList();
        var fit = LearningCurve.Fit(points);
        Assert.Equal(0.04, fit.SlopePerDoubling, 12);
        Assert.Equal(0.5, fit.At(100), 12);
        Assert.Equal(0.62, fit.At(800), 12);
        Assert.Equal(0, fit.ResidualSd, 12);
    }

    [Fact]
    public void The_fit_reports_the_scatter_about_its_line()
    {
        // residuals +d, -d, -d, +d about a line in log2 (x = 0, 1, 2, 3): least squares keeps that line only if they
        // balance, and they do, in both their sum and their x-weighted sum
        const double d = 0.01;
        var points = new[] { (1.0, 0.5 + d), (2.0, 0.55 - d), (4.0, 0.6 - d), (8.0, 0.65 + d) };
        var fit = LearningCurve.Fit(points);
        Assert.Equal(0.05, fit.SlopePerDoubling, 12);
        Assert.Equal(Math.Sqrt(4 * d * d / 2), fit.ResidualSd, 12);
    }

    [Fact]
    public void The_interval_of_the_line_widens_away_from_the_measured_sizes_as_Student_t_says()
    {
        const double d = 0.01;
        var fit = LearningCurve.Fit([(1.0, 0.5 + d), (2.0, 0.55 - d), (4.0, 0.6 - d), (8.0, 0.65 + d)]);
        // at size 16 (log2 4): se = s sqrt(1/4 + (4 - 1.5)^2 / 5) with s = sqrt(2) d; t(0.975, 2 df) = 4.302652729911275
        double half = 4.302652729911275 * Math.Sqrt(2) * d * Math.Sqrt(0.25 + 6.25 / 5);
        var (low, high) = fit.Interval(16);
        Assert.Equal(0.70 - half, low, 9);
        Assert.Equal(0.70 + half, high, 9);
        var (nearLow, nearHigh) = fit.Interval(Math.Pow(2, 1.5)); // at the mean of log2(size): the narrowest
        Assert.True(nearHigh - nearLow < high - low);
        Assert.Throws<InvalidOperationException>(() => LearningCurve.Fit([(50, 0.6), (100, 0.7)]).Interval(200));
    }

    [Fact]
    public void An_artist_with_more_songs_of_a_class_than_its_share_is_never_taken()
    {
        // artist a: 6 sad songs (class 0); b..m: one song each, alternating classes 0 and 1; 9 songs of class 0 in all
        var labels = new List<int>();
        var groups = new List<string>();
        for (int s = 0; s < 6; s++) { labels.Add(0); groups.Add("a"); }
        for (int k = 0; k < 12; k++) { labels.Add(k % 2); groups.Add($"artist{k}"); }
        var training = Enumerable.Range(0, labels.Count).ToArray();
        for (int seed = 0; seed < 10; seed++)
        {
            // class 0's share: ceil(0.5 * 12) = 6, which the six songs of a would fill alone; a is never cut
            var kept = LearningCurve.TrainingShare(training, labels, groups, 0.5, seed);
            Assert.True(kept.Count(r => groups[r] == "a") is 0 or 6);
            Assert.True(kept.Count(r => labels[r] == 0) <= 6);
        }
        // at a third (class 0's share 4) a is never taken, and the share is made of the others
        Assert.All(Enumerable.Range(0, 10), seed => Assert.DoesNotContain(LearningCurve.TrainingShare(training, labels, groups, 1 / 3.0, seed), r => groups[r] == "a"));
    }

    [Fact]
    public void A_fit_of_two_points_has_no_scatter_and_no_interval()
    {
        var fit = LearningCurve.Fit([(100, 0.6), (200, 0.65)]);
        Assert.Equal(0.05, fit.SlopePerDoubling, 12);
        Assert.True(double.IsNaN(fit.ResidualSd));
        Assert.Throws<InvalidOperationException>(() => fit.Interval(400));
    }

    [Fact]
    public void A_fit_needs_two_distinct_positive_sizes()
    {
        Assert.Throws<ArgumentException>(() => LearningCurve.Fit([]));
        Assert.Throws<ArgumentException>(() => LearningCurve.Fit([(double.PositiveInfinity, 0.6), (100, 0.7)]));
        Assert.Throws<ArgumentException>(() => LearningCurve.Fit([(100, 0.6)]));
        Assert.Throws<ArgumentException>(() => LearningCurve.Fit([(100, 0.6), (100, 0.7)]));
        Assert.Throws<ArgumentException>(() => LearningCurve.Fit([(0, 0.6), (100, 0.7)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningCurve.Fit([(50, 0.6), (100, 0.7)]).At(0));
    }
}
