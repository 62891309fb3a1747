using Mmcs.Featurize.Features;

namespace Mmcs.Featurize.FeatureSets;

/// <summary>
/// Per-coefficient statistics of every feature (a few hundred values; 416 with the default options). Names are
/// stable, unique and machine-friendly; per-row indices are 1-based and two-digit (chroma rows 01 = C … 12 = B).
/// In order:
/// <list type="number">
/// <item>tempo, key_tonic (0 = C … 11 = B), key_mode (0 minor, 1 major), key_strength (Krumhansl–Schmuckler correlation);</item>
/// <item>for rms, zcr, spectral_centroid, spectral_bandwidth, spectral_rolloff and onset_strength:
/// _mean, _var, _skew, _kurt (excess), _p10, _p50, _p90;</item>
/// <item>rms_dynamic_range_db (20·log10 of the 95th over the 5th percentile of RMS, floor 1e-5) and
/// rms_low_energy_ratio (fraction of frames below the mean RMS);</item>
/// <item>tempo_strength (beat_track tempogram, averaged over frames, at the chosen tempo's lag) and pulse_clarity
/// (its largest value over lags of 320 bpm and slower); both 0 when no onset was found;</item>
/// <item>mfcc_mean_NN, mfcc_var_NN, then the same for the first and second deltas (mfcc_d1_…, mfcc_d2_…, librosa.feature.delta, width 9);</item>
/// <item>chroma_stft_mean_NN / _var_NN and chroma_cqt_mean_NN / _var_NN (12 each);</item>
/// <item>tonnetz_mean_NN / _var_NN (6), spectral_contrast_mean_NN / _var_NN (7);</item>
/// <item>mel_db_mean_NN / mel_db_var_NN over 16 groups of adjacent mel bands (each group's per-frame mean in dB);</item>
/// <item>timbre and harmony texture: spectral_flatness, dissonance (<see cref="SensoryDissonance"/>) and
/// harmonic_change (<see cref="HarmonicChange"/>) with the seven statistics above; key_mode_margin
/// (<see cref="KeyEstimator.ModeMargin"/>), chroma_entropy (entropy of the mean chroma_cqt profile over log 12:
/// 0 one pitch class, 1 all equal), rms_slope_db (least-squares slope of the RMS in dB, per second);</item>
/// <item>modulation_RR_BB: the fluctuation strength (<see cref="ModulationSpectrum"/>) of the mel-group envelopes in
/// dB, averaged over four regions of four groups (RR 01 lowest … 04 highest), in the bands 0.5–1, 1–2, 2–4, 4–8 and
/// 8–16 Hz (BB 01 … 05), as log10(1 + power);</item>
/// <item>triads (<see cref="TriadChords"/> on chroma_cqt): chord_major_ratio, chord_changes_per_second, chord_fit_mean;</item>
/// <item>the predominant pitch (<see cref="PredominantPitch"/> on the CQT): pitch_voiced_ratio, and over voiced frames
/// pitch_mean and pitch_std (MIDI), pitch_range (90th minus 10th percentile, semitones), pitch_step_mean (mean
/// absolute change between consecutive voiced frames, each capped at 12) and pitch_stable_ratio (fraction of those
/// changes under half a semitone); all 0 when no frame is voiced;</item>
/// <item>how timbre moves together over the frames (the full covariance of a single-Gaussian "bag of frames", as
/// scaled correlations; <see cref="RowStatistics.Correlations"/>): mfcc_corr_II_JJ between every two of MFCC 02 … 13
/// (66 with 20 MFCCs; the energy-like MFCC 01 left out) and spectral_contrast_corr_II_JJ between every two of the 7
/// contrast bands (21).</item>
/// </list>
/// Instances hold the extractors the set needs beyond <see cref="ClipAnalysis"/> (built once) and are thread-safe.
/// </summary>
public sealed class FullFeatureSet
{
    private static readonly string[] Series = ["rms", "zcr", "spectral_centroid", "spectral_bandwidth", "spectral_rolloff", "onset_strength"];
    private static readonly string[] SeriesStats = ["mean", "var", "skew", "kurt", "p10", "p50", "p90"];

