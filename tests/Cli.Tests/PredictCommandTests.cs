using Mmcs.Cli.Commands;

namespace Mmcs.Cli.Tests;

public sealed class PredictCommandTests
{
    [Theory]
    [InlineData(0, "00:00")]
    [InlineData(59.9, "00:59")]
    [InlineData(3300, "55:00")]
    [InlineData(3600, "1:00:00")]
    [InlineData(3714.5, "1:01:54")]
    [InlineData(36000, "10:00:00")]
    public void The_timeline_clock_goes_on_past_an_hour_instead_of_wrapping(double seconds, string expected)
    {
        Assert.Equal(expected, PredictCommand.Clock(seconds));
    }
}
