namespace Mmcs.Featurize.Features;

/// <summary>Options of <see cref="MelodicNotes"/>.</summary>
public sealed record NoteOptions
{
    /// <summary>Frames per second of the pitch contour (librosa's default hop: 22050 / 512).</summary>
    public double FrameRate { get; init; } = 22050.0 / 512;

    /// <summary>A voiced frame continues the current note while it is within this many semitones of the note's mean.</summary>
    public double Tolerance { get; init; } = 0.75;

    /// <summary>Shorter runs are not notes (their frames count as unstable).</summary>
    public double MinNoteSeconds { get; init; } = 0.07;

    /// <summary>Consecutive notes at most this far apart are legato.</summary>
    public double LegatoGapSeconds { get; init; } = 0.05;

    /// <summary>An interval larger than this many semitones is a leap.</summary>
    public double LeapSemitones { get; init; } = 2.5;

    /// <summary>Notes at least this long are examined for vibrato and tremolo.</summary>
    public double ModulationMinSeconds { get; init; } = 0.25;

    /// <summary>The band (Hz) where vibrato (of pitch) and tremolo (of loudness) live.</summary>
    public double ModulationMinHz { get; init; } = 4;
    public double ModulationMaxHz { get; init; } = 8;

    /// <summary>A note has vibrato when at least this share of its detrended contour's power is in the band and the
    /// oscillation's extent (peak to peak, 2√2 × its rms) reaches <see cref="VibratoMinExtent"/> semitones.</summary>
    public double ModulationMinShare { get; init; } = 0.5;
    public double VibratoMinExtent { get; init; } = 0.2;

    /// <summary>A note has tremolo when its loudness in dB swings by at least this much peak to peak in the band.</summary>
    public double TremoloMinExtentDb { get; init; } = 1.5;

    public void Validate()
    {
        static void Positive(double v, string name)
        {
            if (!(v > 0 && double.IsFinite(v))) throw new FeatureOptionsException($"notes: {name} must be positive, got {v}");
        }
        Positive(FrameRate, "frame_rate");
        Positive(Tolerance, "tolerance");
        Positive(MinNoteSeconds, "min_note_seconds");
        Positive(LeapSemitones, "leap_semitones");
        Positive(ModulationMinSeconds, "modulation_min_seconds");
        Positive(ModulationMinHz, "modulation_min_hz");
        Positive(VibratoMinExtent, "vibrato_min_extent");
        Positive(TremoloMinExtentDb, "tremolo_min_extent_db");
        if (!(LegatoGapSeconds >= 0)) throw new FeatureOptionsException($"notes: legato_gap_seconds must be >= 0, got {LegatoGapSeconds}");
        if (!(ModulationMaxHz > ModulationMinHz && ModulationMaxHz <= FrameRate / 2))
            throw new FeatureOptionsException($"notes: need modulation_min_hz < modulation_max_hz <= frame_rate / 2, got {ModulationMinHz}, {ModulationMaxHz}, {FrameRate}");
        if (!(ModulationMinShare > 0 && ModulationMinShare <= 1)) throw new FeatureOptionsException($"notes: modulation_min_share must be in (0, 1], got {ModulationMinShare}");
    }
}

/// <summary>A note of a pitch contour: its first frame, its length in frames and its pitch (the median, MIDI).</summary>
public readonly record struct Note(int Start, int Length, double Pitch)
{
    public int End => Start + Length;
}

