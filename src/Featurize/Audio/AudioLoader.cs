using Mmcs.Featurize.Augment;

namespace Mmcs.Featurize.Audio;

/// <summary>How audio files are read, beyond <see cref="FeaturizerOptions"/>.</summary>
public sealed record AudioLoaderOptions
{
    /// <summary>How ffmpeg is run for formats other than PCM/float WAV.</summary>
    public FfmpegOptions Ffmpeg { get; init; } = new();

    /// <summary>The resampler's filter design.</summary>
    public ResamplerQuality Resampler { get; init; } = ResamplerQuality.High;

    /// <summary>A clip whose largest |sample| is at or below this is "only silence" (default 2^-15: one 16-bit LSB, -90.3 dBFS).</summary>
    public double SilencePeak { get; init; } = 1.0 / 32768;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Ffmpeg);
        ArgumentNullException.ThrowIfNull(Resampler);
        Ffmpeg.Validate();
        Resampler.Validate();
        if (!(SilencePeak >= 0 && SilencePeak < 1)) throw new ArgumentException($"SilencePeak {SilencePeak} must be in [0, 1)");
    }
}

/// <summary>What a file was before conversion.</summary>
/// <param name="SampleRate">The file's own sample rate.</param>
/// <param name="Channels">The file's channel count (downmixed to mono by the mean).</param>
/// <param name="DecodedSeconds">Seconds of audio decoded (the part needed, or the whole file).</param>
/// <param name="Decoder">"wav" (native reader) or "ffmpeg".</param>
public sealed record AudioSourceInfo(int SampleRate, int Channels, double DecodedSeconds, string Decoder);

/// <summary>What became of one file.</summary>
public enum ClipOutcome
{
    /// <summary>The clip was loaded.</summary>
    Loaded,

    /// <summary>Skipped by policy (shorter than the excerpt and not padded); <see cref="LoadedClip.Reason"/> says why.</summary>
    Skipped,

    /// <summary>The file is not usable audio; <see cref="LoadedClip.Error"/> is the typed error.</summary>
    Failed,
}

/// <summary>The result of loading one file's excerpt: a clip, a skip with its reason, or a typed error.</summary>
public sealed record LoadedClip(string Path, ClipOutcome Outcome, AudioSignal? Signal, string? Reason, Exception? Error, AudioSourceInfo? Source)
{
    /// <summary>The clip, or the skip/error as an exception (skips as <see cref="ClipTooShortException"/>).</summary>
    public AudioSignal GetSignal()
    {
        if (Signal != null) return Signal;
        if (Outcome == ClipOutcome.Skipped) throw new ClipTooShortException(Path, Reason ?? "skipped");
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(Error!).Throw();
        throw Error!;
    }
}

/// <summary>A clip shorter than the excerpt, when the caller asked for the excerpt as an exception (AUDIO_INVALID).</summary>
public sealed class ClipTooShortException : Core.MmcsException
{
    public ClipTooShortException(string path, string reason)
        : base(Core.ErrorCodes.AudioInvalid, $"{path}: {reason}")
    {
        AudioSource = path;
        Reason = reason;
    }

    public string AudioSource { get; }

    public string Reason { get; }
}

/// <summary>How a whole song is cut into windows for full-song prediction.</summary>
public sealed record WindowOptions
{
    /// <summary>Seconds between window starts (default: half the excerpt, 50 % overlap).</summary>
    public double? HopSeconds { get; init; }

    /// <summary>Add a last window aligned to the song's end when the regular windows leave at least
    /// <see cref="CoverEndMinimumHops"/> of a hop (of the window, when the hop is longer) of it unanalysed (a shorter tail would add a near copy of the last
    /// window and count the song's end twice in its average).</summary>
    public bool CoverEnd { get; init; } = true;

    /// <summary>The shortest unanalysed tail, as a fraction of the hop (of the window when the hop is longer), that
    /// <see cref="CoverEnd"/> adds a window for.</summary>
    public double CoverEndMinimumHops { get; init; } = 0.25;

    /// <summary>
    /// Augmented copies to cut alongside the windows (test-time augmentation of a model trained on windows of copied
    /// excerpts): each copy is made once of a segment of consecutive windows (of the whole song when its windows span at
    /// most <see cref="CopySegmentSeconds"/>), as training copies are made of whole excerpts before they are cut, and each
    /// window carries its span of them in <see cref="AudioWindow.Copies"/>. Seeded by <see cref="CopiesKey"/>, not by the
    /// file's name.
    /// </summary>
    public AugmentationPlan? Copies { get; init; }

