using System.Diagnostics;
using System.Threading.Channels;
using Mmcs.Core;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;

namespace Mmcs.Featurize.Batch;

/// <summary>
/// Batch featurisation: files, folders or dataset items → feature rows (a CSV/Parquet table, per-clip .npz
/// arrays, and/or a callback), using every core and the feature cache.
/// <para>Pipeline: files are hashed (SHA-256, for the cache and the shard), then decode workers take groups of
/// <see cref="FeatureExtractionRequest.FilesPerDecode"/> files, answer what they can from the cache and decode the
/// rest (several files per ffmpeg process); featurise workers compute the misses (and augmented copies) and
/// store them in the cache; one writer emits rows in input order. Queues are bounded, arrays are written as they
/// come and only small rows wait for their turn, so memory does not grow with the number of files.</para>
/// <para>A bad file becomes a <see cref="FileFailure"/> (a too-short one a <see cref="FileSkip"/>) and the rest go
/// on. Cancellation and a missing ffmpeg stop the run (no partial table is left; cache entries written so far
/// are kept, so a re-run resumes).</para>
/// </summary>
public static class FeatureExtraction
{
    /// <summary>Runs a featurisation with the project's <see cref="ClipFeaturizer"/> (built from the request's options)
    /// and writes what the request asks for: the one call behind <c>mmcs features extract</c>.</summary>
    public static Task<FeatureExtractionSummary> RunAsync(FeatureExtractionRequest request,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync(request, new ClipFeaturizer(request.Options), null, progress, cancellationToken);
    }

