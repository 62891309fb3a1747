using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi;
using Mmcs.Core;
using Mmcs.Registry;
using Mmcs.Registry.Models;

namespace Mmcs.Web;

/// <summary>The endpoints: pages, <c>/api/predict</c>, <c>/api/models</c>, promotion, <c>/healthz</c>.</summary>
internal static class MoodApi
{
    public static void Map(WebApplication app, MoodWebHost host)
    {
        var log = app.Services.GetLogger("Mmcs.Web");

        // ---- pages (static files compiled into the assembly) ----
        app.MapGet("/", () => StaticAssets.Serve("index.html")).ExcludeFromDescription();
        app.MapGet("/models", () => StaticAssets.Serve("models.html")).ExcludeFromDescription();
        app.MapGet("/assets/{name}", (string name) => StaticAssets.Serve(name)).ExcludeFromDescription();

        app.MapGet("/healthz", () => Results.Json(new HealthResponse("ok", host.Gate.Running, host.Gate.Queued, host.Gate.MaxConcurrent,
                host.Gate.MaxQueued, host.Options.MaxUploadBytes, host.Models.Loaded), MoodWebHost.JsonOptions))
            .WithName("Health").WithSummary("Liveness: the server answers; analyses running and queued.")
            .Produces<HealthResponse>();

        app.MapPost("/api/predict", (HttpContext context, string? model, bool? spectrogram) =>
                PredictAsync(context, host, log, model, spectrogram ?? false))
            .WithName("Predict")
            .WithSummary("The mood of an uploaded audio file (multipart/form-data field 'file').")
            .WithDescription("Any audio file ffmpeg decodes (checked by content, not by name), up to the server's size limit. " +
                             "A clip up to the model's excerpt length is analysed once; a longer song in excerpt-length windows whose " +
                             "probabilities are averaged ('windows' is the timeline). 'members' holds each ensemble member's own " +
                             "probabilities over the song (a pair specialist's only over its two moods; the song's answer then " +
                             "splits the vote's probability of that pair by the specialists' mean). ?spectrogram=true adds the mel spectrogram as a PNG data URL. ?model=models:/NAME/VERSION " +
                             "or models:/NAME@ALIAS asks another registered model.")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // described here rather than with Accepts(), whose content-type matching would answer 415 without a message
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "The audio file in the multipart field 'file'.",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["multipart/form-data"] = new()
                        {
                            Schema = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Required = new HashSet<string> { UploadReceiver.FieldName },
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    [UploadReceiver.FieldName] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                                },
                            },
                        },
                    },
                };
                return Task.CompletedTask;
            })
            .Produces<PredictResponse>()
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422)
            .ProducesProblem(429).ProducesProblem(503);

        app.MapGet("/api/models", () => Results.Json(ListModels(host), MoodWebHost.JsonOptions))
            .WithName("ListModels")
            .WithSummary("Registered models and their versions: metrics, aliases, stages; the version the server predicts with.")
            .Produces<ModelsResponse>();

        app.MapPost("/api/models/{name}/versions/{version}/promote",
                (HttpContext context, string name, string version, string? alias, string? stage,
                        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "archive_existing")] bool? archiveExisting) =>
                    PromoteAsync(context, host, log, name, version, new PromoteRequest { Alias = alias, Stage = stage, ArchiveExisting = archiveExisting }))
            .WithName("Promote")
            .WithSummary("Points an alias at a version and/or moves it to a stage. Requires 'Authorization: Bearer MMCS_ADMIN_TOKEN'.")
            .WithDescription("Body (JSON, optional): {\"alias\": \"champion\", \"stage\": \"Production\", \"archive_existing\": true}; " +
                             "the same names work as query parameters. Without MMCS_ADMIN_TOKEN set on the server, promotion over HTTP is disabled (403).")
            .AddOpenApiOperationTransformer(async (operation, context, ct) =>
            {
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = false,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(PromoteRequest), null, ct) },
                    },
                };
            })
            .Produces<ModelVersionResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);
    }

    private static ILogger GetLogger(this IServiceProvider services, string name) =>
        ((ILoggerFactory)services.GetService(typeof(ILoggerFactory))!).CreateLogger(name);

    // ------------------------------------------------------------------ predict

    private static async Task<IResult> PredictAsync(HttpContext context, MoodWebHost host, ILogger log, string? model, bool spectrogram)
    {
        var options = host.Options;
        var ct = context.RequestAborted;
        if (model != null)
        {
            if (!options.AllowModelOverride)
                return WebProblems.Result(400, "Invalid request", "This server answers with its own model only ('model' is not accepted).", ErrorCodes.InvalidParameterValue);
            if (!model.StartsWith("models:/", StringComparison.OrdinalIgnoreCase))
                return WebProblems.Result(400, "Invalid request",
                    $"'model' must be a registered model URI (models:/NAME/VERSION, models:/NAME@ALIAS or models:/NAME/STAGE), got '{UploadReceiver.DisplayName(model)}'.",
                    ErrorCodes.InvalidParameterValue);
        }
        // shed load before reading the upload when nothing could take it
        if (host.Gate.IsFull) return TooBusy(context, host);

        using var upload = await UploadReceiver.ReceiveAsync(context.Request, options.MaxUploadBytes, host.UploadDirectory, ct);
        string? format = AudioSniffer.Detect(upload.Path);
        if (format == null)
        {
            return WebProblems.Result(415, "Not an audio file",
                $"'{upload.DisplayName}' is not an audio file this server reads: its content is none of {AudioSniffer.Supported} " +
                "(the file name does not matter, the bytes do).", WebErrorCodes.UnsupportedMediaType);
        }
        using var slot = await host.Gate.TryEnterAsync(ct);
        if (slot == null) return TooBusy(context, host);
        if (options.BeforeAnalysis != null) await options.BeforeAnalysis(ct);

        using var lease = AcquireModel(host, model);
        var watch = Stopwatch.StartNew();
        if (options.MaxSongSeconds is { } maxSeconds && DurationProbe.NeedsProbe(format, upload.Length, maxSeconds)
            && DurationProbe.Seconds(upload.Path, format, ct) is { } duration && duration > maxSeconds)
        {
            return WebProblems.Result(422, "Song too long",
                $"'{upload.DisplayName}' plays for {Clock(duration)}, longer than this server analyses ({Clock(maxSeconds)}; set with --max-song-minutes).",
                ErrorCodes.AudioInvalid);
        }
        try
        {
            int degree = options.ParallelWindows ? Math.Max(1, Environment.ProcessorCount / Math.Max(1, host.Gate.Running)) : 1;
            var prediction = WindowParallelism.Predict(lease.Predictor, upload.Path, degree, ct);
            double elapsed = watch.Elapsed.TotalMilliseconds;
            string? image = spectrogram ? MelImage.DataUrl(MelImage.Png(upload.Path, lease.Model.Manifest.Featurizer, ct)) : null;
            log.LogInformation("predict {File} ({Bytes} bytes, {Format}): {Mood} by {Model} in {Ms:0} ms", upload.DisplayName, upload.Length, format,
                prediction.Mood, lease.Answering, elapsed);
            return Results.Json(PredictResponse.From(prediction, upload.DisplayName, lease.Answering, lease.Model.Labels,
                lease.Model.Manifest.Featurizer.ExcerptSeconds, format, elapsed, image), MoodWebHost.JsonOptions);
        }
        catch (MmcsException e) when (e.Message.Contains(upload.Path, StringComparison.Ordinal))
        {
            // name the upload as the client knows it, never the server's temporary path
            var (status, title, _, code) = WebProblems.Describe(e);
            throw new WebProblemException(status, title, e.Message.Replace(upload.Path, $"'{upload.DisplayName}'", StringComparison.Ordinal), code);
        }
    }

    private static string Clock(double seconds) =>
        TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", Invariant.Culture);

    private static ModelLease AcquireModel(MoodWebHost host, string? model)
    {
        try
        {
            return host.Models.Acquire(model);
        }
        catch (MmcsException e) when (model == null && e.ErrorCode == ErrorCodes.ResourceDoesNotExist)
        {
            throw new WebProblemException(503, "No model to answer",
                $"The server's model {host.Options.ModelUri} is not available: {e.Message} Train and register one (e.g. ./mmcs demo) " +
                "or start the server with --model.", e.ErrorCode);
        }
    }

    private static IResult TooBusy(HttpContext context, MoodWebHost host)
    {
        context.Response.Headers.RetryAfter = host.Options.RetryAfterSeconds.ToString(Invariant.Culture);
        return WebProblems.Result(429, "Too many requests",
            $"The server is analysing {host.Gate.Running} songs with {host.Gate.Queued} waiting (its limit); try again in {host.Options.RetryAfterSeconds} s.",
            WebErrorCodes.TooManyRequests);
    }

    // ------------------------------------------------------------------ models

    private static ModelsResponse ListModels(MoodWebHost host)
    {
        var registry = new ModelRegistry(host.Store);
        var models = new List<RegisteredModelResponse>();
        string? token = null;
        do
        {
            var page = host.Store.SearchRegisteredModels(null, 100, token);
            foreach (var m in page.Items)
            {
                var versions = registry.Versions(m.Name).Select(ModelVersionResponse.From).ToArray();
                models.Add(new RegisteredModelResponse(m.Name, m.Description,
                    m.Aliases.OrderBy(a => a.Alias, StringComparer.Ordinal).ToDictionary(a => a.Alias, a => a.Version, StringComparer.Ordinal),
                    m.Tags, m.CreationTimestamp, m.LastUpdatedTimestamp, versions));
            }
            token = page.NextPageToken;
        }
        while (token != null);
        string? serving = null, servingError = null;
        try
        {
            string uri = host.Options.ModelUri;
            if (uri.StartsWith("models:", StringComparison.OrdinalIgnoreCase))
            {
                var resolved = new ModelUriResolver(host.Store).Resolve(uri);
                serving = resolved.Name != null && resolved.Version != null ? $"models:/{resolved.Name}/{resolved.Version}" : resolved.Uri;
            }
            else
            {
                serving = uri;
            }
        }
        catch (MmcsException e)
        {
            servingError = e.Message;
        }
        return new ModelsResponse(host.Options.ModelUri, serving, servingError, !string.IsNullOrEmpty(host.Options.AdminToken), host.Store.TrackingUri,
            models.OrderBy(m => m.Name, StringComparer.Ordinal).ToArray());
    }

    // ------------------------------------------------------------------ promote

    private static async Task<IResult> PromoteAsync(HttpContext context, MoodWebHost host, ILogger log, string name, string version, PromoteRequest query)
    {
        if (Authorize(context, host.Options.AdminToken) is { } refused) return refused;
        var body = await ReadPromoteBodyAsync(context.Request, context.RequestAborted);
        var request = new PromoteRequest
        {
            Alias = Blank(body?.Alias) ?? Blank(query.Alias),
            Stage = Blank(body?.Stage) ?? Blank(query.Stage),
            ArchiveExisting = body?.ArchiveExisting ?? query.ArchiveExisting,
        };
        if (request.Alias == null && request.Stage == null)
            return WebProblems.Result(400, "Invalid request", $"Promoting {name} version {version} needs an alias (e.g. champion) or a stage (Staging, Production, Archived).",
                ErrorCodes.InvalidParameterValue);
        var updated = new ModelRegistry(host.Store).Promote(name, version, request.Alias, request.Stage, request.ArchiveExisting ?? true);
        log.LogWarning("promoted {Name} version {Version}: alias {Alias}, stage {Stage} (from {Remote})", name, version, request.Alias ?? "-",
            request.Stage ?? "-", context.Connection.RemoteIpAddress);
        return Results.Json(ModelVersionResponse.From(updated), MoodWebHost.JsonOptions);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static async Task<PromoteRequest?> ReadPromoteBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength == 0 || string.IsNullOrEmpty(request.ContentType)) return null;
        if (request.HasJsonContentType())
        {
            try
            {
                return await request.ReadFromJsonAsync<PromoteRequest>(MoodWebHost.JsonOptions, ct);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new WebProblemException(400, "Invalid request", $"The body is not valid JSON for a promotion ({e.Message}).", ErrorCodes.InvalidParameterValue);
            }
        }
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            return new PromoteRequest
            {
                Alias = form["alias"].FirstOrDefault(),
                Stage = form["stage"].FirstOrDefault(),
                ArchiveExisting = bool.TryParse(form["archive_existing"].FirstOrDefault(), out bool a) ? a : null,
            };
        }
        throw new WebProblemException(415, "Unsupported media type", "Send the promotion as JSON ({\"alias\": …, \"stage\": …}), a form, or query parameters.",
            WebErrorCodes.UnsupportedMediaType);
    }

    /// <summary>Null when the request carries the admin token; otherwise the refusal (403 when promotion over HTTP is disabled, 401 without the right token).</summary>
    internal static IResult? Authorize(HttpContext context, string? adminToken)
    {
        if (string.IsNullOrEmpty(adminToken))
        {
            return WebProblems.Result(403, "Promotion over HTTP is disabled",
                $"This server was started without {MoodWebOptions.AdminTokenVariable}, so it refuses to promote models over HTTP. " +
                $"Set {MoodWebOptions.AdminTokenVariable} to a secret and restart the server to allow it (send it as 'Authorization: Bearer <token>'), " +
                "or promote on the command line: ./mmcs registry promote NAME VERSION --alias champion.",
                WebErrorCodes.PermissionDenied);
        }
        string header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        string? given = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
        if (given is { Length: > 0 } && TokensEqual(given, adminToken)) return null;
        context.Response.Headers.WWWAuthenticate = given == null ? "Bearer realm=\"mmcs\"" : "Bearer realm=\"mmcs\", error=\"invalid_token\"";
        return WebProblems.Result(401, "Admin token required",
            given == null
                ? $"Promotion requires the admin token: send 'Authorization: Bearer <{MoodWebOptions.AdminTokenVariable}>'."
                : "The admin token is wrong.",
            WebErrorCodes.Unauthenticated);
    }

    /// <summary>Constant-time comparison (of hashes, so the length does not leak either).</summary>
    private static bool TokensEqual(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
