using Mmcs.Featurize.Features;

namespace Mmcs.Featurize.Tests.Features;

public class MelodicNotesTests
{
    private const int Sr = 22050;
    private const double Fps = 22050.0 / 512;

    /// <summary>A contour of (MIDI, seconds) segments, NaN for rests, at the default frame rate.</summary>
    private static double[] Contour(params (double Midi, double Seconds)[] parts)
    {
        var c = new List<double>();
        foreach (var (midi, seconds) in parts) c.AddRange(Enumerable.Repeat(midi, (int)Math.Round(seconds * Fps)));
        return [.. c];
    }

    private static double Value(double[] values, string name) => values[MelodicNotes.Names.ToList().IndexOf(name)];

    [Fact]
    public void Three_rising_notes_with_rests_are_three_notes_with_their_intervals_and_articulation()
    {
        var pitch = Contour((60, 0.5), (double.NaN, 0.2), (64, 0.5), (67, 0.5), (double.NaN, 0.3));
        var notes = new MelodicNotes().Segment(pitch);
        Assert.Equal([60.0, 64, 67], notes.Select(n => n.Pitch));
        Assert.Equal([0, 31, 53], notes.Select(n => n.Start));
        var v = new MelodicNotes().Describe(pitch);
        Assert.Equal(3 / (pitch.Length / Fps), Value(v, "melody_note_rate"), 9);
        Assert.Equal(0.5, Value(v, "melody_note_duration_mean"), 1);
        Assert.Equal(0, Value(v, "melody_note_duration_cv"), 1);
        Assert.Equal(3.5, Value(v, "melody_interval_mean"), 9);          // (4 + 3) / 2
        Assert.Equal(1, Value(v, "melody_leap_ratio"), 9);               // both above 2.5 semitones
        Assert.Equal(0, Value(v, "melody_repeat_ratio"), 9);
        Assert.Equal(1, Value(v, "melody_ascending_ratio"), 9);
        Assert.Equal(0.5, Value(v, "melody_legato_ratio"), 9);           // the rest of 0.2 s breaks the first pair
        Assert.Equal(66.4 - 60.8, Value(v, "melody_note_range"), 9);   // numpy's 90th and 10th percentiles of 60, 64, 67
        Assert.Equal(0, Value(v, "melody_unstable_ratio"), 9);
        Assert.Equal(0, Value(v, "melody_vibrato_ratio"), 9);
    }

    [Fact]
    public void Runs_shorter_than_a_note_and_a_silent_contour_give_no_notes_and_zeros()
    {
        var pitch = Contour((60, 0.04), (double.NaN, 0.1), (72, 0.04), (double.NaN, 0.1));
        Assert.Empty(new MelodicNotes().Segment(pitch));
        Assert.Equal(new double[MelodicNotes.Names.Count], new MelodicNotes().Describe(pitch));
        Assert.Equal(new double[MelodicNotes.Names.Count], new MelodicNotes().Describe(Contour((double.NaN, 1))));
        Assert.Equal(new double[MelodicNotes.Names.Count], new MelodicNotes().Describe([]));
    }

    [Fact]
    public void A_note_moving_beyond_the_tolerance_is_split_and_a_repeated_note_is_a_repeat()
    {
        var pitch = Contour((60, 0.3), (61.5, 0.3), (61.5, 0.3));
        var notes = new MelodicNotes().Segment(pitch);
        Assert.Equal(2, notes.Count);
        Assert.Equal(61.5, notes[1].Pitch);
        var repeated = Contour((60, 0.3), (double.NaN, 0.03), (60.2, 0.3));
        var v = new MelodicNotes().Describe(repeated);
        Assert.Equal(1, Value(v, "melody_repeat_ratio"), 9);
        Assert.Equal(1, Value(v, "melody_legato_ratio"), 9); // a gap of one frame (23 ms) is legato
        Assert.Equal(0.5, Value(v, "melody_ascending_ratio"), 9); // no moving interval
    }