/// <summary>
/// Melodic and expressive descriptors of a predominant-pitch contour (after Panda et al. 2018's melodic, expressivity
/// and texture features, much simplified): the contour is cut into notes (runs of voiced frames within
/// <see cref="NoteOptions.Tolerance"/> of their running mean, at least <see cref="NoteOptions.MinNoteSeconds"/> long),
/// and the notes give their rate, durations, range, intervals, articulation, and how many long notes carry vibrato
/// (pitch) or tremolo (loudness) oscillating at 4-8 Hz. Input: MIDI per frame, NaN unvoiced (as
/// <see cref="PredominantPitch.Track"/> gives it, best with <see cref="PitchOptions.Refine"/>), and optionally the
/// loudness per frame in dB on the same frames.
/// </summary>
public sealed class MelodicNotes
{
    /// <summary>The names of <see cref="Describe"/>'s values, in order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "melody_note_rate", "melody_note_duration_mean", "melody_note_duration_cv", "melody_note_range",
        "melody_interval_mean", "melody_leap_ratio", "melody_repeat_ratio", "melody_ascending_ratio",
        "melody_legato_ratio", "melody_unstable_ratio",
        "melody_vibrato_ratio", "melody_vibrato_extent", "melody_vibrato_rate", "melody_tremolo_ratio",
    ];

    private readonly int _minNote, _minModulated, _legatoGap;

    public MelodicNotes(NoteOptions? options = null)
    {
        options ??= new NoteOptions();
        options.Validate();
        Options = options;
        _minNote = Math.Max(1, (int)Math.Round(options.MinNoteSeconds * options.FrameRate));
        _minModulated = Math.Max(4, (int)Math.Round(options.ModulationMinSeconds * options.FrameRate));
        _legatoGap = (int)Math.Round(options.LegatoGapSeconds * options.FrameRate);
    }

    public NoteOptions Options { get; }

    /// <summary>The notes of a contour, in order.</summary>
    public IReadOnlyList<Note> Segment(ReadOnlySpan<double> pitch)
    {
        var notes = new List<Note>();
        int start = -1;
        double sum = 0;
        for (int t = 0; t <= pitch.Length; t++)
        {
            bool voiced = t < pitch.Length && double.IsFinite(pitch[t]);
            if (start >= 0 && voiced && Math.Abs(pitch[t] - sum / (t - start)) <= Options.Tolerance)
            {
                sum += pitch[t];
                continue;
            }
            if (start >= 0 && t - start >= _minNote) notes.Add(new Note(start, t - start, Median(pitch[start..t])));
            start = voiced ? t : -1;
            sum = voiced ? pitch[t] : 0;
        }
        return notes;
    }

    /// <summary>The values named by <see cref="Names"/>; all 0 when the contour has no note.</summary>
    public double[] Describe(ReadOnlySpan<double> pitch, ReadOnlySpan<double> loudnessDb = default)
    {
        if (!loudnessDb.IsEmpty && loudnessDb.Length != pitch.Length)
            throw new FeatureInputException($"notes: the loudness has {loudnessDb.Length} frames, the pitch {pitch.Length}");
        var notes = Segment(pitch);
        var values = new double[Names.Count];
        if (notes.Count == 0 || pitch.Length == 0) return values;
        double seconds = pitch.Length / Options.FrameRate;
        var durations = notes.Select(n => n.Length / Options.FrameRate).ToArray();
        double meanDuration = durations.Average();
        double sdDuration = Math.Sqrt(durations.Sum(d => (d - meanDuration) * (d - meanDuration)) / durations.Length);
        var pitches = notes.Select(n => n.Pitch).OrderBy(p => p).ToArray();
        int intervals = notes.Count - 1, leaps = 0, repeats = 0, ascending = 0, moving = 0, legato = 0;
        double intervalSum = 0;
        for (int i = 1; i < notes.Count; i++)
        {
            double d = notes[i].Pitch - notes[i - 1].Pitch;
            intervalSum += Math.Min(Math.Abs(d), 12);
            if (Math.Abs(d) > Options.LeapSemitones) leaps++;
            if (Math.Abs(d) < 0.5) repeats++;
            else
            {
                moving++;
                if (d > 0) ascending++;
            }
            if (notes[i].Start - notes[i - 1].End <= _legatoGap) legato++;
        }
        int voiced = 0;
        foreach (double p in pitch) if (double.IsFinite(p)) voiced++;
        int inNotes = notes.Sum(n => n.Length);

        int examined = 0, vibrato = 0, tremolo = 0;
        double extentSum = 0, rateSum = 0;
        foreach (var n in notes)
        {
            if (n.Length < _minModulated) continue;
            examined++;
            var (share, extent, rate) = Oscillation(pitch.Slice(n.Start, n.Length));
            if (share >= Options.ModulationMinShare && extent >= Options.VibratoMinExtent)
            {
                vibrato++;
                extentSum += extent;
                rateSum += rate;
            }
            if (!loudnessDb.IsEmpty)
            {
                var (tShare, tExtent, _) = Oscillation(loudnessDb.Slice(n.Start, n.Length));
                if (tShare >= Options.ModulationMinShare && tExtent >= Options.TremoloMinExtentDb) tremolo++;
            }
        }

        values[0] = notes.Count / seconds;
        values[1] = meanDuration;
        values[2] = sdDuration / meanDuration;
        values[3] = Quantile(pitches, 0.9) - Quantile(pitches, 0.1);
        values[4] = intervals > 0 ? intervalSum / intervals : 0;
        values[5] = intervals > 0 ? (double)leaps / intervals : 0;
        values[6] = intervals > 0 ? (double)repeats / intervals : 0;
        values[7] = moving > 0 ? (double)ascending / moving : 0.5;
        values[8] = intervals > 0 ? (double)legato / intervals : 0;
        values[9] = voiced > 0 ? (double)(voiced - inNotes) / voiced : 0;
        values[10] = examined > 0 ? (double)vibrato / examined : 0;
        values[11] = vibrato > 0 ? extentSum / vibrato : 0;
        values[12] = vibrato > 0 ? rateSum / vibrato : 0;
        values[13] = examined > 0 ? (double)tremolo / examined : 0;
        return values;
    }

    /// <summary>
    /// The oscillation of a note's contour: after removing its least-squares line and a Hann taper, the share of its
    /// power (a DFT at quarter-hertz steps) in the modulation band, the extent peak to peak (2√2 × the detrended rms)
    /// and the frequency of the strongest component in the band.
    /// </summary>
    internal (double Share, double Extent, double Rate) Oscillation(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        double mt = (n - 1) / 2.0, mx = 0;
        for (int t = 0; t < n; t++) mx += x[t];
        mx /= n;
        double sxy = 0, sxx = 0;
        for (int t = 0; t < n; t++)
        {
            sxy += (t - mt) * (x[t] - mx);
            sxx += (t - mt) * (t - mt);
        }
        double slope = sxx > 0 ? sxy / sxx : 0;
        var r = new double[n];
        double ss = 0;
        for (int t = 0; t < n; t++)
        {
            r[t] = x[t] - mx - slope * (t - mt);
            ss += r[t] * r[t];
        }
        double extent = 2 * Math.Sqrt(2) * Math.Sqrt(ss / n);
        if (!(ss > 1e-12)) return (0, 0, 0);
        for (int t = 0; t < n; t++) r[t] *= 0.5 - 0.5 * Math.Cos(2 * Math.PI * (t + 0.5) / n);
        double total = 0, inBand = 0, bestPower = 0, bestRate = 0;
        for (double f = 0.25; f < Options.FrameRate / 2; f += 0.25)
        {
            double re = 0, im = 0, w = 2 * Math.PI * f / Options.FrameRate;
            for (int t = 0; t < n; t++)
            {
                re += r[t] * Math.Cos(w * t);
                im -= r[t] * Math.Sin(w * t);
            }
            double power = re * re + im * im;
            total += power;
            if (f >= Options.ModulationMinHz && f <= Options.ModulationMaxHz)
            {
                inBand += power;
                if (power > bestPower) (bestPower, bestRate) = (power, f);
            }
        }
        return (total > 0 ? inBand / total : 0, extent, bestRate);
    }

    private static double Median(ReadOnlySpan<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }

    /// <summary>Linear-interpolated quantile of sorted values (numpy's default).</summary>
    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int i = (int)Math.Floor(pos);
        return i + 1 < sorted.Length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }
}
