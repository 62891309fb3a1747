using System.Globalization;

namespace Mmcs.Registry.FileStore;

/// <summary>
/// Formats and parses doubles the way MLflow's Python file store writes them: Python's <c>repr(float)</c>
/// ("0.5", "100.0", "1e-05", "1.2345678901234567e+19", "nan", "inf", "-inf"), always in the invariant culture.
/// </summary>
public static class PythonFloat
{
    public static string Format(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsPositiveInfinity(value)) return "inf";
        if (double.IsNegativeInfinity(value)) return "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";

        // shortest round-trip digits and decimal exponent from .NET's "E16" would not be shortest; use "R" and re-layout
        string r = value.ToString("R", CultureInfo.InvariantCulture);
        bool negative = r.StartsWith('-');
        if (negative) r = r[1..];
        int exp = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int dot = r.IndexOf('.');
        string intPart = dot >= 0 ? r[..dot] : r;
        string fracPart = dot >= 0 ? r[(dot + 1)..] : "";
        string digits = intPart + fracPart;
        int decpt = intPart.Length + exp; // position of the decimal point relative to the start of digits
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') { lead++; decpt--; }
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        string body;
        if (decpt <= -4 || decpt > 16)
        {
            string mant = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            int x = decpt - 1;
            body = mant + "e" + (x < 0 ? "-" : "+") + Math.Abs(x).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (decpt <= 0)
        {
            body = "0." + new string('0', -decpt) + digits;
        }
        else if (decpt >= digits.Length)
        {
            body = digits + new string('0', decpt - digits.Length) + ".0";
        }
        else
        {
            body = digits[..decpt] + "." + digits[decpt..];
        }
        return negative ? "-" + body : body;
    }

    /// <summary>Parses like Python's float(): "nan", "inf", "-inf", "Infinity", plain and scientific numbers.</summary>
    public static bool TryParse(string text, out double value)
    {
        string t = text.Trim();
        switch (t.ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan":
                value = double.NaN;
                return true;
            case "inf" or "+inf" or "infinity" or "+infinity":
                value = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                value = double.NegativeInfinity;
                return true;
        }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
