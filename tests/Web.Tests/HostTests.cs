using System.Net;

namespace Mmcs.Web.Tests;

[Collection(TrainedModelCollection.Name)]
public sealed class HostTests(TrainedModelFixture fixture) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(fixture);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_OpenAPI_document_describes_every_endpoint()
    {
        using var response = await _server.Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = (await TestServer.JsonAsync(response)).GetProperty("paths");
        foreach (var path in new[] { "/api/predict", "/api/models", "/api/models/{name}/versions/{version}/promote", "/healthz" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        Assert.True(paths.GetProperty("/api/predict").GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
    }

    [Theory]
    [InlineData("/", "text/html", "What mood is this song?")]
    [InlineData("/models", "text/html", "Registered models")]
    [InlineData("/assets/upload.js", "text/javascript", "/api/predict")]
    [InlineData("/assets/app.css", "text/css", ".chart")]
    public async Task The_pages_are_served_from_the_assembly_with_a_strict_content_security_policy(string url, string type, string text)
    {
        using var response = await _server.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(text, await response.Content.ReadAsStringAsync());
        string csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("/assets/..%2Fmodels.html")]
    [InlineData("/assets/Mmcs.Web.dll")]
    [InlineData("/nothing-here")]
    public async Task Unknown_paths_are_404_problem_details(string url)
    {
        using var response = await _server.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Error_answers_never_carry_a_stack_trace()
    {
        var bodies = new List<string>();
        using (var r = await _server.PredictAsync(fixture.CorruptWav)) bodies.Add(await r.Content.ReadAsStringAsync());
        using (var r = await _server.PredictBytesAsync(new byte[100], "x.mp3")) bodies.Add(await r.Content.ReadAsStringAsync());
        using (var r = await _server.Client.PostAsync("/api/models/mood/versions/1/promote", null)) bodies.Add(await r.Content.ReadAsStringAsync());
        using (var content = new StringContent("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nabc", System.Text.Encoding.ASCII))
        {
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
            using var r = await _server.Client.PostAsync("/api/predict", content);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            bodies.Add(await r.Content.ReadAsStringAsync());
        }
        Assert.All(bodies, b =>
        {
            Assert.Contains("\"status\":", b);
            Assert.DoesNotContain("   at ", b);
            Assert.DoesNotContain(".cs:line", b);
            Assert.DoesNotContain("Exception", b);
        });
    }

    [Fact]
    public async Task Warming_up_loads_and_runs_the_model_once_or_says_why_it_cannot()
    {
        var (answering, error) = _server.Host.WarmUp();
        Assert.Equal("models:/mood/1", answering);
        Assert.Null(error);
        Assert.Equal(["models:/mood/1"], _server.Host.Models.Loaded);

        await using var missing = await TestServer.StartAsync(fixture, o => o with { ModelUri = "models:/absent/7" });
        var (none, why) = missing.Host.WarmUp();
        Assert.Null(none);
        Assert.Contains("absent", why);
    }

    [Fact]
    public async Task Health_reports_the_analysis_limits()
    {
        using var response = await _server.Client.GetAsync("/healthz");
        var json = await TestServer.JsonAsync(response);
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal(2, json.GetProperty("max_concurrent").GetInt32());
        Assert.Equal(8, json.GetProperty("max_queued").GetInt32());
        Assert.Equal(50L * 1024 * 1024, json.GetProperty("max_upload_bytes").GetInt64());
    }
}
