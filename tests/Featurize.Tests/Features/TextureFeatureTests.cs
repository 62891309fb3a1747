using System.Numerics;
using Mmcs.Featurize.Features;
using Mmcs.Featurize.FeatureSets;
using Mmcs.Featurize.Spectral;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Features;

public class TextureFeatureTests
{
    private const int Sr = 22050;

    private static AudioSignal Tones(double seconds, double amplitude, params double[] freqs)
    {
        var y = new float[(int)(seconds * Sr)];
        for (int i = 0; i < y.Length; i++)
        {
            double v = 0;
            foreach (double f in freqs) v += Math.Sin(2 * Math.PI * f * i / Sr);
            y[i] = (float)(amplitude * v / freqs.Length);
        }
        return new AudioSignal(y, Sr, "tones");
    }

    private static Spectrogram Stft(AudioSignal s) => new Stft(new StftOptions()).Compute(s.Samples);

    private static double Middle(FeatureMatrix m) => m.Row(0)[8..^8].ToArray().Average(v => (double)v);

    [Fact]
    public void Spectral_flatness_is_near_exp_minus_gamma_for_white_noise_and_near_zero_for_a_tone()
    {
        var noise = new SpectralFlatness().Compute(LibrosaFixtures.Signal("white_noise_5s"));
        // |X|² of white noise is exponentially distributed: geometric over arithmetic mean → e^(−γ) ≈ 0.561
        Assert.InRange(Middle(noise), 0.50, 0.60);
        var tone = new SpectralFlatness().Compute(Tones(2, 0.5, 440));
        Assert.InRange(Middle(tone), 0, 0.01);
    }

    [Fact]
    public void Spectral_flatness_equals_its_definition_computed_slowly()
    {
        var stft = Stft(LibrosaFixtures.Signal("c_major_120bpm_25s5"));
        var fast = new SpectralFlatness().Compute(stft);
        for (int t = 0; t < stft.Frames; t += 97)
        {
            var powered = Enumerable.Range(0, stft.Bins).Select(k => Math.Max(1e-10, Math.Pow(stft.Magnitude[k * stft.Frames + t], 2))).ToArray();
            double geometric = Math.Exp(powered.Average(Math.Log));
            double expected = geometric / powered.Average();
            Assert.True(Math.Abs(fast[0, t] - expected) <= 1e-4 * expected, $"frame {t}: {fast[0, t]} against {expected}");
        }
    }

    [Fact]
    public void Plomp_levelt_dissonance_peaks_near_a_quarter_of_a_critical_band_and_vanishes_for_unisons_and_wide_intervals()
    {
        Assert.Equal(0, SensoryDissonance.Dissonance([440, 440], [1, 1]), 12);
        // at 440 Hz the curve peaks where 0.24/(0.0207·440+18.96)·Δf = ln(5.75/3.5)/2.25, Δf ≈ 25.8 Hz; the peak is 0.181
        double peak = SensoryDissonance.Dissonance([440, 465.8], [1, 1]);
        Assert.InRange(peak, 0.180, 0.182);
        Assert.True(SensoryDissonance.Dissonance([440, 455], [1, 1]) < peak);
        Assert.True(SensoryDissonance.Dissonance([440, 880], [1, 1]) < 0.01);
    }

    [Fact]
    public void A_semitone_is_rougher_than_a_fifth_and_the_dissonance_ignores_loudness()
    {
        var d = new SensoryDissonance();
        double semitone = Middle(d.Compute(Tones(2, 0.5, 440, 466.16)));
        double fifth = Middle(d.Compute(Tones(2, 0.5, 440, 659.26)));
        Assert.True(semitone > 2 * fifth, $"semitone {semitone:F4}, fifth {fifth:F4}");
        double quiet = Middle(d.Compute(Tones(2, 0.05, 440, 466.16)));
        Assert.Equal(semitone, quiet, 1e-4);
        Assert.All(d.Compute(new AudioSignal(new float[Sr], Sr, "silence")).Row(0).ToArray(), v => Assert.Equal(0f, v));
    }

