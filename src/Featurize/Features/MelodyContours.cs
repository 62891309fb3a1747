namespace Mmcs.Featurize.Features;

/// <summary>Options of <see cref="MelodyContours"/>.</summary>
public sealed record MelodyOptions
{
    /// <summary>CQT resolution and the MIDI note of its first bin (C1 = 24), as <see cref="ConstantQ"/> makes it.</summary>
    public int BinsPerOctave { get; init; } = 36;
    public double FirstBinMidi { get; init; } = 24;

    /// <summary>Frames per second of the CQT (sample rate over hop length).</summary>
    public double FrameRate { get; init; } = 22050.0 / 512;

    /// <summary>Candidate pitches (MIDI notes; 43 ≈ 98 Hz … 84 ≈ 1047 Hz, as <see cref="PitchOptions"/>).</summary>
    public double MinMidi { get; init; } = 43;
    public double MaxMidi { get; init; } = 84;

    /// <summary>Harmonics summed (1 = the fundamental alone), weighted by <see cref="HarmonicDecay"/>^(h−1).</summary>
    public int Harmonics { get; init; } = 5;
    public double HarmonicDecay { get; init; } = 0.8;

    /// <summary>A frame is voiced when its pitch's partials reach this many times the mean magnitude of the octave
    /// around each (a weighted mean over the harmonics; 1 is a flat spectrum).</summary>
    public double VoicingRatio { get; init; } = 2.0;

    /// <summary>A contour goes on while the pitch moves at most this many semitones from frame to frame.</summary>
    public double MaxStepSemitones { get; init; } = 1;

    /// <summary>Shortest contour kept (frames; 5 ≈ 116 ms at the defaults).</summary>
    public int MinContourFrames { get; init; } = 5;

    /// <summary>The defaults, reading the CQT's resolution and first bin, and the frame rate, from the options that made it.</summary>
    public static MelodyOptions ForCqt(CqtOptions cqt)
    {
        ArgumentNullException.ThrowIfNull(cqt);
        var pitch = PitchOptions.ForCqt(cqt);
        return new MelodyOptions
        {
            BinsPerOctave = pitch.BinsPerOctave,
            FirstBinMidi = pitch.FirstBinMidi,
            FrameRate = (double)cqt.SampleRate / cqt.HopLength,
        };
    }

    public void Validate()
    {
        if (BinsPerOctave < 12 || BinsPerOctave % 12 != 0)
            throw new FeatureOptionsException($"melody: bins_per_octave must be a positive multiple of 12, got {BinsPerOctave}");
        if (!(MinMidi - 12 >= FirstBinMidi && MinMidi < MaxMidi))
            throw new FeatureOptionsException($"melody: need first bin <= min - 12 (the octave below is compared) and min < max, got {FirstBinMidi}, {MinMidi}, {MaxMidi}");
        if (!(FrameRate > 0 && double.IsFinite(FrameRate))) throw new FeatureOptionsException($"melody: frame rate must be positive, got {FrameRate}");
        if (Harmonics < 1) throw new FeatureOptionsException($"melody: harmonics must be >= 1, got {Harmonics}");
        if (!(HarmonicDecay > 0 && HarmonicDecay <= 1)) throw new FeatureOptionsException($"melody: harmonic decay must be in (0, 1], got {HarmonicDecay}");
        if (!(VoicingRatio >= 1 && double.IsFinite(VoicingRatio))) throw new FeatureOptionsException($"melody: voicing ratio must be >= 1, got {VoicingRatio}");
        if (!(MaxStepSemitones > 0 && double.IsFinite(MaxStepSemitones))) throw new FeatureOptionsException($"melody: max step must be positive, got {MaxStepSemitones}");
        if (MinContourFrames < 2) throw new FeatureOptionsException($"melody: min contour frames must be >= 2, got {MinContourFrames}");
    }
}

