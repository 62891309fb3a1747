using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Mmcs.Web.Tests;

[Collection(TrainedModelCollection.Name)]
public sealed class PredictApiTests(TrainedModelFixture fixture) : IAsyncLifetime
{
    private static readonly string[] Moods = ["happy", "angry", "sad", "relaxed"];
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(fixture);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static void AssertPrediction(JsonElement json)
    {
        string mood = json.GetProperty("mood").GetString()!;
        Assert.Contains(mood, Moods);
        var probabilities = json.GetProperty("probabilities").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(Moods.Order(), probabilities.Keys.Order());
        Assert.Equal(1.0, probabilities.Values.Sum(), 3);
        Assert.All(probabilities.Values, p => Assert.InRange(p, 0, 1));
        Assert.Equal(probabilities.MaxBy(p => p.Value).Key, mood);
        Assert.Equal("models:/mood/1", json.GetProperty("model").GetString());
    }

    [Fact]
    public async Task A_WAV_upload_gets_a_mood_four_probabilities_the_answering_version_and_each_members_opinion()
    {
        using var response = await _server.PredictAsync(fixture.ShortWav);
        var json = await TestServer.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPrediction(json);
        Assert.Equal("short.wav", json.GetProperty("file").GetString());
        Assert.Equal("wav", json.GetProperty("format").GetString());
        Assert.Single(json.GetProperty("windows").EnumerateArray());
        var members = json.GetProperty("members").EnumerateObject().Select(m => m.Name).ToArray();
        Assert.Equal(["cnn2d-mel", "tabular"], members.Order());
        foreach (var m in json.GetProperty("members").EnumerateObject())
            Assert.Equal(1.0, m.Value.EnumerateObject().Sum(p => p.Value.GetDouble()), 3);
        Assert.False(json.TryGetProperty("spectrogram", out _));
    }

    [Fact]
    public async Task An_MP3_upload_is_decoded_through_ffmpeg_and_recognised_by_its_content()
    {
        // the name says WAV; the bytes are MP3
        using var response = await _server.PredictAsync(fixture.ShortMp3, "really-an-mp3.wav");
        var json = await TestServer.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPrediction(json);
        Assert.Equal("mp3", json.GetProperty("format").GetString());
    }

    [Theory]
    [InlineData("long.wav")]
    [InlineData("long.mp3")]
    public async Task A_long_song_is_analysed_in_windows_whose_average_is_the_answer(string name)
    {
        using var response = await _server.PredictAsync(Path.Combine(fixture.Audio, name));
        var json = await TestServer.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPrediction(json);
        var windows = json.GetProperty("windows").EnumerateArray().ToArray();
        Assert.True(windows.Length > 1, $"{windows.Length} windows");
        double seconds = json.GetProperty("seconds").GetDouble();
        Assert.InRange(seconds, 13.5, 14.5);
        var starts = windows.Select(w => w.GetProperty("start").GetDouble()).ToArray();
        Assert.Equal(0, starts[0], 6);
        Assert.Equal(starts.Order(), starts);
        Assert.True(starts[^1] + json.GetProperty("excerpt_seconds").GetDouble() <= seconds + 0.01);
        foreach (var mood in Moods)
        {
            double mean = windows.Average(w => w.GetProperty("probabilities").GetProperty(mood).GetDouble());
            Assert.Equal(json.GetProperty("probabilities").GetProperty(mood).GetDouble(), mean, 6);
        }
    }

    [Fact]
    public async Task The_mel_spectrogram_comes_as_a_PNG_data_URL_when_asked_for()
    {
        using var response = await _server.PredictAsync(fixture.LongWav, query: "?spectrogram=true");
        var json = await TestServer.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string url = json.GetProperty("spectrogram").GetString()!;
        Assert.StartsWith("data:image/png;base64,", url);
        byte[] png = Convert.FromBase64String(url["data:image/png;base64,".Length..]);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        int width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        int height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        using var lease = _server.Host.Models.Acquire();
        Assert.Equal(lease.Model.Manifest.Featurizer.NMels, height);
        Assert.InRange(width, 100, MelImage.MaxColumns);
    }

    [Theory]
    [InlineData("corrupt.wav")]
    [InlineData("silent.wav")]
    public async Task Audio_that_cannot_be_analysed_is_422_naming_the_upload_and_the_server_stays_healthy(string name)
    {
        using var response = await _server.PredictAsync(Path.Combine(fixture.Audio, name), "my song.wav");
        var json = await TestServer.JsonAsync(response);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        string detail = json.GetProperty("detail").GetString()!;
        Assert.Contains("'my song.wav'", detail);
        Assert.DoesNotContain(_server.UploadDirectory, detail);
        Assert.StartsWith("AUDIO_", json.GetProperty("error_code").GetString());
        if (name == "silent.wav") Assert.Contains("silence", detail);
        await AssertHealthyAsync();
    }

