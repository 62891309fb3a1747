namespace Mmcs.Featurize.Features;

/// <summary>Major or minor.</summary>
public enum KeyMode
{
    Minor = 0,
    Major = 1,
}

/// <summary>An estimated key: tonic pitch class (0 = C … 11 = B), mode, and the winning correlation.</summary>
public sealed record KeyEstimate(int Tonic, KeyMode Mode, double Correlation)
{
    public static readonly string[] PitchNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

    /// <summary>"C major", "A minor", …</summary>
    public string Name => $"{PitchNames[Tonic]} {(Mode == KeyMode.Major ? "major" : "minor")}";

    public override string ToString() => Name;
}

/// <summary>
/// Key and mode by the Krumhansl–Schmuckler algorithm: the chroma profile (each pitch class summed over frames) is
/// correlated (Pearson) with the 24 rotations of the Krumhansl–Kessler major and minor key profiles; the best
/// correlation wins (ties: the lower tonic, major before minor).
/// </summary>
public static class KeyEstimator
{
    /// <summary>Krumhansl–Kessler probe-tone ratings for C major.</summary>
    public static readonly double[] MajorProfile = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];

    /// <summary>Krumhansl–Kessler probe-tone ratings for C minor.</summary>
    public static readonly double[] MinorProfile = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

    /// <summary>Estimates the key of a 12-row chromagram (rows C … B).</summary>
    public static KeyEstimate Estimate(FeatureMatrix chroma) => Estimate(PitchClassProfile(chroma));

    /// <summary>The pitch-class profile of a 12-row chromagram: each row summed over frames (in double).</summary>
    public static double[] PitchClassProfile(FeatureMatrix chroma)
    {
        ArgumentNullException.ThrowIfNull(chroma);
        FeatureGuards.RequireRows(chroma, 12, "key estimation", "a chromagram");
        var profile = new double[12];
        for (int c = 0; c < 12; c++)
        {
            double s = 0;
            foreach (float v in chroma.Row(c)) s += v;
            profile[c] = s;
        }
        return profile;
    }

    /// <summary>Estimates the key of a 12-value pitch-class profile.</summary>
    public static KeyEstimate Estimate(ReadOnlySpan<double> profile)
    {
        if (profile.Length != 12) throw new FeatureInputException($"key estimation needs 12 pitch classes, got {profile.Length}");
        var best = new KeyEstimate(0, KeyMode.Major, double.NegativeInfinity);
        for (int tonic = 0; tonic < 12; tonic++)
        {
            foreach (var mode in new[] { KeyMode.Major, KeyMode.Minor })
            {
                var template = mode == KeyMode.Major ? MajorProfile : MinorProfile;
                double r = Correlation(profile, template, tonic);
                if (r > best.Correlation) best = new KeyEstimate(tonic, mode, r);
            }
        }
        return double.IsNegativeInfinity(best.Correlation) ? best with { Correlation = 0 } : best;
    }

    /// <summary>
    /// How major the chromagram sounds: the best correlation over the 12 major keys minus the best over the 12 minor
    /// keys (positive: major; in [−2, 2]; 0 for a flat or empty profile). A graded version of the estimated mode.
    /// </summary>
    public static double ModeMargin(FeatureMatrix chroma)
    {
        var profile = PitchClassProfile(chroma);
        double major = double.NegativeInfinity, minor = double.NegativeInfinity;
        for (int tonic = 0; tonic < 12; tonic++)
        {
            major = Math.Max(major, Correlation(profile, MajorProfile, tonic));
            minor = Math.Max(minor, Correlation(profile, MinorProfile, tonic));
        }
        return double.IsNegativeInfinity(major) || double.IsNegativeInfinity(minor) ? 0 : major - minor;
    }

    /// <summary>Pearson correlation of x with the template rotated so its tonic sits at pitch class <paramref name="tonic"/>.</summary>
    private static double Correlation(ReadOnlySpan<double> x, double[] template, int tonic)
    {
        double mx = 0, mt = 0;
        for (int i = 0; i < 12; i++)
        {
            mx += x[i];
            mt += template[i];
        }
        mx /= 12;
        mt /= 12;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < 12; i++)
        {
            double a = x[i] - mx;
            double b = template[((i - tonic) % 12 + 12) % 12] - mt;
            sxy += a * b;
            sxx += a * a;
            syy += b * b;
        }
        double d = Math.Sqrt(sxx * syy);
        return d > 0 ? sxy / d : double.NegativeInfinity;
    }
}