    /// <summary>The key the copies of the first segment are seeded with (later segments: the key and their first sample).</summary>
    public string CopiesKey { get; init; } = "song";

    /// <summary>The longest segment copied at once (at least one window): bounds the memory a long song's copies take.</summary>
    public double CopySegmentSeconds { get; init; } = 60;

    /// <summary>The most windows one song is cut into: a hop far shorter than the song asks for (0.0001 s: 240 000
    /// windows of a 30 s clip, hours of work) is refused naming the count.</summary>
    public int MaxWindows { get; init; } = 20_000;
}

/// <summary>One window of a song: the excerpt-length clip starting at <see cref="StartSeconds"/>.</summary>
public sealed record AudioWindow
{
    private readonly AudioSignal? _signal;
    private readonly AudioSignal? _song;
    private readonly int _start, _length;

    /// <summary>A window whose samples are given.</summary>
    public AudioWindow(int index, double startSeconds, AudioSignal signal)
    {
        Index = index;
        StartSeconds = startSeconds;
        _signal = signal;
    }

    /// <summary>A window of a song held once: its <paramref name="length"/> samples from <paramref name="start"/> (zero-padded
    /// past the song's end) are cut when <see cref="Signal"/> is read, so the windows of a long song, which overlap, do
    /// not each keep a copy of their part of it.</summary>
    public AudioWindow(int index, double startSeconds, AudioSignal song, int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Index = index;
        StartSeconds = startSeconds;
        _song = song;
        _start = start;
        _length = length;
    }

    public int Index { get; }

    public double StartSeconds { get; }

    /// <summary>The window's samples (of a song window: a new array at every read).</summary>
    public AudioSignal Signal
    {
        get
        {
            if (_signal != null) return _signal;
            return new AudioSignal(AudioLoader.ZeroPaddedSlice(_song!.Samples, _start, _length), _song.SampleRate, _song.Source);
        }
    }

    /// <summary>Its span of the song's augmented copies (null unless <see cref="WindowOptions.Copies"/> asked for them).</summary>
    public WindowCopies? Copies { get; init; }
}

/// <summary>
/// The augmented copies of one segment of a song, in the plan's order, shared by the windows cut from it. Made when a
/// window first asks for them; once every window of the segment said it is done with them
/// (<see cref="WindowCopies.Done"/>), they are let go (and made again, the same, if asked for later), so a long song's
/// copies are not all in memory at once.
/// </summary>
public sealed class SegmentCopies
{
    private readonly Func<IReadOnlyList<float[]>>? _make;
    private readonly int _windows;
    private readonly Lock _gate = new();
    private IReadOnlyList<float[]>? _copies;
    private int _pending;

    /// <summary>Copies already made (kept for the segment's lifetime).</summary>
    public SegmentCopies(IReadOnlyList<float[]> copies, int sampleRate, string source)
    {
        _copies = copies;
        Count = copies.Count;
        SampleRate = sampleRate;
        Source = source;
    }

    /// <summary>Copies made by <paramref name="make"/> (deterministic) when first asked for, let go when its
    /// <paramref name="windows"/> windows are done.</summary>
    public SegmentCopies(int count, Func<IReadOnlyList<float[]>> make, int windows, int sampleRate, string source)
    {
        _make = make;
        _windows = _pending = windows;
        Count = count;
        SampleRate = sampleRate;
        Source = source;
    }

    public int Count { get; }

    public int SampleRate { get; }

    public string Source { get; }

    /// <summary>True while the copies are in memory.</summary>
    public bool IsMade
    {
        get
        {
            lock (_gate) return _copies != null;
        }
    }

    /// <summary><paramref name="length"/> samples of copy <paramref name="k"/> from <paramref name="start"/> (a new array).</summary>
    public AudioSignal Cut(int k, int start, int length)
    {
        IReadOnlyList<float[]> copies;
        lock (_gate) copies = _copies ??= _make!();
        return new(copies[k].AsSpan(start, length).ToArray(), SampleRate, Source);
    }

