namespace Mmcs.Featurize.Features;

/// <summary>Options of <see cref="PredominantPitch"/>.</summary>
public sealed record PitchOptions
{
    /// <summary>CQT resolution and the MIDI note of its first bin (C1 = 24), as <see cref="ConstantQ"/> makes it.</summary>
    public int BinsPerOctave { get; init; } = 36;
    public double FirstBinMidi { get; init; } = 24;

    /// <summary>Candidate pitches (MIDI notes; 43 ≈ 98 Hz … 84 ≈ 1047 Hz: a melody's usual range).</summary>
    public double MinMidi { get; init; } = 43;
    public double MaxMidi { get; init; } = 84;

    /// <summary>Harmonics summed (1 = the fundamental alone), weighted by <see cref="HarmonicDecay"/>^(h−1).</summary>
    public int Harmonics { get; init; } = 5;
    public double HarmonicDecay { get; init; } = 0.8;

    /// <summary>A frame is voiced when its best salience reaches this fraction of the clip's 95th percentile.</summary>
    public double VoicingThreshold { get; init; } = 0.5;

    /// <summary>Refine each frame's pitch between CQT bins by a parabola through the best candidate's salience and its
    /// two neighbours' (off: whole bins, a third of a semitone at 36 bins per octave).</summary>
    public bool Refine { get; init; }

    /// <summary><see cref="PredominantPitch.Layers"/> counts salience peaks of at least this fraction of the frame's best,
    /// at least a semitone apart.</summary>
    public double LayerThreshold { get; init; } = 0.5;

    /// <summary>The defaults, reading the CQT's resolution and first bin from the options that made it.</summary>
    public static PitchOptions ForCqt(CqtOptions cqt)
    {
        ArgumentNullException.ThrowIfNull(cqt);
        return new PitchOptions
        {
            BinsPerOctave = cqt.BinsPerOctave,
            // rounded so that C1 is exactly MIDI 24 (the candidate range is cut at whole bins)
            FirstBinMidi = Math.Round(69 + 12 * Math.Log2((cqt.FMin ?? Frequencies.C1) / 440.0), 9),
        };
    }

    public void Validate()
    {
        if (BinsPerOctave < 12 || BinsPerOctave % 12 != 0)
            throw new FeatureOptionsException($"pitch: bins_per_octave must be a positive multiple of 12, got {BinsPerOctave}");
        if (!(MinMidi >= FirstBinMidi && MinMidi < MaxMidi)) throw new FeatureOptionsException($"pitch: need first bin <= min < max, got {FirstBinMidi}, {MinMidi}, {MaxMidi}");
        if (Harmonics < 1) throw new FeatureOptionsException($"pitch: harmonics must be >= 1, got {Harmonics}");
        if (!(HarmonicDecay > 0 && HarmonicDecay <= 1)) throw new FeatureOptionsException($"pitch: harmonic decay must be in (0, 1], got {HarmonicDecay}");
        if (!(VoicingThreshold >= 0 && VoicingThreshold <= 1)) throw new FeatureOptionsException($"pitch: voicing threshold must be in [0, 1], got {VoicingThreshold}");
        if (!(LayerThreshold > 0 && LayerThreshold <= 1)) throw new FeatureOptionsException($"pitch: layer threshold must be in (0, 1], got {LayerThreshold}");
    }
}

/// <summary>
/// A predominant-pitch contour by harmonic summation over a constant-Q magnitude (Klapuri's salience, simplified):
/// for every candidate bin b in the melody range, salience(b) = Σ_h decay^(h−1) · |CQT|(b + round(bpo · log2 h));
/// the frame's pitch is the best candidate (MIDI, from <see cref="PitchOptions.FirstBinMidi"/> + 12·b/bpo, shifted by
/// the CQT's tuning), and it is voiced when its salience reaches the threshold relative to the clip's strong frames.
/// Unvoiced frames are NaN. On polyphonic music it follows the strongest harmonic source, often the melody.
/// </summary>
public sealed class PredominantPitch
{
    private readonly int[] _offsets;
    private readonly double[] _weights;

    public PredominantPitch(PitchOptions? options = null)
    {
        options ??= new PitchOptions();
        options.Validate();
        Options = options;
        _offsets = Enumerable.Range(1, options.Harmonics).Select(h => (int)Math.Round(options.BinsPerOctave * Math.Log2(h))).ToArray();
        _weights = Enumerable.Range(0, options.Harmonics).Select(h => Math.Pow(options.HarmonicDecay, h)).ToArray();
    }

    public PitchOptions Options { get; }

