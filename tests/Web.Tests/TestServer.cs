using System.Net.Http.Headers;
using System.Text.Json;

namespace Mmcs.Web.Tests;

/// <summary>A real Kestrel server on a free port of 127.0.0.1, with its own upload folder, and a client for it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(MoodWebHost host, string uploads)
    {
        Host = host;
        UploadDirectory = uploads;
        BaseAddress = new Uri(host.Addresses.First());
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public MoodWebHost Host { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public string UploadDirectory { get; }

    public static async Task<TestServer> StartAsync(TrainedModelFixture fixture, Func<MoodWebOptions, MoodWebOptions>? configure = null, string? store = null)
    {
        string uploads = Path.Combine(fixture.Root, "uploads-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new MoodWebOptions
        {
            Urls = ["http://127.0.0.1:0"],
            TrackingUri = store ?? fixture.Store,
            UploadDirectory = uploads,
            VerboseLogging = false,
            MaxConcurrentAnalyses = 2,
        };
        if (configure != null) options = configure(options);
        var host = MoodWebHost.Create(options);
        await host.StartAsync();
        return new TestServer(host, uploads);
    }

    /// <summary>POSTs a file as the multipart field 'file' under <paramref name="clientName"/>.</summary>
    public Task<HttpResponseMessage> PredictAsync(string path, string? clientName = null, string query = "", string field = "file") =>
        PredictBytesAsync(File.ReadAllBytes(path), clientName ?? Path.GetFileName(path), query, field);

    public async Task<HttpResponseMessage> PredictBytesAsync(byte[] bytes, string clientName, string query = "", string field = "file")
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, field, clientName);
        return await Client.PostAsync("/api/predict" + query, form);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"{(int)response.StatusCode}: not JSON ({e.Message}): {text[..Math.Min(300, text.Length)]}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
    }
}