    internal void WindowDone()
    {
        lock (_gate)
        {
            if (_make == null || --_pending > 0) return;
            _copies = null;
            _pending = _windows;
        }
    }
}

/// <summary>A window's span of its segment's copies: cut when asked for, so that only the segment copies stay in memory.</summary>
public sealed record WindowCopies(SegmentCopies Segment, int Offset, int Length)
{
    public int Count => Segment.Count;

    /// <summary>The window's span of copy <paramref name="k"/>.</summary>
    public AudioSignal this[int k] => Segment.Cut(k, Offset, Length);

    /// <summary>Says this window has been analysed: the segment's copies go once all its windows are.</summary>
    public void Done() => Segment.WindowDone();
}

/// <summary>A song cut into windows. Silent windows are dropped (counted); a song shorter than one window gives
/// no windows and a <see cref="SkipReason"/> unless short clips are padded.</summary>
public sealed record SongWindows(string Path, double SongSeconds, IReadOnlyList<AudioWindow> Windows, int SilentWindowsDropped, string? SkipReason, AudioSourceInfo Source);

/// <summary>
/// Turns audio files into what the featurisers take: mono (mean of channels) at
/// <see cref="FeaturizerOptions.SampleRate"/>, resampled by <see cref="Resampler"/>. PCM/float WAV files are read
/// natively, everything else through ffmpeg (<see cref="FfmpegDecoder"/>); only the part needed is decoded.
/// <para>Clip policy (from <see cref="FeaturizerOptions"/>): the excerpt is <c>ExcerptSeconds</c> from
/// <c>ExcerptOffsetSeconds</c>, exactly round(ExcerptSeconds·SampleRate) samples. A file with less audio than that
/// after the offset is skipped (<see cref="ClipOutcome.Skipped"/> with the reason) unless <c>PadShortClips</c>,
/// which zero-pads it at the end.</para>
/// <para>Bad input, as typed errors naming the file: missing file (RESOURCE_DOES_NOT_EXIST); empty file, no
/// samples, fewer samples than one FFT frame (e.g. a 1-sample file), NaN or infinite samples, or a clip that is
/// only silence (largest |sample| ≤ <see cref="AudioLoaderOptions.SilencePeak"/>: every feature of silence is
/// meaningless, so it is refused rather than featurised) are AUDIO_INVALID; corrupt, cut or unrecognised files
/// and ffmpeg failures or time-outs are AUDIO_DECODE_FAILED; a missing ffmpeg is MISSING_DEPENDENCY.</para>
/// Thread-safe.
/// </summary>
public sealed class AudioLoader
{
    private readonly FfmpegDecoder _ffmpeg;

    public AudioLoader(FeaturizerOptions? options = null, AudioLoaderOptions? loaderOptions = null)
    {
        Options = options ?? new FeaturizerOptions();
        LoaderOptions = loaderOptions ?? new AudioLoaderOptions();
        if (Options.SampleRate <= 0) throw new ArgumentException($"sample rate {Options.SampleRate} must be positive");
        if (!(Options.ExcerptSeconds > 0) || double.IsInfinity(Options.ExcerptSeconds))
            throw new ArgumentException($"excerpt length {Options.ExcerptSeconds} s must be positive");
        if (!(Options.ExcerptOffsetSeconds >= 0) || double.IsInfinity(Options.ExcerptOffsetSeconds))
            throw new ArgumentException($"excerpt offset {Options.ExcerptOffsetSeconds} s must be zero or positive");
        LoaderOptions.Validate();
        _ffmpeg = new FfmpegDecoder(LoaderOptions.Ffmpeg);
    }

    public FeaturizerOptions Options { get; }

    public AudioLoaderOptions LoaderOptions { get; }

    /// <summary>Samples in one excerpt: round(ExcerptSeconds · SampleRate) (562275 for the defaults).</summary>
    public int ExcerptSamples => (int)Math.Round(Options.ExcerptSeconds * Options.SampleRate);

    /// <summary>The whole file, mono, at the target rate (validated: not empty, finite, not only silence).</summary>
    public AudioSignal Load(string path, CancellationToken cancellationToken = default)
    {
        var (pcm, info) = Decode(new DecodeRequest(path, Downmix: true), cancellationToken).Get();
        var y = ToTarget(pcm, path);
        CheckNotSilent(y, path);
        return new AudioSignal(y, Options.SampleRate, path);
    }

