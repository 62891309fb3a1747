namespace Mmcs.Featurize.Features;

/// <summary>MFCC parameters (librosa.feature.mfcc defaults: 20 coefficients, DCT-II orthonormal, no liftering).</summary>
public sealed record MfccOptions
{
    public int NMfcc { get; init; } = 20;

    /// <summary>Number of mel bands the DCT reads (n_mels of the mel spectrogram).</summary>
    public int NMels { get; init; } = 128;

    /// <summary>Cepstral liftering coefficient (librosa lifter); 0 disables it.</summary>
    public double Lifter { get; init; }

    public void Validate()
    {
        if (NMfcc < 1) throw new FeatureOptionsException($"mfcc: n_mfcc must be positive, got {NMfcc}");
        if (NMels < 1 || NMfcc > NMels) throw new FeatureOptionsException($"mfcc: need 1 <= n_mfcc <= n_mels, got {NMfcc} and {NMels}");
        if (Lifter < 0) throw new FeatureOptionsException($"mfcc: lifter must be non-negative, got {Lifter}");
    }
}

/// <summary>
/// MFCCs equal to librosa.feature.mfcc: the orthonormal DCT-II of the log-power mel spectrogram
/// (power_to_db of the 128-band mel power), first n_mfcc rows. The DCT matrix is built once.
/// </summary>
public sealed class Mfcc
{
    private readonly double[] _dct; // [n_mfcc × n_mels]

    public Mfcc(MfccOptions? options = null)
    {
        options ??= new MfccOptions();
        options.Validate();
        Options = options;
        int n = options.NMels;
        _dct = new double[options.NMfcc * n];
        for (int k = 0; k < options.NMfcc; k++)
        {
            double scale = k == 0 ? Math.Sqrt(1.0 / (4 * n)) : Math.Sqrt(1.0 / (2 * n));
            double lift = options.Lifter > 0 ? 1 + options.Lifter / 2 * Math.Sin(Math.PI * (k + 1) / options.Lifter) : 1.0;
            for (int i = 0; i < n; i++)
                _dct[k * n + i] = lift * 2.0 * scale * Math.Cos(Math.PI * k * (2 * i + 1) / (2.0 * n));
        }
    }

    public MfccOptions Options { get; }

    /// <summary>MFCCs [n_mfcc × frames] from a mel spectrogram in dB [n_mels × frames].</summary>
    public FeatureMatrix FromMelDb(FeatureMatrix melDb)
    {
        ArgumentNullException.ThrowIfNull(melDb);
        FeatureGuards.RequireRows(melDb, Options.NMels, "mfcc", "a mel spectrogram in dB");
        int n = Options.NMels, frames = melDb.Cols;
        var result = new FeatureMatrix(Options.NMfcc, frames);
        var acc = new double[frames];
        for (int k = 0; k < Options.NMfcc; k++)
        {
            Array.Clear(acc);
            for (int i = 0; i < n; i++) SpectralMath.AddScaled(acc, melDb.Row(i), _dct[k * n + i]);
            var outRow = result.Row(k);
            for (int t = 0; t < frames; t++) outRow[t] = (float)acc[t];
        }
        return result;
    }
}
