using Mmcs.Core;
using Mmcs.Registry;
using Mmcs.Registry.Models;
using Mmcs.Train.Predict;

namespace Mmcs.Web;

/// <summary>A loaded model held for the length of one analysis; disposing it gives it back to the cache.</summary>
public sealed class ModelLease : IDisposable
{
    private readonly Action _release;
    private int _released;

    internal ModelLease(MoodModel model, MoodPredictor predictor, string answering, Action release)
    {
        Model = model;
        Predictor = predictor;
        Answering = answering;
        _release = release;
    }

    public MoodModel Model { get; }
    public MoodPredictor Predictor { get; }

    /// <summary>The version that answers, e.g. <c>models:/mood/3</c> (or the folder of a local model).</summary>
    public string Answering { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _release();
    }
}

/// <summary>
/// Resolves model URIs against the tracking store on every request (so promoting a new champion takes effect at once)
/// and keeps the loaded models, one per resolved version, shared by all requests: each version is loaded once, the
/// least recently used is dropped when more than <see cref="MoodWebOptions.ModelCacheSize"/> are held, and a dropped
/// model is disposed only when the last analysis using it ends. Thread-safe.
/// </summary>
public sealed class ModelProvider : IDisposable
{
    private readonly MoodWebOptions _options;
    private readonly ITrackingStore _store;
    private readonly ModelUriResolver _resolver;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private long _clock;
    private bool _disposed;

    public ModelProvider(MoodWebOptions options, ITrackingStore store)
    {
        _options = options;
        _store = store;
        _resolver = new ModelUriResolver(store);
    }

    /// <summary>Versions currently loaded (their keys: <c>models:/name/version</c> or a folder).</summary>
    public IReadOnlyList<string> Loaded
    {
        get
        {
            lock (_lock) return _entries.Where(e => e.Value.Model.IsValueCreated && !e.Value.Model.Value.Faulted).Select(e => e.Key).Order(StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>Resolves <paramref name="uri"/> (null: the server's model) and returns the loaded model.</summary>
    public ModelLease Acquire(string? uri = null)
    {
        var (key, localPath) = Resolve(uri ?? _options.ModelUri);
        Entry entry;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry(key, new Lazy<LoadedModel>(() => LoadedModel.Load(localPath, key, _options), LazyThreadSafetyMode.ExecutionAndPublication));
                _entries[key] = entry;
            }
            entry.References++;
            entry.LastUsed = ++_clock;
        }
        LoadedModel loaded;
        try
        {
            loaded = entry.Model.Value;
            if (loaded.Faulted) throw loaded.Error!;
        }
        catch
        {
            lock (_lock)
            {
                entry.References--;
                // a failed load is not cached: the next request tries again (e.g. after the files were restored)
                if (_entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry)) _entries.Remove(key);
            }
            throw;
        }
        lock (_lock) EvictLeastRecentlyUsed();
        return new ModelLease(loaded.Model!, loaded.Predictor!, key, () => Release(entry));
    }

    /// <summary>The registry key of <paramref name="uri"/> and its local folder.</summary>
    private (string Key, string LocalPath) Resolve(string uri)
    {
        var resolved = _resolver.Resolve(uri);
        return (resolved.Identity, resolved.LocalPath);
    }

    private void Release(Entry entry)
    {
        lock (_lock)
        {
            entry.References--;
            if (entry.Evicted && entry.References == 0) entry.DisposeModel();
        }
    }

    private void EvictLeastRecentlyUsed()
    {
        while (_entries.Count > _options.ModelCacheSize)
        {
            var victim = _entries.Values.MinBy(e => e.LastUsed)!;
            _entries.Remove(victim.Key);
            victim.Evicted = true;
            if (victim.References == 0) victim.DisposeModel();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var e in _entries.Values)
            {
                e.Evicted = true;
                if (e.References == 0) e.DisposeModel();
            }
            _entries.Clear();
        }
    }

    private sealed class Entry(string key, Lazy<LoadedModel> model)
    {
        public string Key { get; } = key;
        public Lazy<LoadedModel> Model { get; } = model;
        public int References { get; set; }
        public long LastUsed { get; set; }
        public bool Evicted { get; set; }

        public void DisposeModel()
        {
            if (Model.IsValueCreated) Model.Value.Model?.Dispose();
        }
    }

    private sealed record LoadedModel(MoodModel? Model, MoodPredictor? Predictor, Exception? Error)
    {
        public bool Faulted => Error != null;

        public static LoadedModel Load(string localPath, string answering, MoodWebOptions options)
        {
            try
            {
                var model = MoodModel.Load(localPath, answering);
                return new LoadedModel(model, new MoodPredictor(model, new PredictOptions { HopSeconds = options.HopSeconds, TestTimeAugmentation = options.TestTimeAugmentation }), null);
            }
            catch (MmcsException e)
            {
                return new LoadedModel(null, null, e);
            }
        }
    }
}