    /// <summary>The excerpt of one file; a too-short clip is a <see cref="ClipTooShortException"/>.</summary>
    public AudioSignal LoadExcerpt(string path, CancellationToken cancellationToken = default) =>
        TryLoadExcerpt(path, cancellationToken).GetSignal();

    /// <summary>The excerpt of one file as a typed result (skips and per-file errors are not thrown; a missing
    /// ffmpeg and cancellation are).</summary>
    public LoadedClip TryLoadExcerpt(string path, CancellationToken cancellationToken = default) =>
        LoadExcerpts([path], cancellationToken)[0];

    /// <summary>The excerpts of several files, decoding the non-WAV ones several per ffmpeg process.
    /// Per-file problems are results; a missing ffmpeg and cancellation are thrown.</summary>
    public IReadOnlyList<LoadedClip> LoadExcerpts(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var requests = paths.Select(p => new DecodeRequest(p, Options.ExcerptOffsetSeconds, Options.ExcerptSeconds, Downmix: true)).ToList();
        var decoded = DecodeMany(requests, cancellationToken);
        var results = new LoadedClip[paths.Count];
        for (int i = 0; i < paths.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results[i] = decoded[i].Error != null
                ? new LoadedClip(paths[i], ClipOutcome.Failed, null, null, decoded[i].Error, null)
                : Excerpt(decoded[i].Audio!, decoded[i].Info!, paths[i]);
        }
        return results;
    }

    /// <summary>A whole song cut into excerpt-length windows (for full-song prediction).</summary>
    public SongWindows LoadWindows(string path, WindowOptions? windows = null, CancellationToken cancellationToken = default)
    {
        windows ??= new WindowOptions();
        double hop = windows.HopSeconds ?? Options.ExcerptSeconds / 2;
        if (!(hop > 0)) throw new ArgumentException($"window hop {hop} s must be positive");
        if (!(windows.CoverEndMinimumHops >= 0)) throw new ArgumentException($"CoverEndMinimumHops {windows.CoverEndMinimumHops} must be zero or positive");
        var (pcm, info) = Decode(new DecodeRequest(path, Downmix: true), cancellationToken).Get();
        var y = ToTarget(pcm, path);
        int len = ExcerptSamples;
        int hopSamples = Math.Max(1, (int)Math.Round(hop * Options.SampleRate));
        double songSeconds = (double)y.Length / Options.SampleRate;
        var starts = new List<int>();
        if (y.Length < len)
        {
            if (!Options.PadShortClips)
                return new SongWindows(path, songSeconds, [], 0, ShortReason(songSeconds, 0), info);
            starts.Add(0);
        }
        else
        {
            long count = (y.Length - len) / hopSamples + 2;
            if (count > windows.MaxWindows)
                throw new Core.MmcsException(Core.ErrorCodes.InvalidParameterValue, FormattableString.Invariant(
                    $"{path}: a hop of {hop} s would cut this {songSeconds:0.#} s song into about {count} windows; at most {windows.MaxWindows} (give a longer hop)"));
            for (int s = 0; s + len <= y.Length; s += hopSamples) starts.Add(s);
            // (a hop longer than the window leaves gaps between windows: the tail is then measured against the window)
            if (windows.CoverEnd && y.Length - (starts[^1] + len) >= Math.Max(1, windows.CoverEndMinimumHops * Math.Min(hopSamples, len))) starts.Add(y.Length - len);
        }
        var kept = new List<int>();
        int silent = 0;
        foreach (int s in starts)
        {
            if (Peak(y.AsSpan(s, Math.Min(len, y.Length - s))) <= LoaderOptions.SilencePeak) silent++;
            else kept.Add(s);
        }
        var list = new List<AudioWindow>(kept.Count);
        var whole = new AudioSignal(y, Options.SampleRate, path);
        foreach (int s in kept) list.Add(new AudioWindow(list.Count, (double)s / Options.SampleRate, whole, s, len));
        if (windows.Copies is { } plan && list.Count > 0)
        {
            // segments of consecutive kept windows spanning at most CopySegmentSeconds (at least one window each)
            int maxSpan = Math.Max(len, (int)Math.Round(windows.CopySegmentSeconds * Options.SampleRate));
            for (int first = 0; first < kept.Count;)
            {
                int last = first;
                while (last + 1 < kept.Count && kept[last + 1] + len - kept[first] <= maxSpan) last++;
                int segmentStart = kept[first], segmentLength = kept[last] + len - segmentStart;
                string key = first == 0 ? windows.CopiesKey : FormattableString.Invariant($"{windows.CopiesKey}@{segmentStart}");
                IReadOnlyList<float[]> Make()
                {
                    // a padded short song is copied padded, as a padded training clip is
                    var segment = Cut(y, segmentStart, segmentLength, path);
                    var copies = new float[plan.Copies.Count][];
                    for (int k = 0; k < copies.Length; k++)
                    {
                        cancellationToken.ThrowIfCancellationRequested(); // the request that cut the windows
                        copies[k] = plan.Apply(segment, key, k).Samples;
                    }
                    return copies;
                }
                var shared = new SegmentCopies(plan.Copies.Count, Make, last - first + 1, Options.SampleRate, path);
                for (int w = first; w <= last; w++) list[w] = list[w] with { Copies = new WindowCopies(shared, kept[w] - segmentStart, len) };
                first = last + 1;
            }
        }
        if (list.Count == 0)
            throw new AudioInvalidException(path, "contains only silence (every window's peak is at or below " + Db(LoaderOptions.SilencePeak) + ")");
        return new SongWindows(path, songSeconds, list, silent, null, info);
    }