    /// <summary>The dissonance of frame t the slow, obvious way: scan the column, sort, take 24, sum every pair.</summary>
    private static double SlowDissonance(Spectrogram stft, int t)
    {
        var freq = Frequencies.Fft(Sr, 2048);
        int kMin = (int)Math.Ceiling(20 * 2048.0 / Sr), kMax = (int)Math.Floor(5000 * 2048.0 / Sr);
        float At(int k) => stft.Magnitude[k * stft.Frames + t];
        var peaks = Enumerable.Range(kMin, kMax - kMin + 1).Where(k => At(k) > At(k - 1) && At(k) >= At(k + 1))
            .OrderByDescending(At).ThenBy(k => k).Take(24).OrderBy(k => k).ToArray();
        if (peaks.Length < 2 || At(peaks.MaxBy(At)) < 1e-6) return 0;
        double top = peaks.Max(k => (double)At(k)), sum = 0, weight = 0;
        for (int i = 0; i < peaks.Length; i++)
            for (int j = i + 1; j < peaks.Length; j++)
            {
                double w = Math.Min(At(peaks[i]), At(peaks[j])) / top;
                double x = 0.24 / (0.0207 * freq[peaks[i]] + 18.96) * (freq[peaks[j]] - freq[peaks[i]]);
                sum += w * (Math.Exp(-3.5 * x) - Math.Exp(-5.75 * x));
                weight += w;
            }
        return sum / weight;
    }

    [Fact]
    public void Dissonance_equals_a_slow_frame_by_frame_implementation_on_a_real_chord_clip_and_a_clip_shorter_than_one_simd_block()
    {
        var stft = Stft(LibrosaFixtures.Signal("c_major_120bpm_25s5"));
        var fast = new SensoryDissonance().Compute(stft);
        // every 37th frame, and the last three, which the scalar tail after the 8-frame SIMD blocks computes
        foreach (int t in Enumerable.Range(0, stft.Frames).Where(t => t % 37 == 0 || t >= stft.Frames - 3))
            Assert.Equal(SlowDissonance(stft, t), fast[0, t], 1e-6);
        var shortStft = Stft(Tones(0.15, 0.5, 440, 466.16, 1200));
        Assert.True(shortStft.Frames < 8);
        var shortFast = new SensoryDissonance().Compute(shortStft);
        for (int t = 0; t < shortStft.Frames; t++) Assert.Equal(SlowDissonance(shortStft, t), shortFast[0, t], 1e-6);
        Assert.True(shortFast[0, shortStft.Frames / 2] > 0);
    }

    [Fact]
    public void Searching_the_frames_in_small_blocks_gives_the_same_dissonance_as_in_one_block()
    {
        // blocks of 13 frames (not a multiple of the 8-frame SIMD step: every block has a scalar tail) against the
        // default, which holds this 25.5 s clip in one block
        var stft = Stft(LibrosaFixtures.Signal("c_major_120bpm_25s5"));
        Assert.True(stft.Frames < new DissonanceOptions().BlockFrames);
        var whole = new SensoryDissonance().Compute(stft);
        var blocked = new SensoryDissonance(new DissonanceOptions { BlockFrames = 13 }).Compute(stft);
        Assert.Equal(whole.Data, blocked.Data);
        Assert.Throws<FeatureOptionsException>(() => new SensoryDissonance(new DissonanceOptions { BlockFrames = 0 }));
    }

