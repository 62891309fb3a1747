using System.Globalization;

namespace Mmcs.Core.Tests;

public class ErrorsAndFormattingTests
{
    [Theory]
    [InlineData(ErrorCodes.InvalidParameterValue, 2, 400)]
    [InlineData(ErrorCodes.AudioDecodeFailed, 2, 400)]
    [InlineData(ErrorCodes.ResourceDoesNotExist, 2, 404)]
    [InlineData(ErrorCodes.ResourceAlreadyExists, 2, 400)]
    [InlineData(ErrorCodes.MissingDependency, 3, 503)]
    [InlineData(ErrorCodes.Cancelled, 130, 500)]
    [InlineData(ErrorCodes.InternalError, 1, 500)]
    public void Every_error_code_maps_to_the_documented_exit_code_and_http_status(string code, int exit, int http)
    {
        var e = new MmcsException(code, "message");
        Assert.Equal(code, e.ErrorCode);
        Assert.Equal(exit, e.ExitCode);
        Assert.Equal(http, e.HttpStatus);
    }

    [Fact]
    public void Numbers_are_formatted_and_parsed_the_same_under_a_comma_decimal_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE", predefinedOnly: false);
            Assert.Equal("0.1", Invariant.Format(0.1));
            Assert.Equal("1234567", Invariant.Format(1234567L));
            Assert.Equal(0.25, Invariant.ParseDouble("0.25"));
            Assert.True(Invariant.TryParseDouble("1e-3", out double small));
            Assert.Equal(0.001, small);
            Assert.False(Invariant.TryParseDouble("0,5", out _) && Invariant.ParseDouble("0,5") == 0.5);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void A_double_survives_a_round_trip_through_its_invariant_text()
    {
        var rng = new Random(3);
        for (int i = 0; i < 1000; i++)
        {
            double x = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-30, 30));
            Assert.Equal(x, Invariant.ParseDouble(Invariant.Format(x)));
        }
    }
}
