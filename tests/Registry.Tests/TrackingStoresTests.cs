using Mmcs.Core;

namespace Mmcs.Registry.Tests;

public sealed class TrackingStoresTests
{
    private static Func<string, string?> Env(string? trackingUri) => name => name == "MLFLOW_TRACKING_URI" ? trackingUri : null;

    [Fact]
    public void The_explicit_uri_wins_over_the_environment_which_wins_over_mlruns()
    {
        Assert.Equal("http://a:5000", TrackingStores.ResolveUri("http://a:5000", Env("http://b:5000")));
        Assert.Equal("https://b", TrackingStores.ResolveUri(null, Env("https://b")));
        Assert.Equal(new Uri(Path.GetFullPath("mlruns")).AbsoluteUri, TrackingStores.ResolveUri(null, Env(null)));
        Assert.Equal(new Uri(Path.GetFullPath("mlruns")).AbsoluteUri, TrackingStores.ResolveUri("  ", Env("")));
    }

    [Fact]
    public void Plain_paths_and_file_uris_become_absolute_file_uris()
    {
        using var temp = new TempDir();
        string expected = new Uri(Path.Combine(temp.Path, "my runs")).AbsoluteUri;
        Assert.StartsWith("file:///", expected, StringComparison.Ordinal);
        Assert.Equal(expected, TrackingStores.ResolveUri(Path.Combine(temp.Path, "my runs"), Env(null)));
        Assert.Equal(expected, TrackingStores.ResolveUri(expected, Env(null)));
        Assert.Equal(new Uri(Path.GetFullPath("rel/mlruns")).AbsoluteUri, TrackingStores.ResolveUri("rel/mlruns", Env(null)));
    }

    [Fact]
    public void A_file_uri_opens_the_file_store_at_that_folder()
    {
        using var temp = new TempDir();
        using var store = TrackingStores.Open(null, Env(Path.Combine(temp.Path, "runs")));
        var fs = Assert.IsType<Registry.FileStore.FileStore>(store);
        Assert.Equal(Path.Combine(temp.Path, "runs"), fs.RootDirectory);
        store.CreateExperiment("x");
        Assert.True(File.Exists(Path.Combine(temp.Path, "runs", "0", "meta.yaml")));
    }

    [Theory]
    [InlineData("sqlite:///mlflow.db")]
    [InlineData("databricks://profile")]
    [InlineData("s3://bucket/x")]
    public void Unsupported_schemes_are_INVALID_PARAMETER_VALUE_naming_the_uri(string uri)
    {
        var e = Assert.Throws<MlflowException>(() => TrackingStores.Open(uri, Env(null)));
        Assert.Equal(ErrorCodes.InvalidParameterValue, e.ErrorCode);
        Assert.Contains(uri, e.Message, StringComparison.Ordinal);
    }
}