    [Fact]
    public void With_more_equal_peaks_than_it_keeps_the_dissonance_takes_the_lowest_bins()
    {
        var magnitude = new float[1025];
        for (int k = 10; k <= 400; k += 10) magnitude[k] = 1;   // 40 equal peaks, 24 kept: bins 10 … 240
        var spectrogram = new Spectrogram(1025, 1, 2048, magnitude);
        double fast = new SensoryDissonance().Compute(spectrogram)[0, 0];
        Assert.Equal(SlowDissonance(spectrogram, 0), fast, 1e-9);
        var kept = Enumerable.Range(1, 24).Select(i => i * 10 * Sr / 2048.0).ToArray();
        Assert.Equal(SensoryDissonance.Dissonance(kept, Enumerable.Repeat(1.0, 24).ToArray()), fast, 1e-9);
    }

    [Fact]
    public void The_kth_largest_selection_agrees_with_sorting_including_ties()
    {
        var rng = new Random(9);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(1, 60);
            var x = Enumerable.Range(0, n).Select(_ => (float)rng.Next(0, trial % 2 == 0 ? 5 : 1000)).ToArray();
            int k = rng.Next(1, n + 1);
            float expected = x.OrderByDescending(v => v).ElementAt(k - 1);
            Assert.Equal(expected, SensoryDissonance.KthLargest(x.ToArray(), k));
        }
    }

    [Fact]
    public void Invalid_dissonance_and_flatness_options_are_refused_when_built()
    {
        Assert.Throws<FeatureOptionsException>(() => new SensoryDissonance(new DissonanceOptions { MaxPeaks = 1 }));
        Assert.Throws<FeatureOptionsException>(() => new SensoryDissonance(new DissonanceOptions { FMin = 500, FMax = 100 }));
        Assert.Throws<FeatureOptionsException>(() => new SensoryDissonance(new DissonanceOptions { FMax = 20000 }));
        Assert.Throws<FeatureOptionsException>(() => new SpectralFlatness(new FlatnessOptions { Amin = 0 }));
        Assert.Throws<FeatureOptionsException>(() => new ModulationSpectrum(new ModulationOptions { BandEdges = [1, 0.5] }));
        Assert.Throws<FeatureOptionsException>(() => new ModulationSpectrum(new ModulationOptions { BandEdges = [1, 30] }));
    }

    [Fact]
    public void A_3_hz_envelope_modulates_the_2_to_4_hz_band_and_a_constant_one_nothing()
    {
        int frames = 1099;
        double rate = Sr / 512.0;
        var m = new FeatureMatrix(2, frames);
        for (int t = 0; t < frames; t++)
        {
            m[0, t] = (float)(-20 + 6 * Math.Sin(2 * Math.PI * 3 * t / rate));
            m[1, t] = -20;
        }
        var mod = new ModulationSpectrum().Compute(m);
        Assert.Equal(5, mod.Cols);
        var bands = mod.Row(0).ToArray();
        Assert.Equal(2, Array.IndexOf(bands, bands.Max()));
        Assert.True(bands[2] > 100 * bands.Where((_, b) => b != 2).Max());
        Assert.All(mod.Row(1).ToArray(), v => Assert.Equal(0, v, 6));
    }

    [Fact]
    public void The_modulation_spectrum_equals_a_slow_zero_padded_windowed_dft()
    {
        var rng = new Random(3);
        int frames = 259;
        var m = new FeatureMatrix(1, frames);
        for (int t = 0; t < frames; t++) m[0, t] = (float)(rng.NextDouble() * 10);
        var options = new ModulationOptions();
        var fast = new ModulationSpectrum(options).Compute(m);
        double mean = m.Row(0).ToArray().Average(v => (double)v);
        var w = Enumerable.Range(0, frames).Select(n => 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / (frames - 1))).ToArray();
        double wp = w.Sum(x => x * x);
        const int padded = 512; // the next power of two
        for (int b = 0; b < 5; b++)
        {
            double lo = options.BandEdges[b], hi = options.BandEdges[b + 1];
            var bins = Enumerable.Range(1, padded / 2).Where(k => k * options.FrameRate / padded >= lo && k * options.FrameRate / padded < hi).ToArray();
            double expected = bins.Average(k =>
            {
                var x = Complex.Zero;
                for (int n = 0; n < frames; n++) x += (m[0, n] - mean) * w[n] * Complex.Exp(new Complex(0, -2 * Math.PI * k * n / padded));
                return x.Magnitude * x.Magnitude / wp;
            });
            Assert.Equal(expected, fast[0, b], Math.Max(1e-6, 1e-4 * expected));
        }
    }

    [Fact]
    public void Harmonic_change_is_zero_for_steady_harmony_and_peaks_around_a_chord_change()
    {
        var t = new FeatureMatrix(6, 20);
        for (int f = 0; f < 20; f++)
            for (int d = 0; d < 6; d++) t[d, f] = f < 10 ? 0.1f * d : -0.1f * d;
        var h = HarmonicChange.FromTonnetz(t);
        double jump = Math.Sqrt(Enumerable.Range(0, 6).Sum(d => Math.Pow(0.2 * d, 2)));
        Assert.Equal(jump, h[0, 9], 5);
        Assert.Equal(jump, h[0, 10], 5);
        Assert.Equal(0, h[0, 3], 6);
        Assert.Equal(0, h[0, 0], 6);
        Assert.Equal(0, h[0, 19], 6);
        Assert.Throws<FeatureInputException>(() => HarmonicChange.FromTonnetz(new FeatureMatrix(12, 5)));
    }

    [Fact]
    public void The_mode_margin_is_positive_for_a_major_triad_negative_for_a_minor_one_and_zero_when_flat()
    {
        static FeatureMatrix Chord(params int[] pcs)
        {
            var c = new FeatureMatrix(12, 4);
            foreach (int p in pcs)
                for (int f = 0; f < 4; f++) c[p, f] = 1;
            return c;
        }
        Assert.InRange(KeyEstimator.ModeMargin(Chord(0, 4, 7)), 0.07, 0.08); // C E G: 0.834 − 0.760 (E minor)
        Assert.InRange(KeyEstimator.ModeMargin(Chord(0, 3, 7)), -0.29, -0.28); // C Eb G: 0.601 − 0.889
        Assert.Equal(0, KeyEstimator.ModeMargin(new FeatureMatrix(12, 4)));
    }

    [Fact]
    public void Chroma_entropy_and_the_rms_slope_follow_their_definitions()
    {
        var one = new FeatureMatrix(12, 3);
        for (int f = 0; f < 3; f++) one[5, f] = 2;
        Assert.Equal(0, FullFeatureSet.ChromaEntropy(one), 12);
        var flat = new FeatureMatrix(12, 3);
        flat.Data.AsSpan().Fill(0.3f);
        Assert.Equal(1, FullFeatureSet.ChromaEntropy(flat), 6);
        Assert.Equal(0, FullFeatureSet.ChromaEntropy(new FeatureMatrix(12, 3)));
        // RMS rising by 0.5 dB a frame at 43.07 frames per second: 21.5 dB per second
        var rms = Enumerable.Range(0, 100).Select(t => (float)Math.Pow(10, (-40 + 0.5 * t) / 20)).ToArray();
        Assert.Equal(0.5 * Sr / 512.0, FullFeatureSet.RmsSlopeDb(rms, Sr / 512.0), 3);
    }

    [Fact]
    public void Triads_are_recognised_from_chroma_with_their_quality_changes_and_silence()
    {
        var chroma = new FeatureMatrix(12, 8);
        foreach (int pc in new[] { 0, 4, 7 }) for (int t = 0; t < 4; t++) chroma[pc, t] = 1;          // C major
        foreach (int pc in new[] { 9, 0, 4 }) for (int t = 4; t < 7; t++) chroma[pc, t] = 1;          // A minor
        var triads = TriadChords.FromChroma(chroma);                                                  // frame 7 silent
        Assert.Equal(new[] { 0, 0, 0, 0, 21, 21, 21, -1 }, triads.Chords);
        Assert.Equal(1, triads.Fit[0], 5);
        Assert.Equal(4.0 / 7, triads.MajorRatio, 9);
        Assert.Equal(1 * 10.0 / 8, triads.ChangesPerSecond(10), 9);
        Assert.Equal(0.5, TriadChords.FromChroma(new FeatureMatrix(12, 3)).MajorRatio);
    }

    [Fact]
    public void The_predominant_pitch_follows_a_harmonic_tone_s_fundamental_and_leaves_silence_unvoiced()
    {
        // A (220 Hz) with four harmonics for 1 s, then E (329.6 Hz) for 1 s, then 0.5 s of silence
        int n = (int)(2.5 * Sr);
        var y = new float[n];
        for (int i = 0; i < 2 * Sr; i++)
        {
            double f0 = i < Sr ? 220 : 329.63;
            for (int h = 1; h <= 4; h++) y[i] += (float)(0.2 / h * Math.Sin(2 * Math.PI * f0 * h * i / Sr));
        }
        var cqt = new ConstantQ(new CqtOptions { Tuning = 0 }).Magnitude(new AudioSignal(y, Sr, "tones"), out double tuning);
        var pitch = new PredominantPitch().Track(cqt, tuning);
        double fps = Sr / 512.0;
        Assert.InRange(pitch.Skip(10).Take(20).Average(), 56.8, 57.2);                 // A3 = MIDI 57
        Assert.InRange(pitch.Skip((int)(1.3 * fps)).Take(20).Average(), 63.8, 64.2);   // E4 = MIDI 64
        Assert.All(pitch.Skip((int)(2.2 * fps)).Take(5), p => Assert.True(double.IsNaN(p)));
        var stats = FullFeatureSet.PitchStatistics(pitch);
        Assert.InRange(stats[0], 0.7, 0.85);       // voiced: about 2 of 2.5 s
        Assert.InRange(stats[3], 6.5, 7.5);        // range: a fifth
        Assert.True(stats[5] > 0.9, $"stable ratio {stats[5]}");
        Assert.Equal(new double[6], FullFeatureSet.PitchStatistics([double.NaN, double.NaN]));
        Assert.Throws<FeatureOptionsException>(() => new PredominantPitch(new PitchOptions { BinsPerOctave = 10 }));
    }

    [Fact]
    public void The_pitch_tracker_reads_the_resolution_and_first_bin_of_the_cqt_it_is_given()
    {
        var analysed = PitchOptions.ForCqt(ClipAnalyzer.CqtOptionsFor(new FeaturizerOptions()));
        Assert.Equal(new PitchOptions(), analysed); // the analysis' CQT is the tracker's default: 36 bins per octave from C1
        var coarse = PitchOptions.ForCqt(new CqtOptions { BinsPerOctave = 24, FMin = 55 });
        Assert.Equal(24, coarse.BinsPerOctave);
        Assert.Equal(33, coarse.FirstBinMidi); // A1
        // an A3 tone tracked on a 24-bin CQT from A1 is still MIDI 57
        var y = new float[Sr];
        for (int i = 0; i < y.Length; i++)
            for (int h = 1; h <= 4; h++) y[i] += (float)(0.2 / h * Math.Sin(2 * Math.PI * 220 * h * i / Sr));
        var cqt = new ConstantQ(new CqtOptions { BinsPerOctave = 24, FMin = 55, NBins = 168, Tuning = 0 }).Magnitude(new AudioSignal(y, Sr, "a3"), out double tuning);
        var pitch = new PredominantPitch(coarse).Track(cqt, tuning);
        Assert.InRange(pitch.Skip(10).Take(20).Average(), 56.8, 57.2);
        Assert.Throws<FeatureOptionsException>(() => new PredominantPitch(PitchOptions.ForCqt(new CqtOptions { BinsPerOctave = 30 })));
    }
}
