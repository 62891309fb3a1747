using Mmcs.Featurize.Augment;
using Mmcs.Featurize.Tests.Audio;

namespace Mmcs.Featurize.Tests.Augment;

public class AugmentationTests
{
    private const int Rate = 22050;

    private static float[] Sine(double freq, double seconds, double amplitude = 0.5)
    {
        var x = new float[(int)(Rate * seconds)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * freq * i / Rate));
        return x;
    }

    private static float[] Noise(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();
    }

    /// <summary>The frequency of a (shifted or stretched) sine, from its interpolated zero crossings over the middle half.</summary>
    private static double Dominant(float[] y)
    {
        int a = y.Length / 4, b = 3 * y.Length / 4;
        double first = -1, last = -1;
        int crossings = 0;
        for (int i = a; i < b; i++)
        {
            if (y[i] <= 0 && y[i + 1] > 0)
            {
                double t = i + y[i] / (y[i] - y[i + 1]);
                if (first < 0) first = t;
                else crossings++;
                last = t;
            }
        }
        return crossings * (double)Rate / (last - first);
    }

    [Fact]
    public void Every_augmentation_gives_the_same_output_for_the_same_seed_and_leaves_its_input_alone()
    {
        var x = Noise(Rate * 2, 1);
        var copy = (float[])x.Clone();
        AudioAugmentation[] all = [new AddNoise(), new TimeShift(1.0, randomDirection: true), new Gain(-6, 6), new TimeStretch(1.25), new PitchShift(2)];
        foreach (var a in all)
        {
            Assert.Equal(a.Apply(x, Rate, 42), a.Apply(x, Rate, 42));
            Assert.Equal(copy, x);
        }
        Assert.NotEqual(new AddNoise().Apply(x, Rate, 1), new AddNoise().Apply(x, Rate, 2));
        Assert.NotEqual(new Gain().DbFor(1), new Gain().DbFor(2));
    }

    [Fact]
    public void Additive_noise_has_the_asked_standard_deviation()
    {
        var x = new float[100_000];
        var y = new AddNoise(0.02).Apply(x, Rate, 7);
        double mean = y.Average(v => (double)v);
        double sd = Math.Sqrt(y.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(sd, 0.0196, 0.0204);
        Assert.InRange(mean, -0.0005, 0.0005);
    }

    [Fact]
    public void A_time_shift_rolls_the_samples_like_numpy_roll()
    {
        var x = Enumerable.Range(0, Rate * 3).Select(i => (float)i).ToArray();
        var y = new TimeShift(1.0).Apply(x, Rate, 0);
        Assert.Equal(x[0], y[Rate]);
        Assert.Equal(x[^Rate], y[0]);
        var back = new TimeShift(-1.0).Apply(y, Rate, 0);
        Assert.Equal(x, back);
    }

    [Fact]
    public void Gain_scales_by_its_decibels()
    {
        var x = Sine(440, 0.1);
        var y = new Gain(6, 6).Apply(x, Rate, 0);
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i] * Math.Pow(10, 0.3), y[i], 1e-6);
        double db = new Gain(-3, 3).DbFor(5);
        Assert.InRange(db, -3, 3);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(0.5)]
    [InlineData(1.25)]
    [InlineData(0.8)]
    public void A_time_stretch_changes_the_duration_by_the_factor_and_keeps_the_pitch(double rate)
    {
        var x = Sine(440, 2.0);
        var y = new TimeStretch(rate).Apply(x, Rate, 0);
        Assert.Equal((int)Math.Round(x.Length / rate), y.Length);
        Assert.Equal(440, Dominant(y), 1.0);
        Assert.InRange(FfmpegTestFiles.Amplitude(y, 440, Rate), 0.45, 0.55); // overlap-add keeps the level
    }

    [Theory]
    [InlineData(12, 880)]
    [InlineData(-5, 329.63)]
    [InlineData(3, 523.25)]
    public void A_pitch_shift_moves_a_sines_frequency_and_keeps_the_length(double semitones, double expectedHz)
    {
        var x = Sine(440, 1.5);
        var y = new PitchShift(semitones).Apply(x, Rate, 0);
        Assert.Equal(x.Length, y.Length);
        Assert.Equal(expectedHz, Dominant(y), 1.5);
        Assert.True(FfmpegTestFiles.Amplitude(y, 440, Rate) < 0.05, "the original pitch is gone");
    }

    [Fact]
    public void Invalid_parameters_are_refused_at_construction()
    {
        Assert.Throws<ArgumentException>(() => new AddNoise(-1));
        Assert.Throws<ArgumentException>(() => new Gain(6, -6));
        Assert.Throws<ArgumentException>(() => new TimeStretch(0));
        Assert.Throws<ArgumentException>(() => new PitchShift(24));
        Assert.Throws<ArgumentException>(() => new AugmentationPlan([new AugmentationCopy("a b", [new AddNoise()])]));
        Assert.Throws<ArgumentException>(() => new AugmentationPlan([new AugmentationCopy("a", [new AddNoise()]), new AugmentationCopy("a", [new Gain()])]));
    }

    [Fact]
    public void A_plan_seeds_each_song_and_copy_independently_of_order_and_keeps_the_clip_length()
    {
        var plan = new AugmentationPlan(
        [
            new AugmentationCopy("noise", [new AddNoise(0.02)]),
            new AugmentationCopy("faster", [new TimeStretch(1.2), new Gain(-3, 3)]),
        ], seed: 9);
        var clip = new AudioSignal(Noise(Rate, 3), Rate, "x");
        Assert.Equal(plan.Apply(clip, "song-a", 0).Samples, plan.Apply(clip, "song-a", 0).Samples);
        Assert.NotEqual(plan.Apply(clip, "song-a", 0).Samples, plan.Apply(clip, "song-b", 0).Samples);
        Assert.NotEqual(plan.SeedFor("s", 0), plan.SeedFor("s", 1));
        Assert.NotEqual(plan.SeedFor("s", 0), (plan with { }).SeedFor("s", 0) + 1);
        Assert.Equal(clip.Samples.Length, plan.Apply(clip, "song-a", 1).Samples.Length);
        // Ids are stable and follow the parameters.
        Assert.Equal(AugmentationPlan.OriginalStudy().Copies[0].Id, AugmentationPlan.OriginalStudy().Copies[0].Id);
        Assert.NotEqual(new AugmentationCopy("noise", [new AddNoise(0.02)]).Id, new AugmentationCopy("noise", [new AddNoise(0.03)]).Id);
        Assert.StartsWith("noise-", plan.Copies[0].Id);
    }
}