    /// <summary>Runs a featurisation with a given featuriser and writes what the request asks for.</summary>
    public static Task<FeatureExtractionSummary> RunAsync(FeatureExtractionRequest request, IClipFeaturizer featurizer,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(request, featurizer, null, progress, cancellationToken);

    /// <summary>Runs a featurisation; <paramref name="onClip"/> also receives every row (with its arrays when the
    /// request asks for them), in input order, clips before their augmented copies.</summary>
    public static async Task<FeatureExtractionSummary> RunAsync(FeatureExtractionRequest request, IClipFeaturizer featurizer,
        Func<ExtractedClip, CancellationToken, ValueTask>? onClip, IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(featurizer);
        request.Validate();
        if (request.Options != featurizer.Options)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, "the request's FeaturizerOptions differ from the featuriser's; build the featuriser with the request's options");
        var run = new Run(request, featurizer, onClip, progress ?? Progress.None);
        return await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    internal sealed record WorkItem(int Seq, string Path, string Id, string? Label, string? Group, string SongId)
    {
        public string ContentHash { get; set; } = "";
    }

    private sealed record Outcome(WorkItem Item, List<ExtractedClip> Rows, FileSkip? Skip, FileFailure? Failure, int Hits, int Computed);

    private sealed class Run
    {
        private readonly FeatureExtractionRequest _req;
        private readonly IClipFeaturizer _featurizer;
        private readonly Func<ExtractedClip, CancellationToken, ValueTask>? _onClip;
        private readonly IProgress<ProgressUpdate> _progress;
        private readonly AudioLoader _loader;
        private readonly FeatureCache? _cache;
        private readonly ImageOptions? _images;
        private readonly string _configHash;
        private readonly IReadOnlyList<string> _names;
        private readonly string[] _variants; // "" then each copy's id
        private readonly int _windows; // texture windows per clip (1 without windows)
        private readonly int _parallelism;
        private long _hashTicks, _decodeTicks, _featureTicks, _writeTicks;

        public Run(FeatureExtractionRequest req, IClipFeaturizer featurizer, Func<ExtractedClip, CancellationToken, ValueTask>? onClip, IProgress<ProgressUpdate> progress)
        {
            _req = req;
            _featurizer = featurizer;
            _onClip = onClip;
            _progress = progress;
            _loader = new AudioLoader(req.Options, req.Loader with { Ffmpeg = req.Loader.Ffmpeg with { MaxFilesPerProcess = req.FilesPerDecode } });
            _images = req.Images ?? (req.ArraysDirectory != null ? ImageOptions.OriginalStudy : null);
            _names = featurizer.FeatureNames(req.Set);
            _configHash = FeatureCache.ConfigHash(featurizer.GetType().FullName ?? "featurizer", req.Options, req.Set, req.Loader, req.Windows?.CacheText);
            _variants = [""];
            if (req.Augmentation != null) _variants = [.. _variants, .. req.Augmentation.Copies.Select(c => c.Id)];
            _windows = req.Windows?.Count(req.Options) ?? 1;
            _parallelism = req.MaxDegreeOfParallelism ?? Environment.ProcessorCount;
            if (req.CacheDirectory != null)
            {
                _cache = new FeatureCache(req.CacheDirectory);
                _cache.Describe(_configHash, new
                {
                    FeatureCache.CodeVersion,
                    Featurizer = featurizer.GetType().FullName,
                    Set = req.Set.ToString(),
                    req.Options,
                    Resampler = req.Loader.Resampler,
                    req.Loader.SilencePeak,
                    req.Windows,
                }, _names);
            }
        }

        private static string PathHash(string path) =>
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path)));

        public async Task<FeatureExtractionSummary> ExecuteAsync(CancellationToken outerCt)
        {
            var wall = Stopwatch.StartNew();
            var items = ResolveItems();
            var failures = new List<FileFailure>();
            var skips = new List<FileSkip>();

            // 1. Content hashes (cache keys and shard assignment).
            bool needHash = _cache != null || _req.Shard != null;
            var hashFailures = new Dictionary<string, FileFailure>(StringComparer.Ordinal);
            if (needHash)
            {
                var t = Stopwatch.GetTimestamp();
                int hashed = 0;
                await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = outerCt }, (item, _) =>
                {
                    try
                    {
                        item.ContentHash = FeatureCache.HashFile(item.Path);
                    }
                    catch (MmcsException e)
                    {
                        lock (hashFailures) hashFailures[item.Path] = new FileFailure(item.Path, e.ErrorCode, e.Message);
                    }
                    catch (IOException e)
                    {
                        lock (hashFailures) hashFailures[item.Path] = new FileFailure(item.Path, ErrorCodes.AudioDecodeFailed, $"{item.Path}: cannot be read: {e.Message}");
                    }
                    int n = Interlocked.Increment(ref hashed);
                    if (n % 64 == 0 || n == items.Count) _progress.Report(new ProgressUpdate("hash", n, items.Count));
                    return ValueTask.CompletedTask;
                }).ConfigureAwait(false);
                _hashTicks = Stopwatch.GetTimestamp() - t;
            }
            int outside = 0;
            if (_req.Shard is { } shard)
            {
                // a file that cannot be read has no content hash: its path decides its shard, so that one shard reports it
                var kept = items.Where(i => shard.Contains(hashFailures.ContainsKey(i.Path) ? PathHash(i.Path) : i.ContentHash)).ToList();
                outside = items.Count - kept.Count;
                items = kept;
            }
            items = items.Select((i, k) => i with { Seq = k }).ToList(); // (with copies ContentHash too)
            var failedSeqs = new Dictionary<int, FileFailure>();
            foreach (var item in items)
            {
                if (hashFailures.TryGetValue(item.Path, out var f)) failedSeqs[item.Seq] = f;
            }

            // 2. The pipeline.
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(outerCt);
            var ct = cts.Token;
            var batches = Channel.CreateBounded<List<WorkItem>>(new BoundedChannelOptions(Math.Max(1, _parallelism)) { SingleWriter = true });
            var clips = Channel.CreateBounded<(WorkItem Item, LoadedClip Clip, ExtractedClip?[] Cached)>(new BoundedChannelOptions(2 * _parallelism));
            var outcomes = Channel.CreateBounded<Outcome>(new BoundedChannelOptions(4 * _parallelism + _req.FilesPerDecode));

            var producer = Task.Run(async () =>
            {
                try
                {
                    var batch = new List<WorkItem>();
                    foreach (var item in items)
                    {
                        if (failedSeqs.TryGetValue(item.Seq, out var f))
                        {
                            await outcomes.Writer.WriteAsync(new Outcome(item, [], null, f, 0, 0), ct).ConfigureAwait(false);
                            continue;
                        }
                        batch.Add(item);
                        if (batch.Count == _req.FilesPerDecode)
                        {
                            await batches.Writer.WriteAsync(batch, ct).ConfigureAwait(false);
                            batch = [];
                        }
                    }
                    if (batch.Count > 0) await batches.Writer.WriteAsync(batch, ct).ConfigureAwait(false);
                }
                finally
                {
                    batches.Writer.TryComplete();
                }
            }, ct);

            var decoders = Enumerable.Range(0, _parallelism).Select(_ => Task.Run(() => DecodeLoopAsync(batches.Reader, clips.Writer, outcomes.Writer, ct), ct)).ToArray();
            var decodersDone = Task.WhenAll(decoders).ContinueWith(t => clips.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
            var featurizers = Enumerable.Range(0, _parallelism).Select(_ => Task.Run(() => FeatureLoopAsync(clips.Reader, outcomes.Writer, ct), ct)).ToArray();
            var allWorkers = Task.WhenAll(featurizers.Concat(decoders).Append(producer));
            var workersDone = allWorkers.ContinueWith(t => outcomes.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

            int succeeded = 0, hits = 0, computed = 0;
            long rowsWritten = 0;
            IFeatureTableWriter? table = _req.TablePath != null ? FeatureTableIO.Create(_req.TablePath, _names) : null;
            bool tableWritten = false;
            var index = _req.ArraysDirectory != null ? new List<(FeatureRow Row, string File)>() : null;
            try
            {
                var pending = new Dictionary<int, Outcome>();
                int next = 0, done = 0;
                try
                {
                    await foreach (var o in outcomes.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                    {
                        var tw = Stopwatch.GetTimestamp();
                        if (_req.ArraysDirectory != null)
                        {
                            foreach (var clip in o.Rows)
                            {
                                if (clip.Images != null) WriteArrays(clip);
                            }
                        }
                        pending[o.Item.Seq] = _onClip != null ? o : o with { Rows = o.Rows.Select(r => r with { Images = null }).ToList() };
                        while (pending.Remove(next, out var ready))
                        {
                            next++;
                            if (ready.Failure != null) failures.Add(ready.Failure);
                            else if (ready.Skip != null) skips.Add(ready.Skip);
                            else succeeded++;
                            hits += ready.Hits;
                            computed += ready.Computed;
                            foreach (var clip in ready.Rows)
                            {
                                if (table != null) await table.WriteAsync(clip.Row, ct).ConfigureAwait(false);
                                index?.Add((clip.Row, ArraysFileName(clip.Row.Id)));
                                if (_onClip != null) await _onClip(clip, ct).ConfigureAwait(false);
                                rowsWritten++;
                            }
                        }
                        done++;
                        _writeTicks += Stopwatch.GetTimestamp() - tw;
                        _progress.Report(new ProgressUpdate("featurise", done, items.Count, Path.GetFileName(o.Item.Path)));
                    }
                }
                catch
                {
                    cts.Cancel();
                    throw;
                }
                finally
                {
                    try
                    {
                        await workersDone.ConfigureAwait(false);
                        await allWorkers.ConfigureAwait(false);
                    }
                    catch (Exception) when (ct.IsCancellationRequested)
                    {
                    }
                }
                await allWorkers.ConfigureAwait(false); // rethrows a worker's fatal error (missing ffmpeg...)
                outerCt.ThrowIfCancellationRequested();
                // nothing half-written: no table when every file of this shard failed or was skipped (a shard that was
                // given no file at all writes its empty table, so that the shards' tables can still be merged)
                tableWritten = table != null && (succeeded > 0 || (items.Count == 0 && outside > 0));
                if (tableWritten) await table!.CompleteAsync(ct).ConfigureAwait(false);
                if (index != null) WriteIndex(index);
            }
            finally
            {
                if (table != null) await table.DisposeAsync().ConfigureAwait(false);
            }

            wall.Stop();
            var timings = new ExtractionTimings(wall.Elapsed, Ticks(_hashTicks), Ticks(_decodeTicks), Ticks(_featureTicks), Ticks(_writeTicks));
            return new FeatureExtractionSummary(items.Count, outside, succeeded, skips.Count, failures.Count, hits, computed, rowsWritten,
                _names, failures, skips, timings,
                tableWritten ? Path.GetFullPath(_req.TablePath!) : null,
                _req.ArraysDirectory == null ? null : Path.GetFullPath(_req.ArraysDirectory),
                _cache?.Root);
        }

        private static TimeSpan Ticks(long t) => TimeSpan.FromSeconds((double)t / Stopwatch.Frequency);

        private List<WorkItem> ResolveItems()
        {
            var list = new List<WorkItem>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var it in _req.Items ?? [])
            {
                string full = Path.GetFullPath(it.Path);
                if (seen.Add(full)) list.Add(new WorkItem(list.Count, full, it.SongId, it.Label, it.Group, it.SongId));
            }
            if (_req.Inputs.Count > 0)
            {
                var files = DatasetReader.ExpandAudioPaths(_req.Inputs).Where(seen.Add).ToList();
                string root = CommonDirectory(files);
                foreach (var f in files)
                {
                    string rel = Path.GetRelativePath(root, f);
                    string id = Path.Combine(Path.GetDirectoryName(rel) ?? "", Path.GetFileNameWithoutExtension(rel)).Replace('\\', '/');
                    list.Add(new WorkItem(list.Count, f, id, null, null, id));
                }
            }
            // Ids must be unique (the same song id twice, e.g. a.mp3 and a.wav): suffix the later ones.
            var ids = new HashSet<string>(StringComparer.Ordinal);
            for (int k = 0; k < list.Count; k++)
            {
                string id = list[k].Id;
                for (int n = 2; !ids.Add(id); n++) id = $"{list[k].Id}#{n}";
                if (id != list[k].Id) list[k] = list[k] with { Id = id, SongId = id };
            }
            return list;
        }

        private static string CommonDirectory(IReadOnlyList<string> files)
        {
            if (files.Count == 0) return "/";
            string common = Path.GetDirectoryName(files[0])!;
            foreach (var f in files)
            {
                while (!f.StartsWith(common.EndsWith(Path.DirectorySeparatorChar) ? common : common + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    string? parent = Path.GetDirectoryName(common);
                    if (parent == null) return common;
                    common = parent;
                }
            }
            return common;
        }

        // Rows of a file: slot = variant * _windows + window (variant 0 = the clip, then each augmented copy).
        private int Slots => _variants.Length * _windows;

        private string? WindowSuffix(int slot) => _req.Windows == null ? null : "@w" + (slot % _windows).ToString(Invariant.Culture);

        private CacheKey Key(WorkItem item, int slot) =>
            new(item.ContentHash, _configHash, _variants[slot / _windows] + WindowSuffix(slot)?.Replace('@', '_'));

        private ExtractedClip Extracted(WorkItem item, int slot, double[] values, FeatureImages? images, bool fromCache)
        {
            int variant = slot / _windows;
            string? aug = variant == 0 ? null : _req.Augmentation!.Copies[variant - 1].Name;
            string id = (variant == 0 ? item.Id : item.Id + "~" + aug) + WindowSuffix(slot);
            return new ExtractedClip(new FeatureRow(id, item.Path, item.Label, item.Group, item.SongId, aug, values), images, fromCache,
                _req.Windows == null ? null : slot % _windows);
        }

        private async Task DecodeLoopAsync(ChannelReader<List<WorkItem>> batches, ChannelWriter<(WorkItem, LoadedClip, ExtractedClip?[])> clips, ChannelWriter<Outcome> outcomes, CancellationToken ct)
        {
            await foreach (var batch in batches.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var toDecode = new List<(WorkItem Item, ExtractedClip?[] Cached)>();
                foreach (var item in batch)
                {
                    var cached = new ExtractedClip?[Slots];
                    if (_cache != null)
                    {
                        for (int v = 0; v < cached.Length; v++)
                        {
                            if (_cache.TryGet(Key(item, v), _images, out var f))
                                cached[v] = Extracted(item, v, f!.Vector.Values, f.Images, true);
                        }
                    }
                    if (cached.All(c => c != null))
                        await outcomes.WriteAsync(new Outcome(item, cached.ToList()!, null, null, cached.Length, 0), ct).ConfigureAwait(false);
                    else toDecode.Add((item, cached));
                }
                if (toDecode.Count == 0) continue;
                var t = Stopwatch.GetTimestamp();
                var loaded = _loader.LoadExcerpts(toDecode.Select(x => x.Item.Path).ToList(), ct);
                Interlocked.Add(ref _decodeTicks, Stopwatch.GetTimestamp() - t);
                for (int k = 0; k < toDecode.Count; k++)
                {
                    var (item, cached) = toDecode[k];
                    var clip = loaded[k];
                    switch (clip.Outcome)
                    {
                        case ClipOutcome.Loaded:
                            await clips.WriteAsync((item, clip, cached), ct).ConfigureAwait(false);
                            break;
                        case ClipOutcome.Skipped:
                            await outcomes.WriteAsync(new Outcome(item, [], new FileSkip(item.Path, clip.Reason!), null, 0, 0), ct).ConfigureAwait(false);
                            break;
                        default:
                            await outcomes.WriteAsync(new Outcome(item, [], null, Failure(item.Path, clip.Error!), 0, 0), ct).ConfigureAwait(false);
                            break;
                    }
                }
            }
        }

        private async Task FeatureLoopAsync(ChannelReader<(WorkItem Item, LoadedClip Clip, ExtractedClip?[] Cached)> clips, ChannelWriter<Outcome> outcomes, CancellationToken ct)
        {
            await foreach (var (item, clip, cached) in clips.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var t = Stopwatch.GetTimestamp();
                Outcome outcome;
                try
                {
                    var rows = new List<ExtractedClip>();
                    int computed = 0;
                    AudioSignal? signal = null; // the clip or augmented copy the current slot's window is cut from
                    for (int v = 0; v < cached.Length; v++)
                    {
                        ct.ThrowIfCancellationRequested();
                        if (v % _windows == 0) signal = null;
                        if (cached[v] is { } hit)
                        {
                            rows.Add(hit);
                            continue;
                        }
                        int variant = v / _windows;
                        signal ??= variant == 0 ? clip.Signal! : _req.Augmentation!.Apply(clip.Signal!, item.SongId, variant - 1);
                        var input = _req.Windows == null ? signal : _req.Windows.Cut(signal, v % _windows, _req.Options);
                        var features = _featurizer.Extract(input, _req.Set, _images);
                        if (features.Vector.Values.Length != _names.Count)
                            throw new MmcsException(ErrorCodes.InternalError, $"{item.Path}: the featuriser returned {features.Vector.Values.Length} values for {_names.Count} names");
                        _cache?.Put(Key(item, v), features, _images);
                        rows.Add(Extracted(item, v, features.Vector.Values, features.Images, false));
                        computed++;
                    }
                    outcome = new Outcome(item, rows, null, null, cached.Length - computed, computed);
                }
                catch (OperationCanceledException)
                {
                    throw;
                }
                catch (Exception e)
                {
                    outcome = new Outcome(item, [], null, Failure(item.Path, e), 0, 0);
                }
                Interlocked.Add(ref _featureTicks, Stopwatch.GetTimestamp() - t);
                await outcomes.WriteAsync(outcome, ct).ConfigureAwait(false);
            }
        }

        private static FileFailure Failure(string path, Exception e) => e switch
        {
            MissingDependencyException => throw e, // not a property of the file: stop the run
            MmcsException m => new FileFailure(path, m.ErrorCode, m.Message.Contains(path, StringComparison.Ordinal) ? m.Message : $"{path}: {m.Message}"),
            _ => new FileFailure(path, ErrorCodes.InternalError, $"{path}: {e.GetType().Name}: {e.Message}"),
        };

        private string ArraysFileName(string id)
        {
            var parts = id.Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p is "." or ".." ? "_" : string.Concat(p.Select(c => Path.GetInvalidFileNameChars().Contains(c) ? '_' : c)));
            return string.Join('/', parts) + ".npz";
        }

        private void WriteArrays(ExtractedClip clip)
        {
            string file = Path.Combine(_req.ArraysDirectory!, ArraysFileName(clip.Row.Id));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var im = clip.Images!;
            Npz.Write(file, new Dictionary<string, FeatureMatrix> { ["spectrogram_db"] = im.SpectrogramDb, ["mfcc"] = im.Mfcc, ["mel_db"] = im.MelDb });
        }

        private void WriteIndex(List<(FeatureRow Row, string File)> index)
        {
            string path = Path.Combine(_req.ArraysDirectory!, "index.csv");
            Directory.CreateDirectory(_req.ArraysDirectory!);
            string tmp = FeatureTableIO.TempPathFor(path);
            using (var w = new StreamWriter(tmp, false, new System.Text.UTF8Encoding(false)))
            {
                Csv.WriteRow(w, ["id", "path", "label", "group", "song", "augmentation", "file"]);
                foreach (var (r, f) in index) Csv.WriteRow(w, [r.Id, r.Path, r.Label, r.Group, r.Song, r.Augmentation, f]);
            }
            File.Move(tmp, path, overwrite: true);
        }
    }
}
