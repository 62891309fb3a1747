namespace Mmcs.Web.Tests;

public class MoodWebOptionsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("https://localhost:8443/")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:80")]
    [InlineData("http://[::1]:5000")]
    [InlineData("http://[::]")]
    [InlineData("HTTP://LocalHost")]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://unix:/run/mmcs.sock")]
    public void Addresses_kestrel_listens_on_as_written_are_accepted(string url) => Assert.Null(MoodWebOptions.ListenAddressProblem(url));

    [Theory]
    [InlineData("http://127.0.0.1:notaport", "the port 'notaport'")]
    [InlineData("http://127.0.0.1:70000", "the port '70000'")]
    [InlineData("http://127.0.0.1:", "the port ''")]
    [InlineData("http://[::1]:x", "the port 'x'")]
    [InlineData("http://[::1", "no closing ']'")]
    [InlineData("http://::1:5000", "in brackets")]
    [InlineData("127.0.0.1:5000", "no scheme")]
    [InlineData("ftp://127.0.0.1:21", "neither http nor https")]
    [InlineData("http://127.0.0.1:5000/mmcs", "a path")]
    [InlineData("http://:5000", "host is missing")]
    [InlineData("http://127.0.0.1:5000:", "the port '5000:'")]
    [InlineData("http://127.0.0.1.5000", "'127.0.0.1.5000' is not an IP address")]
    [InlineData("http://example.org:5000", "Kestrel would listen on every interface")]
    [InlineData("http://UNIX:/run/mmcs.sock", "a path")] // (Kestrel reads unix: in lower case only)
    [InlineData("http://[foo]:5000", "'[foo]' is not an IPv6 address")]
    [InlineData("http://[127.0.0.1]:5000", "is not an IPv6 address")]
    public void Addresses_kestrel_would_misread_or_refuse_are_named_with_the_reason(string url, string reason) =>
        Assert.Contains(reason, MoodWebOptions.ListenAddressProblem(url));

    [Fact]
    public void A_port_that_is_not_a_number_is_refused_before_anything_listens()
    {
        var e = Assert.Throws<Core.MmcsException>(() => MoodWebHost.Create(new MoodWebOptions { Urls = ["http://127.0.0.1:5000", "http://127.0.0.1:notaport"] }));
        Assert.Equal(Core.ErrorCodes.InvalidParameterValue, e.ErrorCode);
        Assert.Contains("http://127.0.0.1:notaport: the port 'notaport' is not a number from 0 to 65535", e.Message);
    }
}
