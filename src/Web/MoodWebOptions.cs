namespace Mmcs.Web;

/// <summary>Settings of the MMCS web server (<c>mmcs serve</c>).</summary>
public sealed record MoodWebOptions
{
    public const string DefaultModelUri = "models:/mood@champion";
    public const string AdminTokenVariable = "MMCS_ADMIN_TOKEN";
    public const long DefaultMaxUploadBytes = 50L * 1024 * 1024;

    /// <summary>Addresses Kestrel listens on (port 0: any free port).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:5000"];

    /// <summary>The model that answers <c>POST /api/predict</c> (re-resolved per request, so a promotion takes effect at once).</summary>
    public string ModelUri { get; init; } = DefaultModelUri;

    /// <summary>Tracking store (null: $MLFLOW_TRACKING_URI, else ./mlruns).</summary>
    public string? TrackingUri { get; init; }

    /// <summary>Largest upload accepted (bytes of the audio file); larger ones are refused with 413.</summary>
    public long MaxUploadBytes { get; init; } = DefaultMaxUploadBytes;

    /// <summary>Longest song analysed (its duration is read before decoding); longer ones are refused with 422, so a
    /// small compressed file cannot expand into hours of audio in memory. Null: no limit.</summary>
    public double? MaxSongSeconds { get; init; } = 20 * 60;

    /// <summary>Analyses run at the same time (decode, features, models).</summary>
    public int MaxConcurrentAnalyses { get; init; } = Environment.ProcessorCount;

    /// <summary>Analyses waiting for a slot; one more is refused with 429 and Retry-After (null: 4 × <see cref="MaxConcurrentAnalyses"/>).</summary>
    public int? MaxQueuedAnalyses { get; init; }

    /// <summary>Seconds a refused client is asked to wait (Retry-After).</summary>
    public int RetryAfterSeconds { get; init; } = 2;

    /// <summary>The bearer token that promotion over HTTP requires; null or empty disables promotion over HTTP.</summary>
    public string? AdminToken { get; init; }

    /// <summary>Folder for the uploads while they are analysed (null: a private folder under the system temp folder).
    /// Every upload is deleted when its request ends.</summary>
    public string? UploadDirectory { get; init; }

    /// <summary>Seconds between analysis windows of long songs (null: the model's, else half the excerpt).</summary>
    public double? HopSeconds { get; init; }

    /// <summary>Apply a model's test-time augmentation (false: its original windows only; faster).</summary>
    public bool TestTimeAugmentation { get; init; } = true;

    /// <summary>Loaded models kept in memory (one per resolved version); the least recently used goes first.</summary>
    public int ModelCacheSize { get; init; } = 3;

    /// <summary>Split a song's windows over the idle cores (a lone request on a 2-core server uses both; under load each
    /// analysis gets one core).</summary>
    public bool ParallelWindows { get; init; } = true;

    /// <summary>Whether a request may ask for another registered model (<c>?model=models:/…</c>; never a folder).</summary>
    public bool AllowModelOverride { get; init; } = true;

    /// <summary>Log requests and lifecycle to the console (false: warnings and errors only).</summary>
    public bool VerboseLogging { get; init; } = true;

    /// <summary>Test hook: awaited inside an analysis slot before the analysis starts.</summary>
    internal Func<CancellationToken, Task>? BeforeAnalysis { get; init; }

    internal int QueueLimit => MaxQueuedAnalyses ?? 4 * MaxConcurrentAnalyses;

    /// <summary>The admin token from the environment (<c>MMCS_ADMIN_TOKEN</c>), or null.</summary>
    public static string? AdminTokenFromEnvironment() =>
        Environment.GetEnvironmentVariable(AdminTokenVariable) is { Length: > 0 } t && !string.IsNullOrWhiteSpace(t) ? t.Trim() : null;

    internal void Validate()
    {
        if (Urls.Count == 0) throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, "--urls: give at least one address");
        foreach (var url in Urls)
        {
            if (ListenAddressProblem(url) is { } problem)
                throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue,
                    $"--urls {string.Join(';', Urls)}: not an address to listen on, such as http://127.0.0.1:5000 ({url}: {problem})");
        }
        if (MaxUploadBytes < 1024)
            throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, $"--max-upload-mb: the upload limit must be at least 1 KB, got {MaxUploadBytes} bytes");
        if (MaxConcurrentAnalyses < 1 || MaxConcurrentAnalyses > 1024)
            throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, $"--max-concurrent must be between 1 and 1024, got {MaxConcurrentAnalyses}");
        if (QueueLimit < 0 || QueueLimit > 100_000)
            throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, $"--max-queue must be between 0 and 100000, got {QueueLimit}");
        if (ModelCacheSize < 1) throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, $"the model cache must hold at least 1 model, got {ModelCacheSize}");
        if (MaxSongSeconds is { } m && !(m > 0))
            throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, $"--max-song-minutes must be positive, got {m / 60}");
        if (HopSeconds is { } h && !(h > 0))
            throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, $"--hop must be positive, got {h}");
        if (string.IsNullOrWhiteSpace(ModelUri)) throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, "--model: the model URI is empty");
    }

    /// <summary>Why <paramref name="url"/> is not an address Kestrel listens on as written, or null. Kestrel itself is
    /// lenient where it should not be: for <c>http://127.0.0.1:notaport</c>, <c>http://127.0.0.1.5000</c> or any host
    /// name other than localhost it listens on every interface (port 80 when the port is not read).</summary>
    internal static string? ListenAddressProblem(string url)
    {
        int sep = url.IndexOf("://", StringComparison.Ordinal);
        if (sep < 0) return "it has no scheme (http:// or https://)";
        string scheme = url[..sep];
        if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
            return $"the scheme '{scheme}' is neither http nor https";
        string rest = url[(sep + 3)..];
        if (rest.StartsWith("unix:/", StringComparison.Ordinal)) return null; // a Unix socket: http://unix:/run/mmcs.sock (as Kestrel, case-sensitive)
        if (rest.EndsWith('/')) rest = rest[..^1];
        if (rest.Contains('/')) return "a path after the address is not supported";
        string host;
        string? port;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            if (close < 0) return "the IPv6 address has no closing ']'";
            host = rest[1..close];
            string after = rest[(close + 1)..];
            if (after.Length > 0 && after[0] != ':') return $"'{after}' after the IPv6 address is not a port";
            port = after.Length > 0 ? after[1..] : null;
            if (!System.Net.IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                return $"'[{host}]' is not an IPv6 address";
        }
        else
        {
            if (rest.Count(c => c == ':') > 1 && System.Net.IPAddress.TryParse(rest, out _))
                return "an IPv6 address goes in brackets, as http://[::1]:5000";
            int colon = rest.IndexOf(':');
            host = colon < 0 ? rest : rest[..colon];
            port = colon < 0 ? null : rest[(colon + 1)..];
            if (host.Length == 0) return "the host is missing";
            bool named = host is "*" or "+" || host.Equals("localhost", StringComparison.OrdinalIgnoreCase);
            if (!named && !System.Net.IPAddress.TryParse(host, out _))
                return $"'{host}' is not an IP address, localhost, * or +, and Kestrel would listen on every interface for it " +
                       "(write http://*:PORT or http://0.0.0.0:PORT if that is what you mean)";
        }
        if (port != null && (port.Length == 0 || port.Length > 5 || !port.All(char.IsAsciiDigit) ||
                             int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) > 65535))
            return $"the port '{port}' is not a number from 0 to 65535";
        return null;
    }
}
