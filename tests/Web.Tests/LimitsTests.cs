using System.Net;

namespace Mmcs.Web.Tests;

[Collection(TrainedModelCollection.Name)]
public sealed class LimitsTests(TrainedModelFixture fixture)
{
    [Fact]
    public async Task An_upload_over_the_limit_is_413_problem_details_and_the_server_stays_healthy()
    {
        await using var server = await TestServer.StartAsync(fixture, o => o with { MaxUploadBytes = 200 * 1024 });
        Assert.True(new FileInfo(fixture.BigWav).Length > 400 * 1024);
        using var response = await server.PredictAsync(fixture.BigWav);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = await TestServer.JsonAsync(response);
        Assert.Equal("UPLOAD_TOO_LARGE", json.GetProperty("error_code").GetString());
        Assert.Contains("0.195 MB", json.GetProperty("detail").GetString());

        using var health = await server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var small = await server.PredictAsync(fixture.ShortWav);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(server.UploadDirectory));
    }

    [Theory]
    [InlineData("long.wav")]
    [InlineData("long.mp3")]
    public async Task A_song_longer_than_the_limit_is_refused_with_422_before_it_is_decoded(string name)
    {
        await using var server = await TestServer.StartAsync(fixture, o => o with { MaxSongSeconds = 10 });
        using var response = await server.PredictAsync(Path.Combine(fixture.Audio, name));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        string detail = (await TestServer.JsonAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains($"'{name}' plays for 0:14, longer than this server analyses (0:10", detail);
        using var shortOne = await server.PredictAsync(fixture.ShortMp3);
        Assert.Equal(HttpStatusCode.OK, shortOne.StatusCode);
    }

    [Fact]
    public async Task An_oversized_upload_without_a_content_length_is_stopped_while_it_streams()
    {
        await using var server = await TestServer.StartAsync(fixture, o => o with { MaxUploadBytes = 200 * 1024 });
        using var form = new MultipartFormDataContent();
        // a stream of unknown length: the request goes out chunked, so only counting the bytes can stop it
        var content = new StreamContent(new UnknownLengthStream(await File.ReadAllBytesAsync(fixture.BigWav)));
        form.Add(content, "file", "big.wav");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/predict") { Content = form };
        request.Headers.TransferEncodingChunked = true;
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("UPLOAD_TOO_LARGE", (await TestServer.JsonAsync(response)).GetProperty("error_code").GetString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(server.UploadDirectory));
    }

    [Fact]
    public async Task When_every_slot_and_the_queue_are_taken_a_request_is_refused_with_429_and_Retry_After()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        await using var server = await TestServer.StartAsync(fixture, o => o with
        {
            MaxConcurrentAnalyses = 1,
            MaxQueuedAnalyses = 1,
            RetryAfterSeconds = 3,
            BeforeAnalysis = async ct =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    entered.SetResult();
                    await release.Task.WaitAsync(ct);
                }
            },
        });
        var first = server.PredictAsync(fixture.ShortWav);
        await entered.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var second = server.PredictAsync(fixture.ShortWav);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (server.Host.Gate.Queued < 1 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(1, server.Host.Gate.Running);
        Assert.Equal(1, server.Host.Gate.Queued);

        using (var third = await server.PredictAsync(fixture.ShortWav))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.Equal("3", third.Headers.GetValues("Retry-After").Single());
            var json = await TestServer.JsonAsync(third);
            Assert.Equal("TOO_MANY_REQUESTS", json.GetProperty("error_code").GetString());
            Assert.Contains("try again in 3 s", json.GetProperty("detail").GetString());
        }
        using (var health = await server.Client.GetAsync("/healthz"))
        {
            var json = await TestServer.JsonAsync(health);
            Assert.Equal(1, json.GetProperty("running").GetInt32());
            Assert.Equal(1, json.GetProperty("queued").GetInt32());
        }
        release.SetResult();
        using var r1 = await first;
        using var r2 = await second;
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        Assert.Equal(0, server.Host.Gate.Running);
        Assert.Equal(0, server.Host.Gate.Queued);
    }

    [Fact]
    public async Task Many_concurrent_requests_each_succeed_or_are_refused_with_429_and_none_fails()
    {
        await using var server = await TestServer.StartAsync(fixture, o => o with { MaxConcurrentAnalyses = 2, MaxQueuedAnalyses = 3 });
        string[] files = [fixture.ShortWav, fixture.LongMp3, fixture.ShortMp3, fixture.LongWav];
        var tasks = Enumerable.Range(0, 16).Select(async i =>
        {
            using var r = await server.PredictAsync(files[i % files.Length]);
            var json = await TestServer.JsonAsync(r);
            return (r.StatusCode, json);
        }).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests,
            $"{(int)r.StatusCode}: {r.json}"));
        Assert.Contains(results, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var (_, json) in results.Where(r => r.StatusCode == HttpStatusCode.OK))
            Assert.Equal(4, json.GetProperty("probabilities").EnumerateObject().Count());
        Assert.Equal(0, server.Host.Gate.Running);
        Assert.Equal(0, server.Host.Gate.Queued);
        Assert.Empty(Directory.EnumerateFileSystemEntries(server.UploadDirectory));
    }

    /// <summary>A stream that does not tell its length (so HttpClient sends it chunked).</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
