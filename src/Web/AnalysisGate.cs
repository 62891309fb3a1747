using System.Threading.RateLimiting;

namespace Mmcs.Web;

/// <summary>
/// Bounds the analyses running at once (decode, features, models: CPU and memory heavy) and the requests waiting for
/// one; a request that finds the queue full is refused at once (429 with Retry-After) instead of piling up.
/// </summary>
public sealed class AnalysisGate : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    public AnalysisGate(int maxConcurrent, int maxQueued)
    {
        MaxConcurrent = maxConcurrent;
        MaxQueued = maxQueued;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = maxConcurrent,
            QueueLimit = maxQueued,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public int MaxConcurrent { get; }
    public int MaxQueued { get; }

    public int Running => MaxConcurrent - (int)(_limiter.GetStatistics()?.CurrentAvailablePermits ?? MaxConcurrent);
    public int Queued => (int)(_limiter.GetStatistics()?.CurrentQueuedCount ?? 0);

    /// <summary>True when every slot is busy and the queue is full (a new request would be refused).</summary>
    public bool IsFull => Running >= MaxConcurrent && Queued >= MaxQueued;

    /// <summary>A slot (dispose it when the analysis ends), or null when the queue is full.</summary>
    public async ValueTask<IDisposable?> TryEnterAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        return null;
    }

    public void Dispose() => _limiter.Dispose();
}