    [Fact]
    public void A_six_hertz_vibrato_of_half_a_semitone_each_way_is_found_with_its_rate_and_extent_and_a_steady_note_has_none()
    {
        int n = (int)Math.Round(1.0 * Fps);
        var vibrato = Enumerable.Range(0, n).Select(t => 67 + 0.5 * Math.Sin(2 * Math.PI * 6 * t / Fps)).ToArray();
        var v = new MelodicNotes().Describe(vibrato);
        Assert.Equal(1, Value(v, "melody_vibrato_ratio"), 9);
        Assert.InRange(Value(v, "melody_vibrato_rate"), 5.5, 6.5);
        Assert.InRange(Value(v, "melody_vibrato_extent"), 0.9, 1.1); // peak to peak
        // a slow slide of a semitone is a trend, not vibrato; a steady note has none
        var slide = Enumerable.Range(0, n).Select(t => 67 + 0.6 * t / n).ToArray();
        Assert.Equal(0, Value(new MelodicNotes().Describe(slide), "melody_vibrato_ratio"), 9);
        Assert.Equal(0, Value(new MelodicNotes().Describe(Contour((67, 1))), "melody_vibrato_ratio"), 9);
        // random quantisation flips (no period) are not vibrato either
        var rng = new Random(3);
        var noisy = Enumerable.Range(0, n).Select(_ => 67 + (rng.Next(2) == 0 ? 0 : 1 / 3.0)).ToArray();
        Assert.Equal(0, Value(new MelodicNotes().Describe(noisy), "melody_vibrato_ratio"), 9);
    }

    [Fact]
    public void Tremolo_is_a_loudness_swing_at_vibrato_rates_and_needs_the_loudness()
    {
        int n = (int)Math.Round(1.0 * Fps);
        var pitch = Contour((60, 1.0));
        var loud = Enumerable.Range(0, n).Select(t => -20 + 3 * Math.Sin(2 * Math.PI * 5 * t / Fps)).ToArray();
        Assert.Equal(1, Value(new MelodicNotes().Describe(pitch, loud), "melody_tremolo_ratio"), 9);
        Assert.Equal(0, Value(new MelodicNotes().Describe(pitch), "melody_tremolo_ratio"), 9);
        Assert.Equal(0, Value(new MelodicNotes().Describe(pitch, Enumerable.Repeat(-20.0, n).ToArray()), "melody_tremolo_ratio"), 9);
        Assert.Throws<FeatureInputException>(() => new MelodicNotes().Describe(pitch, new double[3]));
    }

    [Fact]
    public void The_oscillation_share_matches_a_slow_direct_computation()
    {
        // second opinion: the band share of a detrended, tapered 5 Hz + 11 Hz mixture, computed the obvious way
        int n = 40;
        var x = Enumerable.Range(0, n).Select(t => 0.3 * Math.Sin(2 * Math.PI * 5 * t / Fps) + 0.3 * Math.Sin(2 * Math.PI * 11 * t / Fps) + 0.01 * t).ToArray();
        var (share, extent, _) = new MelodicNotes().Oscillation(x);
        double mean = x.Average(), mt = (n - 1) / 2.0;
        double slope = Enumerable.Range(0, n).Sum(t => (t - mt) * (x[t] - mean)) / Enumerable.Range(0, n).Sum(t => (t - mt) * (t - mt));
        var r = Enumerable.Range(0, n).Select(t => x[t] - mean - slope * (t - mt)).ToArray();
        Assert.Equal(2 * Math.Sqrt(2) * Math.Sqrt(r.Average(v => v * v)), extent, 9);
        var tapered = r.Select((v, t) => v * (0.5 - 0.5 * Math.Cos(2 * Math.PI * (t + 0.5) / n))).ToArray();
        double inBand = 0, total = 0;
        for (int k = 1; k * 0.25 < Fps / 2; k++)
        {
            var z = tapered.Select((v, t) => v * System.Numerics.Complex.Exp(new System.Numerics.Complex(0, -2 * Math.PI * k * 0.25 * t / Fps)))
                .Aggregate(System.Numerics.Complex.Zero, (a, b) => a + b);
            double p = z.Magnitude * z.Magnitude;
            total += p;
            if (k * 0.25 >= 4 && k * 0.25 <= 8) inBand += p;
        }
        Assert.Equal(inBand / total, share, 9);
        Assert.InRange(share, 0.3, 0.7); // about half the power is at 5 Hz
    }

