using Mmcs.Featurize.Spectral;

namespace Mmcs.Featurize.Features;

internal static class FeatureGuards
{
    public static void RequireRate(AudioSignal signal, int sampleRate, string feature)
    {
        if (signal.SampleRate != sampleRate)
            throw new FeatureInputException($"{signal.Source}: {feature} expects {sampleRate} Hz audio, got {signal.SampleRate} Hz");
    }

    public static void RequireBins(Spectrogram s, int nFft, string feature)
    {
        if (s.NFft != nFft || s.Bins != nFft / 2 + 1)
            throw new FeatureInputException($"{feature} expects a spectrogram with n_fft={nFft}, got n_fft={s.NFft}");
    }

    public static void RequireRows(FeatureMatrix m, int rows, string feature, string what)
    {
        if (m.Rows != rows)
            throw new FeatureInputException($"{feature} expects {what} with {rows} rows, got {m.Rows}");
    }
}
