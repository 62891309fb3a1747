namespace Mmcs.Featurize.Features;

/// <summary>Frequency helpers equal to librosa.core.convert (and numpy.linspace), evaluated in the same order.</summary>
public static class Frequencies
{
    /// <summary>numpy.linspace(start, stop, num, endpoint=True).</summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(num);
        var y = new double[num];
        if (num == 0) return y;
        if (num == 1)
        {
            y[0] = start;
            return y;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) y[i] = i * step + start;
        y[num - 1] = stop;
        return y;
    }

    /// <summary>librosa.fft_frequencies: k · sr / n_fft for k = 0..n_fft/2 (as numpy.fft.rfftfreq computes it).</summary>
    public static double[] Fft(double sampleRate, int nFft)
    {
        double val = 1.0 / (nFft * (1.0 / sampleRate));
        var f = new double[nFft / 2 + 1];
        for (int k = 0; k < f.Length; k++) f[k] = k * val;
        return f;
    }

    /// <summary>librosa.hz_to_mel (Slaney by default, HTK when <paramref name="htk"/>).</summary>
    public static double HzToMel(double hz, bool htk = false)
    {
        if (htk) return 2595.0 * Math.Log10(1.0 + hz / 700.0);
        const double fMin = 0.0, fSp = 200.0 / 3, minLogHz = 1000.0;
        double minLogMel = (minLogHz - fMin) / fSp;
        double logStep = Math.Log(6.4) / 27.0;
        return hz >= minLogHz ? minLogMel + Math.Log(hz / minLogHz) / logStep : (hz - fMin) / fSp;
    }

    /// <summary>librosa.mel_to_hz.</summary>
    public static double MelToHz(double mel, bool htk = false)
    {
        if (htk) return 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);
        const double fMin = 0.0, fSp = 200.0 / 3, minLogHz = 1000.0;
        double minLogMel = (minLogHz - fMin) / fSp;
        double logStep = Math.Log(6.4) / 27.0;
        return mel >= minLogMel ? minLogHz * Math.Exp(logStep * (mel - minLogMel)) : fMin + fSp * mel;
    }

    /// <summary>librosa.mel_frequencies: n frequencies evenly spaced on the mel scale between fmin and fmax.</summary>
    public static double[] Mel(int n, double fMin, double fMax, bool htk = false)
    {
        var mels = Linspace(HzToMel(fMin, htk), HzToMel(fMax, htk), n);
        for (int i = 0; i < n; i++) mels[i] = MelToHz(mels[i], htk);
        return mels;
    }

    /// <summary>librosa.hz_to_octs: octaves relative to A0 of a tuning (A440·2^(tuning/bpo) / 16).</summary>
    public static double HzToOcts(double hz, double tuning = 0.0, int binsPerOctave = 12)
    {
        double a440 = 440.0 * Math.Pow(2.0, tuning / binsPerOctave);
        return Math.Log2(hz / (a440 / 16));
    }

    /// <summary>librosa.note_to_hz('C1') = midi_to_hz(24).</summary>
    public static double C1 => MidiToHz(24);

    /// <summary>librosa.midi_to_hz.</summary>
    public static double MidiToHz(double midi) => 440.0 * Math.Pow(2.0, (midi - 69.0) / 12.0);

    /// <summary>librosa.hz_to_midi.</summary>
    public static double HzToMidi(double hz) => 12 * (Math.Log2(hz) - Math.Log2(440.0)) + 69;

    /// <summary>librosa.tempo_frequencies: BPM of each autocorrelation lag (lag 0 = +inf).</summary>
    public static double[] Tempo(int bins, int hopLength, double sampleRate)
    {
        var f = new double[bins];
        if (bins > 0) f[0] = double.PositiveInfinity;
        for (int k = 1; k < bins; k++) f[k] = 60.0 * sampleRate / (hopLength * (double)k);
        return f;
    }
}