/// <summary>
/// The predominant melody's contours and what they say (after Panda et al. 2018's melodic and expressive features,
/// much simplified; no MELODIA here). <see cref="Track"/> finds a pitch per frame of a constant-Q magnitude: every bin is
/// divided by the mean magnitude of the octave around it in its frame (plus 1e-4 of the largest magnitude, so that
/// silence stays flat), so that partials count by how they stand out and a loud bass does not outweigh a quieter voice;
/// a candidate's salience is the weighted mean of that ratio at its harmonics; the pitch is the candidate whose salience
/// most exceeds that of the octave below it (the octave of a bass note sums the bass's even harmonics, the octave above
/// the melody the melody's: both lose to the note itself), voiced when that salience reaches
/// <see cref="MelodyOptions.VoicingRatio"/> and exceeds the octave below's. <see cref="Describe"/> cuts the track into
/// contours and gives the 13 values of <see cref="Names"/>.
/// </summary>
public sealed class MelodyContours
{
    /// <summary>The values of <see cref="Describe"/>, in order.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "melody_voiced_share", "melody_pitch_mean", "melody_pitch_std", "melody_pitch_range", "melody_contours_per_s",
        "melody_contour_mean_s", "melody_step_mean", "melody_glide_share", "melody_wobble", "melody_wobble_rate",
        "melody_interval_mean", "melody_leap_share", "melody_rising_share",
    ];

    private readonly int[] _offsets;
    private readonly double[] _weights;
    private readonly int _lo, _hi, _maxStepBins;

    public MelodyContours(MelodyOptions? options = null)
    {
        options ??= new MelodyOptions();
        options.Validate();
        Options = options;
        int bpo = options.BinsPerOctave;
        _offsets = [.. Enumerable.Range(1, options.Harmonics).Select(h => (int)Math.Round(bpo * Math.Log2(h)))];
        _weights = [.. Enumerable.Range(0, options.Harmonics).Select(h => Math.Pow(options.HarmonicDecay, h))];
        _lo = (int)Math.Ceiling(Math.Round((options.MinMidi - options.FirstBinMidi) * bpo / 12.0, 9));
        _hi = (int)Math.Floor(Math.Round((options.MaxMidi - options.FirstBinMidi) * bpo / 12.0, 9));
        _maxStepBins = (int)Math.Floor(Math.Round(options.MaxStepSemitones * bpo / 12.0, 9));
    }

    public MelodyOptions Options { get; }

    /// <summary>Pitch of every frame of a |CQT| [bins × frames] in CQT bins (-1: unvoiced; MIDI is
    /// <see cref="MelodyOptions.FirstBinMidi"/> + 12·bin/bpo).</summary>
    public int[] Track(FeatureMatrix cqt)
    {
        ArgumentNullException.ThrowIfNull(cqt);
        int bins = cqt.Rows, frames = cqt.Cols, bpo = Options.BinsPerOctave, half = bpo / 2;
        int lo = _lo, hi = Math.Min(_hi, bins - 1);
        var pitch = new int[frames];
        Array.Fill(pitch, -1);
        if (frames == 0 || lo > hi) return pitch;
        double largest = 0;
        foreach (float v in cqt.Data) largest = Math.Max(largest, v);
        if (!(largest > 0)) return pitch;
        double eps = 1e-4 * largest;
        var ratio = new double[bins];
        var salience = new double[hi - lo + bpo + 1]; // candidates lo - bpo … hi
        for (int t = 0; t < frames; t++)
        {
            // the running mean of the octave around each bin (bins k - half … k + half, clipped)
            double sum = 0;
            int a = 0, b = -1;
            for (int k = 0; k < bins; k++)
            {
                while (b < Math.Min(bins - 1, k + half)) sum += cqt[++b, t];
                while (a < k - half) sum -= cqt[a++, t];
                ratio[k] = cqt[k, t] / (Math.Max(sum, 0) / (b - a + 1) + eps);
            }
            for (int p = lo - bpo; p <= hi; p++)
            {
                double s = 0, w = 0;
                for (int h = 0; h < _offsets.Length && p + _offsets[h] < bins; h++)
                {
                    s += _weights[h] * ratio[p + _offsets[h]];
                    w += _weights[h];
                }
                salience[p - lo + bpo] = s / w;
            }
            double best = 0;
            int bestBin = -1;
            for (int p = lo; p <= hi; p++)
            {
                double margin = salience[p - lo + bpo] - salience[p - lo];
                if (margin > best) (best, bestBin) = (margin, p);
            }
            if (bestBin >= 0 && salience[bestBin - lo + bpo] >= Options.VoicingRatio) pitch[t] = bestBin;
        }
        return pitch;
    }

    /// <summary>
    /// The 13 values of <see cref="Names"/> from a track of <see cref="Track"/> (comparisons in whole bins, values in
    /// semitones and seconds): the voiced share; the mean voiced pitch (MIDI), its spread and 5–95 % range; contours
    /// (runs of voiced frames moving at most <see cref="MelodyOptions.MaxStepSemitones"/> per frame, of
    /// <see cref="MelodyOptions.MinContourFrames"/> or more) per second and their mean length; the mean step within
    /// contours (semitones per frame); the share of contour frames in a glide (4 or more frames of non-zero steps one
    /// way, a semitone or more in all); the wobble of the contours around their 9-frame moving mean (vibrato's extent,
    /// semitones) and its cycles per second (half the sign changes of that residual); the mean interval between
    /// consecutive contours' medians, the share of those of 3 semitones or more (leaps) and of rising ones. Without a
    /// voiced frame every value is 0; without a contour those from the contour rate on; with one contour the three
    /// interval values.
    /// </summary>
    public double[] Describe(int[] track)
    {
        ArgumentNullException.ThrowIfNull(track);
        double perSemitone = Options.BinsPerOctave / 12.0;
        int frames = track.Length;
        var values = new double[Names.Count];
        var voiced = track.Where(p => p >= 0).Order().ToArray();
        if (voiced.Length == 0) return values;
        double mean = voiced.Average() / perSemitone;
        values[0] = voiced.Length / (double)frames;
        values[1] = Options.FirstBinMidi + mean;
        values[2] = Math.Sqrt(voiced.Average(p => (p / perSemitone - mean) * (p / perSemitone - mean)));
        values[3] = (voiced[(int)(0.95 * (voiced.Length - 1))] - voiced[(int)(0.05 * (voiced.Length - 1))]) / perSemitone;
        var contours = new List<int[]>();
        for (int t = 0; t < frames;)
        {
            if (track[t] < 0) { t++; continue; }
            int start = t++;
            while (t < frames && track[t] >= 0 && Math.Abs(track[t] - track[t - 1]) <= _maxStepBins) t++;
            if (t - start >= Options.MinContourFrames) contours.Add(track[start..t]);
        }
        if (contours.Count == 0) return values;
        int contourFrames = 0, glideFrames = 0, signChanges = 0;
        double steps = 0, wobble = 0;
        int semitone = (int)Math.Round(perSemitone);
        foreach (var c in contours)
        {
            contourFrames += c.Length;
            for (int i = 1; i < c.Length; i++) steps += Math.Abs(c[i] - c[i - 1]) / perSemitone;
            // glides: runs of non-zero steps one way, of 4 frames or more and a semitone or more; a frame counts once
            var inGlide = new bool[c.Length];
            for (int i = 0; i < c.Length - 1;)
            {
                int sign = Math.Sign(c[i + 1] - c[i]), j = i + 1;
                if (sign == 0) { i++; continue; }
                while (j + 1 < c.Length && Math.Sign(c[j + 1] - c[j]) == sign) j++;
                if (j - i + 1 >= 4 && Math.Abs(c[j] - c[i]) >= semitone)
                {
                    for (int k = i; k <= j; k++) inGlide[k] = true;
                }
                i = j;
            }
            glideFrames += inGlide.Count(g => g);
            // wobble around the 9-frame moving mean, and the sign changes of that residual
            double previous = 0;
            for (int i = 0; i < c.Length; i++)
            {
                int a = Math.Max(0, i - 4), b = Math.Min(c.Length, i + 5);
                double local = 0;
                for (int k = a; k < b; k++) local += c[k];
                double residual = (c[i] - local / (b - a)) / perSemitone;
                wobble += residual * residual;
                if (residual * previous < 0) signChanges++;
                if (residual != 0) previous = residual;
            }
        }
        double rate = Options.FrameRate, contourSeconds = contourFrames / rate;
        values[4] = contours.Count / (frames / rate);
        values[5] = contourSeconds / contours.Count;
        values[6] = steps / (contourFrames - contours.Count);
        values[7] = glideFrames / (double)contourFrames;
        values[8] = Math.Sqrt(wobble / contourFrames);
        values[9] = signChanges / 2.0 / contourSeconds;
        var medians = contours.Select(c => c.Order().ElementAt(c.Length / 2)).ToArray();
        var intervals = medians.Zip(medians.Skip(1), (x, y) => y - x).ToArray();
        if (intervals.Length == 0) return values;
        values[10] = intervals.Average(v => Math.Abs(v)) / perSemitone;
        values[11] = intervals.Count(v => Math.Abs(v) >= 3 * semitone) / (double)intervals.Length;
        values[12] = intervals.Count(v => v > 0) / (double)intervals.Length;
        return values;
    }
}