    /// <summary>Mel band groups summarised.</summary>
    public const int MelGroups = 16;

    /// <summary>Regions of adjacent mel groups whose modulation spectra are averaged.</summary>
    public const int ModulationRegions = 4;

    /// <summary>Edges of the modulation bands (Hz); bands above the envelopes' Nyquist rate (a hop over 689 samples at
    /// 22050 Hz) are 0.</summary>
    public static readonly IReadOnlyList<double> ModulationEdges = [0.5, 1, 2, 4, 8, 16];

    private static readonly string[] TextureSeries = ["spectral_flatness", "dissonance", "harmonic_change"];
    private readonly TempoEstimator _tempo;
    private readonly SpectralFlatness _flatness;
    private readonly SensoryDissonance _dissonance;
    private readonly ModulationSpectrum? _modulation;
    private readonly PredominantPitch _pitch;
    private readonly double _frameRate;

    public FullFeatureSet(FeaturizerOptions? options = null)
    {
        options ??= new FeaturizerOptions();
        int sr = options.SampleRate, nFft = options.NFft, hop = options.HopLength;
        _tempo = new TempoEstimator(new TempoOptions { SampleRate = sr, HopLength = hop });
        _flatness = new SpectralFlatness(new FlatnessOptions { SampleRate = sr, NFft = nFft, HopLength = hop });
        _dissonance = new SensoryDissonance(new DissonanceOptions { SampleRate = sr, NFft = nFft, HopLength = hop, FMax = Math.Min(5000, sr / 2.0) });
        var edges = ModulationEdges.Where(e => e <= sr / 2.0 / hop).ToArray();
        _modulation = edges.Length >= 2 ? new ModulationSpectrum(new ModulationOptions { SampleRate = sr, HopLength = hop, BandEdges = edges }) : null;
        _pitch = new PredominantPitch(PitchOptions.ForCqt(ClipAnalyzer.CqtOptionsFor(options)));
        _frameRate = (double)sr / hop;
    }

    public static IReadOnlyList<string> Names(int nMfcc = 20)
    {
        var n = new List<string> { "tempo", "key_tonic", "key_mode", "key_strength" };
        foreach (var s in Series)
        {
            foreach (var st in SeriesStats) n.Add($"{s}_{st}");
        }
        n.AddRange(["rms_dynamic_range_db", "rms_low_energy_ratio", "tempo_strength", "pulse_clarity"]);
        foreach (var prefix in new[] { "mfcc", "mfcc_d1", "mfcc_d2" })
        {
            for (int i = 1; i <= nMfcc; i++) n.Add($"{prefix}_mean_{i:D2}");
            for (int i = 1; i <= nMfcc; i++) n.Add($"{prefix}_var_{i:D2}");
        }
        AddRows(n, "chroma_stft", 12);
        AddRows(n, "chroma_cqt", 12);
        AddRows(n, "tonnetz", 6);
        AddRows(n, "spectral_contrast", 7);
        AddRows(n, "mel_db", MelGroups);
        foreach (var s in TextureSeries)
        {
            foreach (var st in SeriesStats) n.Add($"{s}_{st}");
        }
        n.AddRange(["key_mode_margin", "chroma_entropy", "rms_slope_db"]);
        for (int r = 1; r <= ModulationRegions; r++)
        {
            for (int b = 1; b < ModulationEdges.Count; b++) n.Add($"modulation_{r:D2}_{b:D2}");
        }
        n.AddRange(["chord_major_ratio", "chord_changes_per_second", "chord_fit_mean"]);
        n.AddRange(["pitch_voiced_ratio", "pitch_mean", "pitch_std", "pitch_range", "pitch_step_mean", "pitch_stable_ratio"]);
        AddPairs(n, "mfcc_corr", 2, CorrelatedMfccs(nMfcc));
        AddPairs(n, "spectral_contrast_corr", 1, 7);
        return n;
    }

    /// <summary>How many MFCCs from the second are correlated: 02 … 13, or as many as there are.</summary>
    private static int CorrelatedMfccs(int nMfcc) => Math.Clamp(nMfcc - 1, 0, 12);

