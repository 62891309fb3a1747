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
        int bins = cqt.Rows, frames = cqt.Cols, bpo = Options.BinsPerOctave;
        int lo = (int)Math.Ceiling((Options.MinMidi - Options.FirstBinMidi) * bpo / 12.0);
        int hi = Math.Min((int)Math.Floor((Options.MaxMidi - Options.FirstBinMidi) * bpo / 12.0), bins - 1);
        var pitch = new double[frames];
        var salience = new double[frames];
        for (int t = 0; t < frames; t++)
        {
            double best = 0;
            int bestBin = -1;
            for (int b = lo; b <= hi; b++)
            {
                double s = 0;
                for (int h = 0; h < _offsets.Length && b + _offsets[h] < bins; h++) s += _weights[h] * cqt[b + _offsets[h], t];
                if (s > best)
                {
                    best = s;
                    bestBin = b;
                }
            }
            salience[t] = best;
            pitch[t] = bestBin < 0 ? double.NaN : Options.FirstBinMidi + 12.0 * (bestBin + tuning) / bpo;
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
}