    [Fact]
    public void Impossible_options_are_refused_once_in_the_constructor()
    {
        Assert.Throws<FeatureOptionsException>(() => new MelodicNotes(new NoteOptions { Tolerance = 0 }));
        Assert.Throws<FeatureOptionsException>(() => new MelodicNotes(new NoteOptions { ModulationMaxHz = 30 }));
        Assert.Throws<FeatureOptionsException>(() => new MelodicNotes(new NoteOptions { ModulationMinHz = 9 }));
        Assert.Throws<FeatureOptionsException>(() => new MelodicNotes(new NoteOptions { LegatoGapSeconds = -1 }));
        Assert.Throws<FeatureOptionsException>(() => new MelodicNotes(new NoteOptions { ModulationMinShare = 0 }));
        Assert.Throws<FeatureOptionsException>(() => new PredominantPitch(new PitchOptions { LayerThreshold = 0 }));
    }

    private static float[] Harmonic(double seconds, Func<double, double> f0, int harmonics = 4, double amplitude = 0.2)
    {
        var y = new float[(int)(seconds * Sr)];
        double phase = 0;
        for (int i = 0; i < y.Length; i++)
        {
            phase += 2 * Math.PI * f0(i / (double)Sr) / Sr;
            for (int h = 1; h <= harmonics; h++) y[i] += (float)(amplitude / h * Math.Sin(h * phase));
        }
        return y;
    }

    [Fact]
    public void The_refined_pitch_of_a_sung_vibrato_tone_shows_the_vibrato_that_whole_bins_blur()
    {
        // G4 (392 Hz) with a 6 Hz vibrato of ±0.4 semitone, 2 s, through the analysis' CQT
        var y = Harmonic(2, t => 392 * Math.Pow(2, 0.4 * Math.Sin(2 * Math.PI * 6 * t) / 12));
        var cqt = new ConstantQ(new CqtOptions { Tuning = 0 }).Magnitude(new AudioSignal(y, Sr, "vibrato"), out double tuning);
        var refined = new PredominantPitch(new PitchOptions { Refine = true }).Track(cqt, tuning);
        var whole = new PredominantPitch().Track(cqt, tuning);
        var middle = refined[10..^10];
        Assert.InRange(middle.Average(), 66.8, 67.2);
        Assert.InRange(middle.Max() - middle.Min(), 0.25, 1.2);
        Assert.True(middle.Distinct().Count() > 3 * whole[10..^10].Distinct().Count(), "the refined contour moves between the bins");
        var v = new MelodicNotes().Describe(refined);
        Assert.Equal(1, Value(v, "melody_vibrato_ratio"), 9);
        Assert.InRange(Value(v, "melody_vibrato_rate"), 5.25, 6.75);
        // the same tone held steady has no vibrato
        var steady = Harmonic(2, _ => 392);
        var steadyCqt = new ConstantQ(new CqtOptions { Tuning = 0 }).Magnitude(new AudioSignal(steady, Sr, "steady"), out double steadyTuning);
        var sv = new MelodicNotes().Describe(new PredominantPitch(new PitchOptions { Refine = true }).Track(steadyCqt, steadyTuning));
        Assert.Equal(0, Value(sv, "melody_vibrato_ratio"), 9);
        Assert.Equal(1, sv[0] * 2, 1); // one note in 2 s
    }

    [Fact]
    public void Texture_layers_count_one_for_a_harmonic_tone_and_three_for_a_spread_triad()
    {
        var one = Harmonic(1.5, _ => 220);
        var triad = Harmonic(1.5, _ => 196, amplitude: 0.1).Zip(Harmonic(1.5, _ => 246.94, amplitude: 0.1), (a, b) => a + b)
            .Zip(Harmonic(1.5, _ => 659.26, amplitude: 0.1), (a, b) => a + b).ToArray(); // G3, B3, E5: no note a harmonic of another
        var tracker = new PredominantPitch();
        int Layers(float[] y) => (int)Math.Round(tracker.Layers(new ConstantQ(new CqtOptions { Tuning = 0 }).Magnitude(new AudioSignal(y, Sr, "t"), out _))[15..^15].Average());
        Assert.Equal(1, Layers(one));
        Assert.Equal(3, Layers(triad));
        Assert.All(tracker.Layers(new ConstantQ(new CqtOptions { Tuning = 0 }).Magnitude(new AudioSignal(new float[Sr], Sr, "silence"), out _)), l => Assert.Equal(0, l));
    }
}