    /// <summary>prefix_II_JJ for every two of <paramref name="count"/> rows numbered from <paramref name="first"/>
    /// (1-based), in <see cref="RowStatistics.Correlations"/>' order.</summary>
    private static void AddPairs(List<string> n, string prefix, int first, int count)
    {
        for (int i = 0; i < count; i++)
        {
            for (int j = i + 1; j < count; j++) n.Add($"{prefix}_{first + i:D2}_{first + j:D2}");
        }
    }

    private static void AddRows(List<string> n, string prefix, int rows)
    {
        for (int i = 1; i <= rows; i++) n.Add($"{prefix}_mean_{i:D2}");
        for (int i = 1; i <= rows; i++) n.Add($"{prefix}_var_{i:D2}");
    }

    public double[] Compute(ClipAnalysis a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var tempo = _tempo;
        var v = new List<double>(300) { a.Tempo, a.Key.Tonic, a.Key.Mode == KeyMode.Major ? 1 : 0, a.Key.Correlation };
        foreach (var s in new[] { a.Rms.Data, a.Zcr.Data, a.SpectralCentroid.Data, a.SpectralBandwidth.Data, a.SpectralRolloff.Data, a.OnsetStrength })
            AddSeriesStats(v, s);

        var rp = Statistics.Percentiles(a.Rms.Data, 5, 95); // a second sort of 1099 values; cheap
        v.Add(20 * Math.Log10(Math.Max(rp[1], 1e-5) / Math.Max(rp[0], 1e-5)));
        double rmsMean = Statistics.Mean(a.Rms.Data);
        int low = 0;
        foreach (float r in a.Rms.Data) if (r < rmsMean) low++;
        v.Add(a.Rms.Cols > 0 ? (double)low / a.Rms.Cols : 0);

        double strength = 0, clarity = 0;
        if (a.Tempo > 0 && a.MeanTempogram.Length > 0)
        {
            for (int k = 1; k < a.MeanTempogram.Length; k++)
            {
                if (Math.Abs(tempo.Bpms[k] - a.Tempo) < 1e-9) strength = a.MeanTempogram[k];
                if (tempo.Bpms[k] < 320.0) clarity = Math.Max(clarity, a.MeanTempogram[k]);
            }
        }
        v.Add(strength);
        v.Add(clarity);

        AddRowStats(v, a.Mfcc);
        AddRowStats(v, Delta.Compute(a.Mfcc, 1));
        AddRowStats(v, Delta.Compute(a.Mfcc, 2));
        AddRowStats(v, a.ChromaStft);
        AddRowStats(v, a.ChromaCqt);
        AddRowStats(v, a.Tonnetz);
        AddRowStats(v, a.SpectralContrast);
        var melGroups = MelGroupMeans(a.MelDb);
        AddRowStats(v, melGroups);

        AddSeriesStats(v, _flatness.Compute(a.Stft).Data);
        AddSeriesStats(v, _dissonance.Compute(a.Stft).Data);
        AddSeriesStats(v, HarmonicChange.FromTonnetz(a.Tonnetz).Data);
        v.Add(KeyEstimator.ModeMargin(a.ChromaCqt));
        v.Add(ChromaEntropy(a.ChromaCqt));
        v.Add(RmsSlopeDb(a.Rms.Data, _frameRate));
        int bands = ModulationEdges.Count - 1;
        var modulation = _modulation != null && a.Frames >= 4 ? _modulation.Compute(melGroups) : new FeatureMatrix(MelGroups, 0);
        int perRegion = MelGroups / ModulationRegions;
        for (int r = 0; r < ModulationRegions; r++)
        {
            for (int b = 0; b < bands; b++)
            {
                double sum = 0;
                if (b < modulation.Cols)
                {
                    for (int g = r * perRegion; g < (r + 1) * perRegion; g++) sum += modulation[g, b];
                }
                v.Add(Math.Log10(1 + sum / perRegion));
            }
        }

        var triads = TriadChords.FromChroma(a.ChromaCqt);
        v.Add(triads.MajorRatio);
        v.Add(triads.ChangesPerSecond(_frameRate));
        v.Add(Statistics.Mean(triads.Fit));
        v.AddRange(PitchStatistics(_pitch.Track(a.Cqt, a.CqtTuning)));
        v.AddRange(RowStatistics.Correlations(a.Mfcc, 1, CorrelatedMfccs(a.Mfcc.Rows)));
        v.AddRange(RowStatistics.Correlations(a.SpectralContrast, 0, a.SpectralContrast.Rows));
        return [.. v];
    }

