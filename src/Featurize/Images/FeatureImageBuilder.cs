using Mmcs.Featurize.Features;
using Mmcs.Featurize.FeatureSets;

namespace Mmcs.Featurize.Images;

/// <summary>
/// The three 2D inputs of the CNNs from a clip analysis: the spectrogram in dB (librosa.amplitude_to_db(|STFT|),
/// ref 1, amin 1e-5, top_db 80) [n_fft/2+1 × frames], the MFCCs [n_mfcc × frames] and the mel spectrogram in dB
/// [n_mels × frames]; each resized with <see cref="BilinearResize"/> when a target size is given. Row 0 is the lowest
/// frequency (or the first coefficient), column 0 the first frame.
/// </summary>
public static class FeatureImageBuilder
{
    public static FeatureImages Build(ClipAnalysis analysis, ImageOptions options)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(options);
        var s = analysis.Stft;
        var specDb = new FeatureMatrix(s.Bins, s.Frames, Decibels.AmplitudeToDb(s.Magnitude));
        return new FeatureImages(
            Fit(specDb, options.Spectrogram),
            Fit(analysis.Mfcc, options.Mfcc),
            Fit(analysis.MelDb, options.Mel));
    }

    private static FeatureMatrix Fit(FeatureMatrix m, ImageSize? size)
    {
        if (size is null) return new FeatureMatrix(m.Rows, m.Cols, (float[])m.Data.Clone());
        return BilinearResize.Resize(m, size);
    }
}
