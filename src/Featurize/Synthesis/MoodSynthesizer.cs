namespace Mmcs.Featurize.Synthesis;

/// <summary>The musical parameters drawn for one synthetic clip (recorded in the corpus manifest).</summary>
public sealed record SynthClipParameters(
    string Mood,
    double TempoBpm,
    bool Major,
    int KeyRoot,
    double GainDb,
    double SwellDepth,
    double Brightness,
    int Harmonics,
    double Drive,
    double NoiseLevel,
    double NotesPerBeat,
    double DrumLevel,
    double AttackSeconds);

/// <summary>
/// Renders short pieces of music whose properties differ between moods the way real music tends to
/// (Russell's quadrants): happy = fast, major, bright, busy; angry = fast, minor/dissonant, loud, compressed,
/// distorted and noisy; sad = slow, minor, quiet, dark, sparse, swelling; relaxed = slow to moderate, major,
/// soft and smooth. Every attribute is drawn from a per-mood range, and with some probability from another
/// mood's range instead, so the classes overlap: learnable, not trivial.
/// </summary>
public static class MoodSynthesizer
{
    /// <summary>The moods, in the project's canonical label order.</summary>
    public static IReadOnlyList<string> Moods { get; } = ["happy", "angry", "sad", "relaxed"];

    private sealed record Range(double Min, double Max)
    {
        public double Draw(SynthRandom r) => r.Uniform(Min, Max);
    }

    private sealed record Profile(
        Range Tempo, double MajorProbability, Range GainDb, Range Swell, Range Brightness, Range Harmonics,
        Range Drive, Range Noise, Range NotesPerBeat, Range Drums, Range Attack);

    private static readonly Dictionary<string, Profile> Profiles = new()
    {
        ["happy"] = new(new(108, 150), 0.85, new(-7, -2), new(0.0, 0.15), new(0.55, 0.85), new(6, 12),
            new(0.0, 0.4), new(0.0, 0.01), new(1.5, 3.0), new(0.5, 0.9), new(0.005, 0.03)),
        ["angry"] = new(new(120, 175), 0.2, new(-4, 0), new(0.0, 0.1), new(0.7, 0.95), new(10, 20),
            new(1.5, 5.0), new(0.02, 0.07), new(2.0, 4.0), new(0.7, 1.0), new(0.002, 0.015)),
        ["sad"] = new(new(52, 84), 0.15, new(-20, -11), new(0.25, 0.6), new(0.1, 0.35), new(2, 5),
            new(0.0, 0.1), new(0.0, 0.004), new(0.4, 1.1), new(0.0, 0.2), new(0.15, 0.5)),
        ["relaxed"] = new(new(60, 96), 0.8, new(-16, -8), new(0.15, 0.4), new(0.2, 0.5), new(2, 6),
            new(0.0, 0.15), new(0.0, 0.008), new(0.6, 1.6), new(0.05, 0.35), new(0.08, 0.3)),
    };

    /// <summary>Probability that one attribute is drawn from another mood's range.</summary>
    public const double CrossoverProbability = 0.2;

    /// <summary>Draws the parameters of clip <paramref name="index"/> of a mood.</summary>
    public static SynthClipParameters Draw(string mood, int seed, int index)
    {
        if (!Profiles.TryGetValue(mood, out var own))
            throw new ArgumentException($"unknown mood '{mood}' (expected one of {string.Join(", ", Moods)})", nameof(mood));
        var r = SynthRandom.For(seed, "params:" + mood, index);
        Profile Pick() => r.Chance(CrossoverProbability) ? Profiles[Moods[r.Next(0, Moods.Count)]] : own;
        return new SynthClipParameters(
            Mood: mood,
            TempoBpm: Pick().Tempo.Draw(r),
            Major: r.Chance(Pick().MajorProbability),
            KeyRoot: r.Next(0, 12),
            GainDb: Pick().GainDb.Draw(r),
            SwellDepth: Pick().Swell.Draw(r),
            Brightness: Pick().Brightness.Draw(r),
            Harmonics: (int)Math.Round(Pick().Harmonics.Draw(r)),
            Drive: Pick().Drive.Draw(r),
            NoiseLevel: Pick().Noise.Draw(r),
            NotesPerBeat: Pick().NotesPerBeat.Draw(r),
            DrumLevel: Pick().Drums.Draw(r),
            AttackSeconds: Pick().Attack.Draw(r));
    }

