namespace Mmcs.Featurize.Features;

/// <summary>librosa.power_to_db / amplitude_to_db parameters (defaults: ref 1.0, amin 1e-10, top_db 80).</summary>
public sealed record DecibelOptions
{
    /// <summary>Reference power (librosa ref); 0 dB is this value.</summary>
    public double Ref { get; init; } = 1.0;

    /// <summary>Floor applied before the log (librosa amin) for power_to_db.</summary>
    public double AMin { get; init; } = 1e-10;

    /// <summary>Dynamic range kept below the maximum (librosa top_db); null keeps everything.</summary>
    public double? TopDb { get; init; } = 80.0;

    public void Validate()
    {
        if (!(AMin > 0)) throw new FeatureOptionsException($"amin must be strictly positive, got {AMin}");
        if (TopDb is < 0) throw new FeatureOptionsException($"top_db must be non-negative, got {TopDb}");
        if (!double.IsFinite(Ref)) throw new FeatureOptionsException($"ref must be finite, got {Ref}");
    }
}

/// <summary>Decibel conversions equal to librosa.power_to_db and librosa.amplitude_to_db (float32 results).</summary>
public static class Decibels
{
    /// <summary>10·log10(max(amin, S)) − 10·log10(max(amin, |ref|)), then clipped to max − top_db (over the whole array).</summary>
    public static float[] PowerToDb(ReadOnlySpan<float> power, DecibelOptions? options = null)
    {
        options ??= Default;
        options.Validate();
        var result = new float[power.Length];
        PowerToDb(power, result, options.Ref, options.AMin, options.TopDb);
        return result;
    }

    /// <summary>The same on a matrix (shape kept).</summary>
    public static FeatureMatrix PowerToDb(FeatureMatrix power, DecibelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(power);
        return new FeatureMatrix(power.Rows, power.Cols, PowerToDb(power.Data, options));
    }

    /// <summary>librosa.amplitude_to_db(S, ref, amin=1e-5, top_db): power_to_db(S², ref², amin², top_db).</summary>
    public static float[] AmplitudeToDb(ReadOnlySpan<float> amplitude, double reference = 1.0, double aMin = 1e-5, double? topDb = 80.0)
    {
        if (!(aMin > 0)) throw new FeatureOptionsException($"amin must be strictly positive, got {aMin}");
        if (topDb is < 0) throw new FeatureOptionsException($"top_db must be non-negative, got {topDb}");
        var result = new float[amplitude.Length];
        for (int i = 0; i < amplitude.Length; i++)
        {
            float a = Math.Abs(amplitude[i]);
            result[i] = a * a;
        }
        PowerToDb(result, result, reference * reference, aMin * aMin, topDb);
        return result;
    }

    private static readonly DecibelOptions Default = new();

    private static void PowerToDb(ReadOnlySpan<float> power, Span<float> result, double reference, double aMin, double? topDb)
    {
        float aminF = (float)aMin;
        float refDb = (float)(10.0 * Math.Log10(Math.Max(aMin, Math.Abs(reference))));
        // 10·log10(max(amin, S)) − 10·log10(max(amin, |ref|)), float32 like numpy on float32 arrays.
        float max = Spectral.Simd.TenLog10(power, result, aminF, refDb);
        if (topDb is double top && power.Length > 0) Spectral.Simd.Floor(result, (float)(max - top));
    }
}
