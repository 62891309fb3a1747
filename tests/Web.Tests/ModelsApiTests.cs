using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Mmcs.Registry;
using Mmcs.Registry.Models;

namespace Mmcs.Web.Tests;

[Collection(TrainedModelCollection.Name)]
public sealed class ModelsApiTests(TrainedModelFixture fixture)
{
    private const string Token = "s3cret-admin-token";

    [Fact]
    public async Task The_models_list_shows_versions_with_metrics_aliases_stages_and_the_version_that_answers()
    {
        await using var server = await TestServer.StartAsync(fixture);
        using var response = await server.Client.GetAsync("/api/models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await TestServer.JsonAsync(response);
        Assert.Equal("models:/mood@champion", json.GetProperty("default_model").GetString());
        Assert.Equal("models:/mood/1", json.GetProperty("serving").GetString());
        Assert.False(json.GetProperty("promotion_enabled").GetBoolean());
        var model = json.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "mood");
        Assert.Equal("1", model.GetProperty("aliases").GetProperty("champion").GetString());
        var version = model.GetProperty("versions").EnumerateArray().Single();
        Assert.Equal("1", version.GetProperty("version").GetString());
        Assert.Equal("Production", version.GetProperty("stage").GetString());
        Assert.Contains("champion", version.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        Assert.InRange(version.GetProperty("metrics").GetProperty("test_accuracy").GetDouble(), 0, 1);
        Assert.InRange(version.GetProperty("metrics").GetProperty("test_macro_f1").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task Without_MMCS_ADMIN_TOKEN_promotion_over_HTTP_is_disabled_with_403_even_with_a_token()
    {
        string store = fixture.CopyStore();
        await using var server = await TestServer.StartAsync(fixture, o => o with { AdminToken = null }, store);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/models/mood/versions/1/promote")
        {
            Content = JsonContent.Create(new { alias = "candidate" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "anything");
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var json = await TestServer.JsonAsync(response);
        Assert.Contains("MMCS_ADMIN_TOKEN", json.GetProperty("detail").GetString());
        Assert.Equal("PERMISSION_DENIED", json.GetProperty("error_code").GetString());
        using var s = TrackingStores.Open(store);
        Assert.DoesNotContain(s.GetRegisteredModel("mood").Aliases, a => a.Alias == "candidate");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task Promotion_without_the_right_token_is_401_and_changes_nothing(string? token)
    {
        string store = fixture.CopyStore();
        await using var server = await TestServer.StartAsync(fixture, o => o with { AdminToken = Token }, store);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/models/mood/versions/1/promote?alias=candidate");
        if (token != null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("UNAUTHENTICATED", (await TestServer.JsonAsync(response)).GetProperty("error_code").GetString());
        using var s = TrackingStores.Open(store);
        Assert.DoesNotContain(s.GetRegisteredModel("mood").Aliases, a => a.Alias == "candidate");
    }

    [Fact]
    public async Task With_the_token_a_promotion_moves_the_champion_and_the_next_prediction_answers_with_the_new_version()
    {
        string store = fixture.CopyStore();
        using (var s = TrackingStores.Open(store))
        {
            var v1 = s.GetModelVersion("mood", "1");
            ModelLogging.Register(s, v1.Source, "mood", v1.RunId, new Dictionary<string, string> { ["test_accuracy"] = "0.5" });
        }
        await using var server = await TestServer.StartAsync(fixture, o => o with { AdminToken = Token }, store);
        using (var before = await server.PredictAsync(fixture.ShortWav))
            Assert.Equal("models:/mood/1", (await TestServer.JsonAsync(before)).GetProperty("model").GetString());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/models/mood/versions/2/promote")
        {
            Content = JsonContent.Create(new { alias = "champion", stage = "Production", archive_existing = true }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await server.Client.SendAsync(request);
        var json = await TestServer.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", json.GetProperty("version").GetString());
        Assert.Equal("Production", json.GetProperty("stage").GetString());
        Assert.Contains("champion", json.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));

        using (var s = TrackingStores.Open(store))
        {
            Assert.Equal("2", s.GetModelVersionByAlias("mood", "champion").Version);
            Assert.Equal(ModelStages.Archived, s.GetModelVersion("mood", "1").CurrentStage);
        }
        using (var after = await server.PredictAsync(fixture.ShortWav))
            Assert.Equal("models:/mood/2", (await TestServer.JsonAsync(after)).GetProperty("model").GetString());

        // query parameters work too
        using var staging = new HttpRequestMessage(HttpMethod.Post, "/api/models/mood/versions/1/promote?stage=staging&alias=previous");
        staging.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var stagingResponse = await server.Client.SendAsync(staging);
        Assert.Equal(HttpStatusCode.OK, stagingResponse.StatusCode);
        Assert.Equal("Staging", (await TestServer.JsonAsync(stagingResponse)).GetProperty("stage").GetString());
    }

    [Theory]
    [InlineData("/api/models/mood/versions/9/promote?alias=x", HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST")]
    [InlineData("/api/models/nope/versions/1/promote?alias=x", HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST")]
    [InlineData("/api/models/mood/versions/1/promote", HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE")]
    [InlineData("/api/models/mood/versions/1/promote?stage=Heaven", HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE")]
    public async Task A_promotion_the_registry_refuses_is_a_problem_with_the_registry_code(string url, HttpStatusCode status, string code)
    {
        string store = fixture.CopyStore();
        await using var server = await TestServer.StartAsync(fixture, o => o with { AdminToken = Token }, store);
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        var json = await TestServer.JsonAsync(response);
        Assert.Equal(code, json.GetProperty("error_code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("detail").GetString()));
    }
}
