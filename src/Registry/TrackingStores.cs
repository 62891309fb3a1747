namespace Mmcs.Registry;

/// <summary>
/// Tracking URI resolution as MLflow users expect it: explicit URI (e.g. <c>--tracking-uri</c>) &gt;
/// <c>MLFLOW_TRACKING_URI</c> &gt; <c>./mlruns</c>. File URIs and plain paths select the file store
/// (returned as <c>file:///abs/path</c>), <c>http(s)://</c> the REST store.
/// </summary>
public static class TrackingStores
{
    public const string EnvironmentVariable = "MLFLOW_TRACKING_URI";
    public const string DefaultPath = "mlruns";

    public static string ResolveUri(string? explicitUri, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        string raw = !string.IsNullOrWhiteSpace(explicitUri) ? explicitUri.Trim()
            : env(EnvironmentVariable) is { Length: > 0 } e && !string.IsNullOrWhiteSpace(e) ? e.Trim()
            : DefaultPath;
        if (IsHttp(raw)) return raw;
        if (raw.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return FileStore.FileStore.ToFileUri(FileStore.FileStore.LocalPathFromUri(raw));
        if (HasScheme(raw)) return raw; // unsupported scheme: Open names it
        return FileStore.FileStore.ToFileUri(raw);
    }

    public static ITrackingStore Open(string? explicitUri = null, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        string uri = ResolveUri(explicitUri, env);
        if (IsHttp(uri)) return new Rest.RestStore(uri, Rest.RestCredentials.FromEnvironment(env));
        if (uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return new FileStore.FileStore(uri);
        throw MlflowException.Invalid(
            $"Unsupported tracking URI '{uri}': use a folder path, a file:///abs/path URI, or an http(s):// MLflow tracking server.");
    }

    internal static bool IsHttp(string uri) =>
        uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>A URI scheme of two or more characters (so that Windows drive letters count as paths).</summary>
    private static bool HasScheme(string text)
    {
        int colon = text.IndexOf(':');
        if (colon < 2) return false;
        for (int i = 0; i < colon; i++)
        {
            char c = text[i];
            bool ok = i == 0 ? char.IsAsciiLetter(c) : char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.';
            if (!ok) return false;
        }
        return true;
    }
}
