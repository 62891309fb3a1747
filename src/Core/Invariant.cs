using System.Globalization;

namespace Mmcs.Core;

/// <summary>Number formatting and parsing in the invariant culture, as every file and wire format needs.</summary>
public static class Invariant
{
    public static CultureInfo Culture => CultureInfo.InvariantCulture;

    /// <summary>Shortest round-trip text of a double ("0.5", "1E+19", "NaN").</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static double ParseDouble(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    public static bool TryParseDouble(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