    /// <summary>Renders a clip with the given parameters; deterministic for a (seed, index).</summary>
    public static float[] Render(SynthClipParameters p, double seconds, int sampleRate, int seed, int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(seconds, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 8000);
        var r = SynthRandom.For(seed, "render:" + p.Mood, index);
        int n = (int)Math.Round(seconds * sampleRate);
        var mix = new double[n];
        double beat = 60.0 / p.TempoBpm;
        int[] scale = p.Major ? [0, 2, 4, 5, 7, 9, 11] : [0, 2, 3, 5, 7, 8, 10];
        // Chord progressions as scale degrees; angry clips lean on the flat second (Phrygian) and a tritone.
        int[][] progressions = p.Major
            ? [[0, 4, 5, 3], [0, 3, 4, 0], [0, 5, 3, 4]]
            : p.Mood == "angry" ? [[0, 1, 0, 4], [0, 0, 1, 4]] : [[0, 3, 4, 0], [0, 5, 2, 6]];
        int[] progression = progressions[r.Next(0, progressions.Length)];
        int baseMidi = 48 + p.KeyRoot;
        var timbre = Wavetable.Build(p.Harmonics, 0.6 + 1.6 * (1 - p.Brightness), r);
        var soft = Wavetable.Build(Math.Max(1, p.Harmonics / 3), 2.0, r);

        double barSeconds = 4 * beat;
        int bars = (int)Math.Ceiling(seconds / barSeconds) + 1;
        for (int bar = 0; bar < bars; bar++)
        {
            int degree = progression[bar % progression.Length];
            double start = bar * barSeconds;
            // Chord: root, third, fifth of the degree (and a tritone colour for dissonant clips).
            var chord = new List<int> { Degree(scale, degree), Degree(scale, degree + 2), Degree(scale, degree + 4) };
            if (!p.Major && p.Drive > 1.0) chord.Add(Degree(scale, degree) + 6);
            bool stabs = p.TempoBpm > 100;
            for (int beatIndex = 0; beatIndex < 4; beatIndex++)
            {
                if (!stabs && beatIndex > 0) break;
                double t0 = start + beatIndex * beat;
                double length = stabs ? beat * 0.8 : barSeconds;
                foreach (int semis in chord)
                {
                    AddNote(mix, sampleRate, timbre, Midi(baseMidi + 12 + semis), t0, length, 0.16,
                        p.AttackSeconds, stabs ? 0.15 : 0.6);
                }
            }
            // Bass on every beat (busy moods) or every half bar.
            int bassStep = p.NotesPerBeat >= 1.5 ? 1 : 2;
            for (int b = 0; b < 4; b += bassStep)
            {
                AddNote(mix, sampleRate, soft, Midi(baseMidi - 12 + Degree(scale, degree)), start + b * beat,
                    beat * bassStep * 0.9, 0.22, 0.01, 0.3);
            }
            // Melody: notes of the scale, density notes per beat, mostly stepwise.
            int steps = Math.Max(1, (int)Math.Round(4 * p.NotesPerBeat));
            int position = degree + 7;
            for (int s = 0; s < steps; s++)
            {
                if (r.Chance(0.15)) continue; // rests
                position += r.Next(-2, 3);
                position = Math.Clamp(position, 3, 16);
                double t0 = start + s * barSeconds / steps;
                AddNote(mix, sampleRate, timbre, Midi(baseMidi + 12 + Degree(scale, position)), t0,
                    barSeconds / steps * 0.9, 0.18, Math.Min(p.AttackSeconds, 0.05), 0.25);
            }
            // Drums.
            if (p.DrumLevel > 0.02)
            {
                for (int b = 0; b < 4; b++)
                {
                    double t0 = start + b * beat;
                    if (b % 2 == 0) AddKick(mix, sampleRate, t0, 0.5 * p.DrumLevel);
                    else AddSnare(mix, sampleRate, t0, 0.3 * p.DrumLevel, r);
                    AddHat(mix, sampleRate, t0 + beat / 2, 0.12 * p.DrumLevel, r);
                }
            }
        }

        // Dark moods are low-passed: a one-pole filter whose cutoff follows brightness.
        double cutoff = 800 + 9000 * p.Brightness * p.Brightness;
        double alpha = 1 - Math.Exp(-2 * Math.PI * cutoff / sampleRate);
        double state = 0;
        for (int i = 0; i < n; i++)
        {
            state += alpha * (mix[i] - state);
            mix[i] = state;
        }
        // Dynamics: a slow swell; loud moods stay compressed.
        double swellPeriod = r.Uniform(3.0, 7.0);
        for (int i = 0; i < n; i++)
        {
            double t = (double)i / sampleRate;
            mix[i] *= 1 - p.SwellDepth * (0.5 + 0.5 * Math.Sin(2 * Math.PI * t / swellPeriod));
        }
        double peak = 1e-9;
        for (int i = 0; i < n; i++) peak = Math.Max(peak, Math.Abs(mix[i]));
        for (int i = 0; i < n; i++) mix[i] /= peak;
        if (p.Drive > 0.05)
        {
            double norm = Math.Tanh(p.Drive);
            for (int i = 0; i < n; i++) mix[i] = Math.Tanh(p.Drive * mix[i]) / norm;
        }
        for (int i = 0; i < n; i++) mix[i] += p.NoiseLevel * r.Gaussian();
        peak = 1e-9;
        for (int i = 0; i < n; i++) peak = Math.Max(peak, Math.Abs(mix[i]));
        double gain = Math.Pow(10, p.GainDb / 20) / peak;
        var output = new float[n];
        for (int i = 0; i < n; i++) output[i] = (float)(mix[i] * gain);
        return output;
    }

