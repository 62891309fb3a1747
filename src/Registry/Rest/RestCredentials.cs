using System.Net.Http.Headers;
using System.Text;

namespace Mmcs.Registry.Rest;

/// <summary>Credentials for an MLflow server: a bearer token (MLFLOW_TRACKING_TOKEN) or basic auth (MLFLOW_TRACKING_USERNAME/PASSWORD).</summary>
public sealed record RestCredentials(string? Token = null, string? Username = null, string? Password = null)
{
    public static RestCredentials FromEnvironment(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        return new RestCredentials(
            env("MLFLOW_TRACKING_TOKEN") is { Length: > 0 } t ? t : null,
            env("MLFLOW_TRACKING_USERNAME") is { Length: > 0 } u ? u : null,
            env("MLFLOW_TRACKING_PASSWORD"));
    }

    /// <summary>The Authorization header to send, or null. The token wins when both are set (as in MLflow's client).</summary>
    public AuthenticationHeaderValue? Header()
    {
        if (Token != null) return new AuthenticationHeaderValue("Bearer", Token);
        if (Username != null)
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password ?? ""}")));
        return null;
    }

    public override string ToString() => Token != null ? "bearer token" : Username != null ? $"basic auth as {Username}" : "no credentials";
}