    [Theory]
    [InlineData("notes.mp3", "these are my lyrics, not a song\n")]
    [InlineData("picture.wav", "\u0089PNG\r\n\u001a\n\0\0\0\rIHDR")]
    [InlineData("page.flac", "<html><body>hello</body></html>")]
    public async Task Files_that_are_not_audio_are_415_whatever_their_name_and_the_server_stays_healthy(string name, string content)
    {
        var bytes = content.Select(c => (byte)c).Concat(new byte[2048]).ToArray();
        using var response = await _server.PredictBytesAsync(bytes, name);
        var json = await TestServer.JsonAsync(response);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        string detail = json.GetProperty("detail").GetString()!;
        Assert.Contains($"'{name}' is not an audio file", detail);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", json.GetProperty("error_code").GetString());
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task A_query_value_that_is_not_true_or_false_is_400_with_a_detail_naming_it_and_an_error_code()
    {
        using var response = await _server.PredictAsync(fixture.ShortWav, query: "?spectrogram=yes");
        var json = await TestServer.JsonAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("spectrogram", json.GetProperty("detail").GetString());
        Assert.Contains("yes", json.GetProperty("detail").GetString());
        Assert.Equal("BAD_REQUEST", json.GetProperty("error_code").GetString());
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task A_form_without_the_file_field_is_400_and_a_body_that_is_not_a_form_is_415()
    {
        using var noField = await _server.PredictAsync(fixture.ShortWav, field: "audio");
        Assert.Equal(HttpStatusCode.BadRequest, noField.StatusCode);
        Assert.Contains("field named 'file'", (await TestServer.JsonAsync(noField)).GetProperty("detail").GetString());

        using var raw = new ByteArrayContent(await File.ReadAllBytesAsync(fixture.ShortWav));
        raw.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using var notForm = await _server.Client.PostAsync("/api/predict", raw);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notForm.StatusCode);
        Assert.Contains("multipart/form-data", (await TestServer.JsonAsync(notForm)).GetProperty("detail").GetString());

        using var empty = await _server.PredictBytesAsync([], "empty.wav");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("empty", (await TestServer.JsonAsync(empty)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_client_file_name_is_never_a_path_and_no_upload_is_kept_after_its_request()
    {
        string evil = "../../" + Path.GetFileName(fixture.Root) + "-evil.wav";
        using var ok = await _server.PredictAsync(fixture.ShortWav, evil);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(Path.GetFileName(fixture.Root) + "-evil.wav", (await TestServer.JsonAsync(ok)).GetProperty("file").GetString());
        using var bad = await _server.PredictAsync(fixture.CorruptWav, "..\\..\\x.wav");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        using var notAudio = await _server.PredictBytesAsync(new byte[4096], "zeros.mp3");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notAudio.StatusCode);

        Assert.Empty(Directory.EnumerateFileSystemEntries(_server.UploadDirectory));
        string parent = Path.GetDirectoryName(_server.UploadDirectory)!;
        Assert.Empty(Directory.EnumerateFiles(parent, "*evil*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(parent)!, "*evil*"));
    }

    [Fact]
    public async Task A_request_may_name_a_registered_version_but_never_a_folder_and_an_unknown_version_is_404()
    {
        using var byVersion = await _server.PredictAsync(fixture.ShortWav, query: "?model=" + Uri.EscapeDataString("models:/mood/1"));
        Assert.Equal(HttpStatusCode.OK, byVersion.StatusCode);
        Assert.Equal("models:/mood/1", (await TestServer.JsonAsync(byVersion)).GetProperty("model").GetString());

        using var folder = await _server.PredictAsync(fixture.ShortWav, query: "?model=" + Uri.EscapeDataString(fixture.Root));
        Assert.Equal(HttpStatusCode.BadRequest, folder.StatusCode);
        Assert.Contains("registered model URI", (await TestServer.JsonAsync(folder)).GetProperty("detail").GetString());

        using var unknown = await _server.PredictAsync(fixture.ShortWav, query: "?model=" + Uri.EscapeDataString("models:/mood/42"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", (await TestServer.JsonAsync(unknown)).GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task The_model_is_loaded_once_and_shared_by_all_requests()
    {
        for (int i = 0; i < 3; i++)
        {
            using var r = await _server.PredictAsync(fixture.ShortWav);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        using var a = _server.Host.Models.Acquire();
        using var b = _server.Host.Models.Acquire();
        Assert.Same(a.Model, b.Model);
        Assert.Equal(["models:/mood/1"], _server.Host.Models.Loaded);
    }

    [Fact]
    public async Task A_server_without_its_model_answers_503_saying_how_to_get_one()
    {
        await using var server = await TestServer.StartAsync(fixture, o => o with { ModelUri = "models:/nothing@champion" });
        using var response = await server.PredictAsync(fixture.ShortWav);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        string detail = (await TestServer.JsonAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains("models:/nothing@champion", detail);
        Assert.Contains("./mmcs demo", detail);
    }

    private async Task AssertHealthyAsync()
    {
        using var health = await _server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (await TestServer.JsonAsync(health)).GetProperty("status").GetString());
        using var again = await _server.PredictAsync(fixture.ShortWav);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }
}