    /// <summary>voiced ratio, mean, std, p90−p10, mean capped step, stable-step ratio of a pitch track (NaN: unvoiced).</summary>
    internal static double[] PitchStatistics(double[] pitch)
    {
        var voiced = pitch.Where(double.IsFinite).Select(p => (float)p).ToArray();
        if (voiced.Length == 0) return new double[6];
        var pct = Statistics.Percentiles(voiced, 10, 90);
        double stepSum = 0;
        int steps = 0, stable = 0;
        for (int t = 1; t < pitch.Length; t++)
        {
            if (!double.IsFinite(pitch[t]) || !double.IsFinite(pitch[t - 1])) continue;
            double d = Math.Abs(pitch[t] - pitch[t - 1]);
            stepSum += Math.Min(d, 12);
            steps++;
            if (d < 0.5) stable++;
        }
        return
        [
            (double)voiced.Length / pitch.Length,
            Statistics.Mean(voiced),
            Math.Sqrt(Statistics.Variance(voiced)),
            pct[1] - pct[0],
            steps > 0 ? stepSum / steps : 0,
            steps > 0 ? (double)stable / steps : 0,
        ];
    }

    private static void AddSeriesStats(List<double> v, float[] s)
    {
        var p = Statistics.Percentiles(s, 10, 50, 90);
        v.Add(Statistics.Mean(s));
        v.Add(Statistics.Variance(s));
        v.Add(Statistics.Skewness(s));
        v.Add(Statistics.Kurtosis(s));
        v.AddRange(p);
    }

    /// <summary>Entropy of the L1-normalised mean chroma profile divided by log 12 (0 when the chroma is empty).</summary>
    internal static double ChromaEntropy(FeatureMatrix chroma)
    {
        var profile = KeyEstimator.PitchClassProfile(chroma);
        double total = 0;
        foreach (double p in profile) total += p;
        if (!(total > 0)) return 0;
        double h = 0;
        foreach (double p in profile)
        {
            double q = p / total;
            if (q > 0) h -= q * Math.Log(q);
        }
        return h / Math.Log(profile.Length);
    }

    /// <summary>Least-squares slope (dB per second) of 20·log10(max(rms, 1e-5)) over the frames.</summary>
    internal static double RmsSlopeDb(ReadOnlySpan<float> rms, double frameRate)
    {
        int n = rms.Length;
        if (n < 2) return 0;
        double mt = (n - 1) / 2.0, my = 0;
        var db = new double[n];
        for (int t = 0; t < n; t++)
        {
            db[t] = 20 * Math.Log10(Math.Max(rms[t], 1e-5));
            my += db[t];
        }
        my /= n;
        double sxy = 0, sxx = 0;
        for (int t = 0; t < n; t++)
        {
            sxy += (t - mt) * (db[t] - my);
            sxx += (t - mt) * (t - mt);
        }
        return sxy / sxx * frameRate;
    }

    private static void AddRowStats(List<double> v, FeatureMatrix m)
    {
        v.AddRange(RowStatistics.Mean(m));
        v.AddRange(RowStatistics.Variance(m));
    }

    /// <summary>Per-frame mean (in dB) of each of <see cref="MelGroups"/> groups of adjacent mel bands.</summary>
    public static FeatureMatrix MelGroupMeans(FeatureMatrix melDb)
    {
        int bands = melDb.Rows, frames = melDb.Cols;
        var g = new FeatureMatrix(MelGroups, frames);
        for (int i = 0; i < MelGroups; i++)
        {
            int lo = i * bands / MelGroups, hi = Math.Max(lo + 1, (i + 1) * bands / MelGroups);
            var dst = g.Row(i);
            for (int b = lo; b < hi; b++) Spectral.Simd.Add(dst, melDb.Row(b));
            float inv = 1f / (hi - lo);
            for (int t = 0; t < frames; t++) dst[t] *= inv;
        }
        return g;
    }
}
