using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mmcs.Core;
using Mmcs.Registry;

namespace Mmcs.Web;

/// <summary>
/// The MMCS web server: the JSON API (<see cref="MoodApi"/>), the upload and models pages, health and the OpenAPI
/// document, on Kestrel. <see cref="Create"/> builds it, <see cref="StartAsync"/> starts it, disposing stops it and
/// removes the upload folder.
/// </summary>
public sealed class MoodWebHost : IAsyncDisposable
{
    private readonly bool _ownsStore;
    private readonly bool _ownsUploadDirectory;
    private int _disposed;

    private MoodWebHost(WebApplication app, MoodWebOptions options, ITrackingStore store, bool ownsStore, ModelProvider models,
        AnalysisGate gate, string uploadDirectory, bool ownsUploadDirectory)
    {
        App = app;
        Options = options;
        Store = store;
        _ownsStore = ownsStore;
        Models = models;
        Gate = gate;
        UploadDirectory = uploadDirectory;
        _ownsUploadDirectory = ownsUploadDirectory;
    }

    public WebApplication App { get; }
    public MoodWebOptions Options { get; }
    public ITrackingStore Store { get; }
    public ModelProvider Models { get; }
    public AnalysisGate Gate { get; }

    /// <summary>Where uploads live while they are analysed (each is deleted when its request ends).</summary>
    public string UploadDirectory { get; }

    /// <summary>Snake_case JSON, as the rest of MMCS writes it.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Builds the server. <paramref name="store"/>: the tracking store to use (null: opened from the options; then owned).</summary>
    public static MoodWebHost Create(MoodWebOptions options, ITrackingStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        bool ownsStore = store == null;
        store ??= TrackingStores.Open(options.TrackingUri);
        bool ownsUploads = options.UploadDirectory == null;
        string uploads = options.UploadDirectory ?? Path.Combine(Path.GetTempPath(), "mmcs-uploads-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(uploads);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(uploads, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            EnvironmentName = Environments.Production, // never the developer exception page (stack traces)
            ApplicationName = typeof(MoodWebHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(options.VerboseLogging ? LogLevel.Information : LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // a failure to start (a port in use, a bad address) is thrown by StartAsync for the caller to report in one line;
        // the host's own error log of it would be a stack trace
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", options.VerboseLogging ? LogLevel.Information : LogLevel.Warning);
        builder.WebHost.UseUrls(options.Urls.ToArray());
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxUploadBytes + UploadReceiver.MultipartOverhead;
        });
        builder.Services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        // a query value that does not bind (?spectrogram=yes) is thrown, so that it is answered like every other error:
        // a detail naming the parameter and an error_code, not a bare 400
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "MMCS mood API";
            doc.Info.Description = "Music mood classification (happy, angry, sad, relaxed) of uploaded audio, and the model registry.";
            return Task.CompletedTask;
        }));
        var models = new ModelProvider(options, store);
        var gate = new AnalysisGate(options.MaxConcurrentAnalyses, options.QueueLimit);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(models);
        builder.Services.AddSingleton(gate);

        var app = builder.Build();
        var host = new MoodWebHost(app, options, store, ownsStore, models, gate, uploads, ownsUploads);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(async (context, next) =>
        {
            var h = context.Response.Headers;
            h["X-Content-Type-Options"] = "nosniff";
            h["Referrer-Policy"] = "no-referrer";
            h["X-Frame-Options"] = "DENY";
            h["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
                                          "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; " +
                                          "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
            await next(context);
        });
        app.MapOpenApi("/openapi/{documentName}.json");
        MoodApi.Map(app, host);
        return host;
    }

    /// <summary>Starts listening.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => App.StartAsync(cancellationToken);

    /// <summary>Addresses the server listens on (with the real port when port 0 was asked for).</summary>
    public IReadOnlyList<string> Addresses =>
        App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <summary>
    /// Loads the server's model now and runs it once on a synthetic clip (so the first upload waits neither for the
    /// load nor for the first-call compilation of the features and networks); returns the version or why it failed.
    /// </summary>
    public (string? Answering, string? Error) WarmUp()
    {
        try
        {
            using var lease = Models.Acquire();
            var f = lease.Model.Manifest.Featurizer;
            var samples = new float[(int)Math.Round(f.ExcerptSeconds * f.SampleRate)];
            var random = new Random(1);
            for (int i = 0; i < samples.Length; i++)
            {
                double t = (double)i / f.SampleRate;
                samples[i] = (float)(0.3 * Math.Sin(2 * Math.PI * 220 * t) + 0.2 * Math.Sin(2 * Math.PI * 330 * t * (1 + 0.01 * Math.Sin(t))) +
                                     0.05 * (random.NextDouble() - 0.5));
            }
            var signal = new Featurize.AudioSignal(samples, f.SampleRate, "warm-up");
            lease.Predictor.Predict("warm-up", [new Featurize.Audio.AudioWindow(0, 0, signal)], f.ExcerptSeconds);
            MelImage.Png(signal, f);
            return (lease.Answering, null);
        }
        catch (MmcsException e)
        {
            return (null, e.Message);
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => App.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            await App.StopAsync(CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
        }
        await App.DisposeAsync();
        Models.Dispose();
        Gate.Dispose();
        if (_ownsStore) Store.Dispose();
        if (_ownsUploadDirectory && Directory.Exists(UploadDirectory))
        {
            try
            {
                Directory.Delete(UploadDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        return o;
    }
}