    /// <summary><paramref name="length"/> samples of <paramref name="y"/> from <paramref name="start"/>, zero-padded past its end.</summary>
    private AudioSignal Cut(float[] y, int start, int length, string path) =>
        new(ZeroPaddedSlice(y, start, length), Options.SampleRate, path);

    /// <summary>A new array of <paramref name="length"/> samples of <paramref name="y"/> from <paramref name="start"/>,
    /// zero-padded past its end.</summary>
    internal static float[] ZeroPaddedSlice(float[] y, int start, int length)
    {
        var w = new float[length];
        if (start < y.Length) Array.Copy(y, start, w, 0, Math.Min(length, y.Length - start));
        return w;
    }

    private sealed record Decoded(PcmAudio? Audio, AudioSourceInfo? Info, Exception? Error)
    {
        public (PcmAudio, AudioSourceInfo) Get()
        {
            if (Error != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(Error).Throw();
            }
            return (Audio!, Info!);
        }
    }

    private Decoded Decode(DecodeRequest request, CancellationToken ct) => DecodeMany([request], ct)[0];

    private Decoded[] DecodeMany(IReadOnlyList<DecodeRequest> requests, CancellationToken ct)
    {
        var results = new Decoded[requests.Count];
        var viaFfmpeg = new List<int>();
        for (int i = 0; i < requests.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var r = requests[i];
            if (!WavReader.IsWavFile(r.Path))
            {
                viaFfmpeg.Add(i);
                continue;
            }
            try
            {
                var info = WavReader.ReadInfo(r.Path);
                if (!info.IsSupported)
                {
                    viaFfmpeg.Add(i); // e.g. ADPCM or A-law WAV: ffmpeg knows them
                    continue;
                }
                long first = (long)Math.Round(r.OffsetSeconds * info.SampleRate);
                long count = r.DurationSeconds is double d ? (long)Math.Round(d * info.SampleRate) : -1;
                PcmAudio pcm = first >= info.Frames
                    ? new PcmAudio([], info.Channels, info.SampleRate, r.Path)
                    : WavReader.Read(r.Path, first, count);
                results[i] = new Decoded(pcm, new AudioSourceInfo(info.SampleRate, info.Channels, pcm.DurationSeconds, "wav"), null);
            }
            catch (Core.MmcsException e)
            {
                results[i] = new Decoded(null, null, e);
            }
        }
        if (viaFfmpeg.Count > 0)
        {
            var decoded = _ffmpeg.DecodeMany(viaFfmpeg.Select(i => requests[i]).ToList(), ct);
            for (int k = 0; k < viaFfmpeg.Count; k++)
            {
                var d = decoded[k];
                results[viaFfmpeg[k]] = d.Audio is { } a
                    ? new Decoded(a, new AudioSourceInfo(a.SampleRate, a.SourceChannels, a.DurationSeconds, "ffmpeg"), null)
                    : new Decoded(null, null, d.Error);
            }
        }
        return results;
    }