    /// <summary>The MIDI pitch of every frame of a |CQT| [bins × frames] (NaN: unvoiced); <paramref name="tuning"/>
    /// in fractions of a CQT bin, as <see cref="ConstantQ.Magnitude(AudioSignal, out double, Spectral.Spectrogram?)"/> reports it.</summary>
    public double[] Track(FeatureMatrix cqt, double tuning = 0)
    {
        ArgumentNullException.ThrowIfNull(cqt);
        int frames = cqt.Cols, bpo = Options.BinsPerOctave;
        var (lo, hi) = CandidateRange(cqt.Rows);
        var pitch = new double[frames];
        var salience = new double[frames];
        var column = new double[Math.Max(0, hi - lo + 1)];
        for (int t = 0; t < frames; t++)
        {
            Salience(cqt, t, lo, column);
            double best = 0;
            int bestBin = -1;
            for (int b = 0; b < column.Length; b++)
            {
                if (column[b] > best)
                {
                    best = column[b];
                    bestBin = b;
                }
            }
            salience[t] = best;
            double offset = 0;
            if (Options.Refine && bestBin > 0 && bestBin < column.Length - 1)
            {
                // the vertex of the parabola through (−1, left), (0, best), (1, right): within half a bin of the best
                double left = column[bestBin - 1], right = column[bestBin + 1], curvature = left - 2 * best + right;
                if (curvature < 0) offset = Math.Clamp(0.5 * (left - right) / curvature, -0.5, 0.5);
            }
            pitch[t] = bestBin < 0 ? double.NaN : Options.FirstBinMidi + 12.0 * (lo + bestBin + offset + tuning) / bpo;
        }
        if (frames == 0) return pitch;
        var sorted = (double[])salience.Clone();
        Array.Sort(sorted);
        double reference = sorted[(int)Math.Round(0.95 * (frames - 1))];
        for (int t = 0; t < frames; t++)
        {
            if (!(reference > 0) || salience[t] < Options.VoicingThreshold * reference) pitch[t] = double.NaN;
        }
        return pitch;
    }

    /// <summary>
    /// A crude count of the pitched layers of every frame (musical texture): the local maxima of the salience over the
    /// candidate pitches that reach <see cref="PitchOptions.LayerThreshold"/> of the frame's best, taken greedily from the
    /// strongest, at least a semitone apart, and not at a harmonic or subharmonic (an octave, a twelfth… within a bin)
    /// of a stronger one. 0 for a silent frame; a harmonic tone counts 1, and so does a tone doubled at the octave.
    /// </summary>
    public int[] Layers(FeatureMatrix cqt)
    {
        ArgumentNullException.ThrowIfNull(cqt);
        var (lo, hi) = CandidateRange(cqt.Rows);
        int n = Math.Max(0, hi - lo + 1), semitone = Options.BinsPerOctave / 12;
        var column = new double[n];
        var peaks = new List<int>();
        var layers = new int[cqt.Cols];
        for (int t = 0; t < cqt.Cols; t++)
        {
            Salience(cqt, t, lo, column);
            double best = 0;
            foreach (double s in column) best = Math.Max(best, s);
            if (!(best > 0)) continue;
            peaks.Clear();
            for (int b = 0; b < n; b++)
            {
                double s = column[b];
                if (s >= Options.LayerThreshold * best && (b == 0 || s >= column[b - 1]) && (b == n - 1 || s > column[b + 1])) peaks.Add(b);
            }
            peaks.Sort((x, y) => column[y].CompareTo(column[x]));
            var kept = new List<int>(peaks.Count);
            foreach (int b in peaks)
            {
                // not within a semitone of a stronger layer, nor at one of its harmonics or subharmonics (±1 bin)
                if (kept.TrueForAll(k => Math.Abs(k - b) >= semitone && !Harmonically(k, b))) kept.Add(b);
            }
            layers[t] = kept.Count;
        }
        return layers;
    }

    private bool Harmonically(int a, int b)
    {
        int d = Math.Abs(a - b);
        for (int h = 1; h < _offsets.Length; h++)
        {
            if (Math.Abs(d - _offsets[h]) <= 1) return true;
        }
        return false;
    }

    private (int Lo, int Hi) CandidateRange(int bins)
    {
        int bpo = Options.BinsPerOctave;
        int lo = (int)Math.Ceiling((Options.MinMidi - Options.FirstBinMidi) * bpo / 12.0);
        int hi = Math.Min((int)Math.Floor((Options.MaxMidi - Options.FirstBinMidi) * bpo / 12.0), bins - 1);
        return (lo, hi);
    }

    /// <summary>The harmonic-sum salience of frame t for the candidates lo, lo+1, … (as many as <paramref name="column"/> holds).</summary>
    private void Salience(FeatureMatrix cqt, int t, int lo, double[] column)
    {
        int bins = cqt.Rows;
        for (int i = 0; i < column.Length; i++)
        {
            int b = lo + i;
            double s = 0;
            for (int h = 0; h < _offsets.Length && b + _offsets[h] < bins; h++) s += _weights[h] * cqt[b + _offsets[h], t];
            column[i] = s;
        }
    }
}