    private static int Degree(int[] scale, int degree)
    {
        int octave = (int)Math.Floor(degree / 7.0);
        int index = degree - 7 * octave;
        return scale[index] + 12 * octave;
    }

    private static double Midi(int note) => 440.0 * Math.Pow(2, (note - 69) / 12.0);

    private static void AddNote(double[] mix, int sr, Wavetable table, double frequency, double start, double length,
        double amplitude, double attack, double releaseFraction)
    {
        int i0 = (int)(start * sr);
        int count = (int)(length * sr);
        if (i0 >= mix.Length) return;
        int end = Math.Min(mix.Length, i0 + count);
        double release = Math.Max(1e-3, releaseFraction * length);
        table.Play(mix, i0, end, frequency / sr, amplitude, (int)Math.Max(1, attack * sr), (int)(release * sr), count);
    }

    private static void AddKick(double[] mix, int sr, double start, double amplitude)
    {
        int i0 = (int)(start * sr);
        int count = (int)(0.25 * sr);
        double phase = 0;
        for (int k = 0; k < count && i0 + k < mix.Length; k++)
        {
            double t = (double)k / sr;
            double f = 40 + 80 * Math.Exp(-t * 30);
            phase += 2 * Math.PI * f / sr;
            mix[i0 + k] += amplitude * Math.Exp(-t * 12) * Math.Sin(phase);
        }
    }

    private static void AddSnare(double[] mix, int sr, double start, double amplitude, SynthRandom r)
    {
        int i0 = (int)(start * sr);
        int count = (int)(0.18 * sr);
        for (int k = 0; k < count && i0 + k < mix.Length; k++)
        {
            double t = (double)k / sr;
            double env = Math.Exp(-t * 25);
            mix[i0 + k] += amplitude * env * (0.7 * (r.NextDouble() * 2 - 1) + 0.3 * Math.Sin(2 * Math.PI * 190 * t));
        }
    }

    private static void AddHat(double[] mix, int sr, double start, double amplitude, SynthRandom r)
    {
        int i0 = (int)(start * sr);
        int count = (int)(0.05 * sr);
        double previous = 0;
        for (int k = 0; k < count && i0 + k < mix.Length; k++)
        {
            double t = (double)k / sr;
            double white = r.NextDouble() * 2 - 1;
            double high = white - previous; // first difference: a crude high-pass
            previous = white;
            mix[i0 + k] += amplitude * Math.Exp(-t * 80) * high;
        }
    }

    /// <summary>A single-cycle band-limited waveform played by phase accumulation.</summary>
    private sealed class Wavetable
    {
        private const int Size = 2048;
        private readonly double[] _table = new double[Size + 1];

        public static Wavetable Build(int harmonics, double rolloff, SynthRandom r)
        {
            var w = new Wavetable();
            harmonics = Math.Clamp(harmonics, 1, 40);
            var phases = new double[harmonics];
            for (int h = 0; h < harmonics; h++) phases[h] = r.Uniform(0, 2 * Math.PI);
            double peak = 1e-9;
            for (int i = 0; i <= Size; i++)
            {
                double x = 2 * Math.PI * i / Size;
                double v = 0;
                for (int h = 1; h <= harmonics; h++) v += Math.Sin(h * x + phases[h - 1]) / Math.Pow(h, rolloff);
                w._table[i] = v;
                peak = Math.Max(peak, Math.Abs(v));
            }
            for (int i = 0; i <= Size; i++) w._table[i] /= peak;
            return w;
        }

        public void Play(double[] mix, int i0, int end, double cyclesPerSample, double amplitude, int attack, int release,
            int length)
        {
            double phase = 0;
            for (int i = i0; i < end; i++)
            {
                int k = i - i0;
                double env = k < attack ? (double)k / attack : 1.0;
                int untilEnd = length - k;
                if (untilEnd < release) env *= Math.Max(0, (double)untilEnd / release);
                double pos = phase * Size;
                int j = (int)pos;
                double frac = pos - j;
                mix[i] += amplitude * env * (_table[j] + frac * (_table[j + 1] - _table[j]));
                phase += cyclesPerSample;
                if (phase >= 1) phase -= Math.Floor(phase);
            }
        }
    }
}
