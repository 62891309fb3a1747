using Mmcs.Featurize.Features;
using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.FeatureSets;

/// <summary>
/// Computes a <see cref="ClipAnalysis"/>: one STFT (n_fft, hop of the options) feeds the mel spectrogram, MFCC,
/// spectral shape features, onset strength, tempo, chroma_stft and the CQT tuning; RMS and zero-crossing rate read
/// the waveform; the CQT reads the waveform (librosa's recursive method needs it). Every extractor is built once
/// (filterbanks, FFT plans); instances are immutable and safe to share between threads.
/// </summary>
public sealed class ClipAnalyzer
{
    private readonly Stft _stft;
    private readonly MelSpectrogram _mel;
    private readonly Mfcc _mfcc;
    private readonly Rms _rms;
    private readonly ZeroCrossingRate _zcr;
    private readonly SpectralCentroid _centroid;
    private readonly SpectralBandwidth _bandwidth;
    private readonly SpectralRolloff _rolloff;
    private readonly SpectralContrast _contrast;
    private readonly OnsetStrength _onsetMean;
    private readonly OnsetStrength _onsetMedian;
    private readonly TempoEstimator _tempo;
    private readonly ChromaStft _chromaStft;
    private readonly ChromaCqt _chromaCqt;

    public ClipAnalyzer(FeaturizerOptions? options = null)
    {
        options ??= new FeaturizerOptions();
        Validate(options);
        Options = options;
        int sr = options.SampleRate, nFft = options.NFft, hop = options.HopLength;
        var spectral = new SpectralOptions { SampleRate = sr, NFft = nFft, HopLength = hop };
        _stft = new Stft(new StftOptions { NFft = nFft, HopLength = hop });
        var melOptions = new MelOptions { SampleRate = sr, NFft = nFft, HopLength = hop, NMels = options.NMels };
        _mel = new MelSpectrogram(melOptions);
        _mfcc = new Mfcc(new MfccOptions { NMfcc = options.NMfcc, NMels = options.NMels });
        _rms = new Rms(new RmsOptions { FrameLength = nFft, HopLength = hop });
        _zcr = new ZeroCrossingRate(new ZcrOptions { FrameLength = nFft, HopLength = hop });
        _centroid = new SpectralCentroid(spectral);
        _bandwidth = new SpectralBandwidth(spectral);
        _rolloff = new SpectralRolloff(spectral);
        _contrast = new SpectralContrast(spectral);
        _onsetMean = new OnsetStrength(new OnsetOptions { NFft = nFft, HopLength = hop }, melOptions);
        _onsetMedian = new OnsetStrength(new OnsetOptions { NFft = nFft, HopLength = hop, Aggregate = OnsetAggregate.Median }, melOptions);
        _tempo = new TempoEstimator(new TempoOptions { SampleRate = sr, HopLength = hop });
        _chromaStft = new ChromaStft(new ChromaOptions { SampleRate = sr, NFft = nFft, HopLength = hop });
        _chromaCqt = new ChromaCqt(CqtOptionsFor(options));
    }

    /// <summary>The CQT the analysis makes (<see cref="ClipAnalysis.Cqt"/>): librosa's defaults at the options' rate and hop.</summary>
    public static CqtOptions CqtOptionsFor(FeaturizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CqtOptions { SampleRate = options.SampleRate, HopLength = options.HopLength };
    }

    public FeaturizerOptions Options { get; }

    /// <summary>Analyses one clip (at <see cref="FeaturizerOptions.SampleRate"/>, already cut to the excerpt).</summary>
    public ClipAnalysis Analyze(AudioSignal clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.SampleRate != Options.SampleRate)
            throw new FeatureInputException($"{clip.Source}: expected {Options.SampleRate} Hz audio, got {clip.SampleRate} Hz");
        var y = clip.Samples;
        if (y.Length < Options.NFft)
            throw new FeatureInputException($"{clip.Source}: {y.Length} samples is shorter than one analysis frame ({Options.NFft})");
        for (int i = 0; i < y.Length; i++)
        {
            if (!float.IsFinite(y[i]))
                throw new FeatureInputException($"{clip.Source}: sample {i} is not a finite number");
        }

        var stft = _stft.Compute(y);
        var mel = _mel.Compute(stft);
        var melDb = Decibels.PowerToDb(mel);
        var mfcc = _mfcc.FromMelDb(melDb);
        var medianEnvelope = _onsetMedian.FromMelDb(melDb);
        // beat_track: no onset at all → tempo 0; otherwise the tempogram is computed once for the tempo and the
        // rhythm statistics.
        bool anyOnset = Array.Exists(medianEnvelope, v => v != 0f);
        var meanTg = anyOnset ? _tempo.MeanTempogram(medianEnvelope) : [];
        double tempo = anyOnset ? _tempo.TempoFromMean(meanTg) : 0.0;
        var chromaStft = _chromaStft.Compute(stft, out double stftTuning);
        var cqt = _chromaCqt.Magnitude(clip, out double cqtTuning, stft);
        var chromaCqt = _chromaCqt.FromCqt(cqt);
        return new ClipAnalysis
        {
            Stft = stft,
            Mel = mel,
            MelDb = melDb,
            Mfcc = mfcc,
            Rms = _rms.Compute(y),
            Zcr = _zcr.Compute(y),
            SpectralCentroid = _centroid.Compute(stft),
            SpectralBandwidth = _bandwidth.Compute(stft),
            SpectralRolloff = _rolloff.Compute(stft),
            SpectralContrast = _contrast.Compute(stft),
            OnsetStrength = _onsetMean.FromMelDb(melDb),
            Tempo = tempo,
            MeanTempogram = meanTg,
            ChromaStft = chromaStft,
            ChromaStftTuning = stftTuning,
            Cqt = cqt,
            ChromaCqt = chromaCqt,
            CqtTuning = cqtTuning,
            Tonnetz = Tonnetz.FromChroma(chromaCqt),
            Key = KeyEstimator.Estimate(chromaCqt),
        };
    }

    private static void Validate(FeaturizerOptions o)
    {
        if (o.SampleRate <= 0) throw new FeatureOptionsException($"sample rate must be positive, got {o.SampleRate}");
        if (o.NFft < 4 || (o.NFft & (o.NFft - 1)) != 0) throw new FeatureOptionsException($"n_fft must be a power of two >= 4, got {o.NFft}");
        if (o.HopLength < 1) throw new FeatureOptionsException($"hop_length must be positive, got {o.HopLength}");
        if (o.NMels < 1) throw new FeatureOptionsException($"n_mels must be positive, got {o.NMels}");
        if (o.NMfcc < 1 || o.NMfcc > o.NMels) throw new FeatureOptionsException($"n_mfcc must lie in 1..n_mels, got {o.NMfcc}");
    }
}