    private LoadedClip Excerpt(PcmAudio pcm, AudioSourceInfo info, string path)
    {
        try
        {
            double offset = Options.ExcerptOffsetSeconds;
            if (pcm.Frames == 0 && offset > 0)
                return new LoadedClip(path, ClipOutcome.Skipped, null, $"the file ends before the excerpt offset of {offset:0.###} s", null, info);
            var y = ToTarget(pcm, path);
            int len = ExcerptSamples;
            long neededFrames = (long)Math.Round(Options.ExcerptSeconds * pcm.SampleRate);
            if (pcm.Frames < neededFrames)
            {
                if (!Options.PadShortClips)
                    return new LoadedClip(path, ClipOutcome.Skipped, null, ShortReason(pcm.DurationSeconds, offset), null, info);
            }
            float[] clip = y.Length == len ? y : FixLength(y, len);
            CheckNotSilent(clip.AsSpan(0, Math.Min(len, y.Length)), path);
            return new LoadedClip(path, ClipOutcome.Loaded, new AudioSignal(clip, Options.SampleRate, path), null, null, info);
        }
        catch (Core.MmcsException e)
        {
            return new LoadedClip(path, ClipOutcome.Failed, null, null, e, info);
        }
    }

    private string ShortReason(double availableSeconds, double offset) =>
        offset > 0
            ? $"only {availableSeconds:0.###} s of audio after the {offset:0.###} s offset, shorter than the {Options.ExcerptSeconds:0.###} s excerpt (short clips are skipped unless they are zero-padded)"
            : $"{availableSeconds:0.###} s long, shorter than the {Options.ExcerptSeconds:0.###} s excerpt (short clips are skipped unless they are zero-padded)";

    /// <summary>Validates decoded audio, downmixes it and resamples it to the target rate.</summary>
    private float[] ToTarget(PcmAudio pcm, string path)
    {
        if (pcm.Frames == 0) throw new AudioInvalidException(path, "contains no audio samples");
        int bad = IndexOfNonFinite(pcm.Samples);
        if (bad >= 0)
        {
            int count = pcm.Samples.Count(v => !float.IsFinite(v));
            throw new AudioInvalidException(path, $"contains {count} non-finite samples (NaN or infinity), the first at {(double)(bad / pcm.Channels) / pcm.SampleRate:0.###} s");
        }
        var mono = pcm.ToMono();
        var resampler = pcm.SampleRate == Options.SampleRate ? null
            : LoaderOptions.Resampler == ResamplerQuality.High ? Resampler.For(pcm.SampleRate, Options.SampleRate)
            : new Resampler(pcm.SampleRate, Options.SampleRate, LoaderOptions.Resampler);
        var y = resampler == null ? (ReferenceEquals(mono, pcm.Samples) ? (float[])mono.Clone() : mono) : resampler.Process(mono);
        if (y.Length < Options.NFft)
            throw new AudioInvalidException(path, $"only {pcm.Frames} sample{(pcm.Frames == 1 ? "" : "s")} ({pcm.DurationSeconds:0.#####} s): too short to analyse (one {Options.NFft}-sample frame at {Options.SampleRate} Hz is the minimum)");
        return y;
    }

    private void CheckNotSilent(ReadOnlySpan<float> y, string path)
    {
        if (Peak(y) <= LoaderOptions.SilencePeak)
            throw new AudioInvalidException(path, $"contains only silence (peak at or below {Db(LoaderOptions.SilencePeak)}): its features would be meaningless");
    }

    private static string Db(double peak) => peak <= 0 ? "-inf dBFS (digital zero)" : $"{20 * Math.Log10(peak):0.#} dBFS";

    private static float Peak(ReadOnlySpan<float> y) => y.IsEmpty ? 0 : System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(y) is var m ? Math.Abs(m) : 0;

    private static int IndexOfNonFinite(float[] x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i])) return i;
        }
        return -1;
    }

    /// <summary>Cuts or zero-pads to exactly <paramref name="length"/> samples (librosa.util.fix_length).</summary>
    public static float[] FixLength(float[] y, int length)
    {
        ArgumentNullException.ThrowIfNull(y);
        var z = new float[length];
        Array.Copy(y, z, Math.Min(length, y.Length));
        return z;
    }
}
