using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Mmcs.Featurize.Audio;

/// <summary>How the ffmpeg program is run.</summary>
public sealed record FfmpegOptions
{
    /// <summary>The ffmpeg executable: a name looked up on PATH or a full path. Default: env MMCS_FFMPEG, else "ffmpeg".</summary>
    public string ExecutablePath { get; init; } = DefaultExecutable();

    /// <summary>Time allowed for one ffmpeg process, plus <see cref="TimeoutPerFile"/> per file it decodes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra time allowed per file in a multi-file process.</summary>
    public TimeSpan TimeoutPerFile { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most files decoded by one ffmpeg process (starting ffmpeg costs ~60 ms of CPU, decoding a 30 s
    /// MP3 ~35 ms, so batching files matters).</summary>
    public int MaxFilesPerProcess { get; init; } = 8;

    /// <summary>Offsets at least this long are skipped by ffmpeg's (accurate) input seek; shorter ones are decoded and dropped.</summary>
    public double SeekThresholdSeconds { get; init; } = 5;

    /// <summary>Most characters of ffmpeg's stderr kept for error messages.</summary>
    public int MaxStderrChars { get; init; } = 4000;

    private static string DefaultExecutable()
    {
        string? env = Environment.GetEnvironmentVariable("MMCS_FFMPEG");
        return string.IsNullOrWhiteSpace(env) ? "ffmpeg" : env;
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ExecutablePath)) throw new ArgumentException("the ffmpeg path is empty");
        if (Timeout <= TimeSpan.Zero || TimeoutPerFile < TimeSpan.Zero) throw new ArgumentException("ffmpeg timeouts must be positive");
        if (MaxFilesPerProcess < 1) throw new ArgumentException("MaxFilesPerProcess must be at least 1");
    }
}

/// <summary>One file to decode: the whole file, or <paramref name="DurationSeconds"/> from <paramref name="OffsetSeconds"/>.
/// With <paramref name="Downmix"/> the samples are averaged over the channels as they arrive (the result is mono,
/// <see cref="PcmAudio.SourceChannels"/> keeps the file's channel count), which halves the memory of stereo files.</summary>
public sealed record DecodeRequest(string Path, double OffsetSeconds = 0, double? DurationSeconds = null, bool Downmix = false);

/// <summary>The outcome of decoding one file: the audio or the typed error.</summary>
public sealed record DecodeResult(DecodeRequest Request, PcmAudio? Audio, Exception? Error)
{
    public bool Succeeded => Audio != null;

    /// <summary>The audio, or the error rethrown.</summary>
    public PcmAudio GetAudio()
    {
        if (Audio != null) return Audio;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(Error!).Throw();
        throw Error!;
    }
}

/// <summary>
/// Decodes any format ffmpeg knows (MP3, OGG, FLAC, M4A, WAV encodings the native reader lacks...) by running
/// the ffmpeg program and streaming the decoded samples from its stdout (never a temporary file). Several
/// files share one process: each becomes one float32 PCM track of a Matroska stream written to stdout, which
/// also carries every track's sample rate and channel count in-band (no probing). Samples are not
/// resampled nor downmixed by ffmpeg. Each process has a timeout and is killed on timeout or cancellation;
/// its stderr is captured for error messages. When a multi-file process fails, its files are retried one
/// per process, so one bad file gets its own error and the others still decode.
/// Thread-safe; run several decodes in parallel for throughput.
/// </summary>
public sealed class FfmpegDecoder
{
    public FfmpegDecoder(FfmpegOptions? options = null)
    {
        Options = options ?? new FfmpegOptions();
        Options.Validate();
    }

    public FfmpegOptions Options { get; }

    /// <summary>Decodes one file (all of it, or a part), throwing a typed exception on failure.</summary>
    public PcmAudio Decode(string path, double offsetSeconds = 0, double? durationSeconds = null, CancellationToken cancellationToken = default) =>
        DecodeMany([new DecodeRequest(path, offsetSeconds, durationSeconds)], cancellationToken)[0].GetAudio();

    /// <summary>Decodes several files, in processes of up to <see cref="FfmpegOptions.MaxFilesPerProcess"/> files.
    /// Per-file problems are returned as errors; a missing ffmpeg (<see cref="MissingDependencyException"/>) and
    /// cancellation are thrown.</summary>
    public IReadOnlyList<DecodeResult> DecodeMany(IReadOnlyList<DecodeRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new DecodeResult[requests.Count];
        var pending = new List<int>();
        for (int i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            var error = Precheck(r);
            if (error != null) results[i] = new DecodeResult(r, null, error);
            else pending.Add(i);
        }
        for (int start = 0; start < pending.Count; start += Options.MaxFilesPerProcess)
        {
            var group = pending.Skip(start).Take(Options.MaxFilesPerProcess).ToList();
            var batch = group.Select(i => requests[i]).ToList();
            var outcome = RunProcess(batch, cancellationToken);
            if (outcome.Error == null)
            {
                for (int k = 0; k < group.Count; k++) results[group[k]] = new DecodeResult(batch[k], outcome.Audio![k], null);
            }
            else if (group.Count == 1)
            {
                results[group[0]] = new DecodeResult(batch[0], null, outcome.Error);
            }
            else
            {
                foreach (int i in group)
                {
                    var single = RunProcess([requests[i]], cancellationToken);
                    results[i] = new DecodeResult(requests[i], single.Error == null ? single.Audio![0] : null, single.Error);
                }
            }
        }
        return results;
    }

    /// <summary>Whether the ffmpeg executable can be started (runs <c>ffmpeg -version</c>).</summary>
    public bool IsAvailable()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Options.ExecutablePath, "-hide_banner -version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (p == null) return false;
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10000))
            {
                p.Kill(true);
                return false;
            }
            return p.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    private static Exception? Precheck(DecodeRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.Path)) return new AudioInvalidException("(empty path)", "no file name given");
        if (r.OffsetSeconds < 0 || double.IsNaN(r.OffsetSeconds)) return new AudioInvalidException(r.Path, $"invalid offset {r.OffsetSeconds} s");
        if (r.DurationSeconds is double d && !(d > 0)) return new AudioInvalidException(r.Path, $"invalid duration {d} s");
        var fi = new FileInfo(r.Path);
        if (!fi.Exists) return Directory.Exists(r.Path) ? new AudioInvalidException(r.Path, "is a folder, not an audio file") : new AudioFileNotFoundException(r.Path);
        if (fi.Length == 0) return new AudioInvalidException(r.Path, "the file is empty (0 bytes)");
        return null;
    }

    private sealed record ProcessOutcome(PcmAudio[]? Audio, Exception? Error);

    private ProcessOutcome RunProcess(IReadOnlyList<DecodeRequest> batch, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo(Options.ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        var args = psi.ArgumentList;
        foreach (string a in new[] { "-nostdin", "-hide_banner", "-loglevel", "error" }) args.Add(a);
        var skip = new long[batch.Count]; // frames to drop at the start (small offsets are decoded, then dropped)
        var seekSeconds = new double[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            var r = batch[i];
            if (r.OffsetSeconds >= Options.SeekThresholdSeconds && r.OffsetSeconds > 0)
            {
                seekSeconds[i] = r.OffsetSeconds;
                args.Add("-ss");
                args.Add(Invariant(r.OffsetSeconds));
            }
            if (r.DurationSeconds is double d)
            {
                // A little more than needed; the exact frame count is cut here.
                args.Add("-t");
                args.Add(Invariant(r.OffsetSeconds - seekSeconds[i] + d + 0.25));
            }
            args.Add("-i");
            args.Add("file:" + Path.GetFullPath(r.Path));
        }
        for (int i = 0; i < batch.Count; i++)
        {
            args.Add("-map");
            args.Add($"{i}:a:0");
        }
        foreach (string a in new[] { "-c:a", "pcm_f32le", "-map_metadata", "-1", "-f", "matroska", "pipe:1" }) args.Add(a);

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception("Process.Start returned null");
        }
        catch (Win32Exception e)
        {
            throw new MissingDependencyException("ffmpeg",
                $"ffmpeg is needed to decode {Path.GetFileName(batch[0].Path)} but could not be started ('{Options.ExecutablePath}': {e.Message}); install ffmpeg (e.g. apt-get install ffmpeg) or set MMCS_FFMPEG to its path", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stderr = new StringBuilder();
            var stderrTask = Task.Run(() => ReadCapped(process.StandardError, stderr, Options.MaxStderrChars));
            var timeout = Options.Timeout + Options.TimeoutPerFile * batch.Count;
            using var timeoutCts = new CancellationTokenSource(timeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
            using var reg = linked.Token.Register(() => Kill(process));
            MatroskaPcmReader.Track[]? tracks = null;
            Exception? parseError = null;
            try
            {
                tracks = MatroskaPcmReader.Read(process.StandardOutput.BaseStream, batch.Count,
                    batch.Select((r, i) => (r.Downmix, r.DurationSeconds is double d ? r.OffsetSeconds - seekSeconds[i] + d + 0.25 : (double?)null)).ToArray());
            }
            catch (Exception e) when (e is InvalidDataException or IOException or EndOfStreamException)
            {
                parseError = e;
                Kill(process);
            }
            if (!process.WaitForExit((int)Math.Min(int.MaxValue, timeout.TotalMilliseconds)))
                Kill(process);
            process.WaitForExit();
            stderrTask.Wait(TimeSpan.FromSeconds(5));
            string err;
            lock (stderr) err = stderr.ToString().Trim();
            ct.ThrowIfCancellationRequested();
            string names = batch.Count == 1 ? batch[0].Path : $"{batch.Count} files";
            if (timeoutCts.IsCancellationRequested)
                return new ProcessOutcome(null, new AudioDecodeException(batch[0].Path, $"ffmpeg timed out after {timeout.TotalSeconds:0.#} s decoding {names}" + Detail(err)));
            if (process.ExitCode != 0 || parseError != null || tracks == null)
                return new ProcessOutcome(null, Classify(batch[0].Path, process.ExitCode, err, parseError));

            var audio = new PcmAudio[batch.Count];
            for (int i = 0; i < batch.Count; i++)
            {
                var t = tracks[i];
                if (t.Channels <= 0 || t.SampleRate <= 0)
                    return new ProcessOutcome(null, new AudioDecodeException(batch[i].Path, "ffmpeg's output lacks the track's sample rate or channel count"));
                var r = batch[i];
                long first = (long)Math.Round((r.OffsetSeconds - seekSeconds[i]) * t.SampleRate);
                long frames = t.Frames;
                first = Math.Min(first, frames);
                long count = frames - first;
                if (r.DurationSeconds is double d) count = Math.Min(count, (long)Math.Round(d * t.SampleRate));
                audio[i] = new PcmAudio(t.Take(first, count), t.OutputChannels, t.SampleRate, r.Path) { SourceChannels = t.Channels };
            }
            return new ProcessOutcome(audio, null);
        }
    }

    /// <summary>How <see cref="MatroskaPcmReader"/>'s count check begins when ffmpeg wrote no audio track at all.</summary>
    private const string NoTracks = "ffmpeg wrote 0 audio tracks";

    private static Exception Classify(string path, int exitCode, string stderr, Exception? parseError)
    {
        if (stderr.Contains("matches no streams", StringComparison.Ordinal) || stderr.Contains("does not contain any stream", StringComparison.Ordinal))
            return new AudioInvalidException(path, "contains no audio stream" + Detail(stderr));
        if (stderr.Contains("Invalid data found when processing input", StringComparison.Ordinal))
            return new AudioDecodeException(path, "not a recognised audio format, or a corrupt file" + Detail(stderr));
        // ffmpeg opened the file (e.g. as MP3 by its name) but found no audio in it to decode
        if (parseError is InvalidDataException && parseError.Message.StartsWith(NoTracks, StringComparison.Ordinal))
            return new AudioDecodeException(path, "not a recognised audio format, or a corrupt file: ffmpeg decoded no audio from it" + Detail(stderr), parseError);
        if (parseError != null)
            return new AudioDecodeException(path, "ffmpeg's output could not be read: " + parseError.Message + Detail(stderr), parseError);
        return new AudioDecodeException(path, $"ffmpeg failed (exit code {exitCode})" + Detail(stderr));
    }

    private static string Detail(string stderr)
    {
        if (string.IsNullOrWhiteSpace(stderr)) return "";
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return " (ffmpeg: " + string.Join(" | ", lines.TakeLast(3)) + ")";
    }

    private static void ReadCapped(StreamReader reader, StringBuilder sink, int max)
    {
        var buf = new char[4096];
        int n;
        while ((n = reader.Read(buf, 0, buf.Length)) > 0)
        {
            lock (sink)
            {
                if (sink.Length < max) sink.Append(buf, 0, Math.Min(n, max - sink.Length));
            }
        }
    }

    private static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        catch (Win32Exception)
        {
        }
    }

    private static string Invariant(double v) => v.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A minimal streaming reader of the Matroska that ffmpeg writes for float32 PCM tracks: EBML elements are
/// walked, Segment/Cluster/Tracks/TrackEntry/Audio/BlockGroup entered (their sizes, possibly "unknown" when
/// streaming, are not needed), SimpleBlock/Block payloads appended to their track, everything else skipped.
/// </summary>
internal static class MatroskaPcmReader
{
    private const uint IdEbml = 0x1A45DFA3, IdSegment = 0x18538067, IdCluster = 0x1F43B675, IdTracks = 0x1654AE6B;
    private const uint IdTrackEntry = 0xAE, IdTrackNumber = 0xD7, IdCodecId = 0x86, IdAudio = 0xE1;
    private const uint IdSamplingFrequency = 0xB5, IdChannels = 0x9F, IdBitDepth = 0x6264;
    private const uint IdSimpleBlock = 0xA3, IdBlockGroup = 0xA0, IdBlock = 0xA1;

    internal sealed class Track
    {
        private readonly List<float[]> _chunks = [];
        private float[]? _current;
        private int _used;
        private float[] _mix = [];

        public long Number { get; set; }
        public string Codec { get; set; } = "";
        public int SampleRate { get; set; }
        public int Channels { get; set; }

        /// <summary>Average the channels as blocks arrive.</summary>
        public bool Downmix { get; init; }

        /// <summary>Seconds expected (sizes the first buffer), when known.</summary>
        public double? ExpectedSeconds { get; init; }

        public int OutputChannels => Downmix ? 1 : Channels;

        /// <summary>Samples held (frames × output channels).</summary>
        public long Samples { get; private set; }

        public long Frames => OutputChannels > 0 ? Samples / OutputChannels : 0;

        /// <summary>Appends a block of interleaved samples (whole frames).</summary>
        public void AppendBlock(ReadOnlySpan<float> x)
        {
            if (Channels <= 0) throw new InvalidDataException("a block arrived before its track's channel count");
            if (x.Length % Channels != 0) throw new InvalidDataException("a PCM block is not a whole number of frames");
            if (!Downmix || Channels == 1)
            {
                Append(x);
                return;
            }
            int frames = x.Length / Channels;
            if (_mix.Length < frames) _mix = new float[frames];
            if (Channels == 2)
            {
                for (int f = 0; f < frames; f++) _mix[f] = (x[2 * f] + x[2 * f + 1]) * 0.5f; // like librosa.to_mono in float32
            }
            else
            {
                float scale = 1f / Channels;
                for (int f = 0; f < frames; f++)
                {
                    double sum = 0;
                    for (int c = 0; c < Channels; c++) sum += x[f * Channels + c];
                    _mix[f] = (float)(sum * scale);
                }
            }
            Append(_mix.AsSpan(0, frames));
        }

        private void Append(ReadOnlySpan<float> x)
        {
            while (!x.IsEmpty)
            {
                if (_current == null)
                {
                    long expected = ExpectedSeconds is double s && SampleRate > 0 ? (long)(s * SampleRate * OutputChannels) + 4096 : 1 << 18;
                    _current = new float[Math.Clamp(expected, 4096, 1 << 26)];
                }
                if (_used == _current.Length)
                {
                    _chunks.Add(_current);
                    _current = new float[Math.Min(1 << 22, Math.Max(1 << 18, _current.Length))];
                    _used = 0;
                }
                int n = Math.Min(x.Length, _current.Length - _used);
                x[..n].CopyTo(_current.AsSpan(_used));
                _used += n;
                x = x[n..];
                Samples += n;
            }
        }

        /// <summary>Interleaved samples of frames [first, first + count).</summary>
        public float[] Take(long first, long count)
        {
            long from = first * OutputChannels, n = count * OutputChannels;
            if (n > Array.MaxLength) throw new InvalidDataException("decoded audio too long to hold");
            var y = new float[n];
            long pos = 0; // sample index of the current chunk's start
            int written = 0;
            var all = _current == null ? _chunks.Select(c => (c, c.Length)) : _chunks.Select(c => (c, c.Length)).Append((_current, _used));
            foreach (var (chunk, len) in all)
            {
                long lo = Math.Max(from, pos), hi = Math.Min(from + n, pos + len);
                if (hi > lo)
                {
                    chunk.AsSpan((int)(lo - pos), (int)(hi - lo)).CopyTo(y.AsSpan(written));
                    written += (int)(hi - lo);
                }
                pos += len;
            }
            _chunks.Clear();
            _current = null; // taken once: let the buffers go
            return y;
        }
    }

    public static Track[] Read(Stream input, int expectedTracks, (bool Downmix, double? Seconds)[]? plans = null)
    {
        var s = new BufferedStream(input, 1 << 16);
        var tracks = new List<Track>();
        Track? entry = null;
        var byNumber = new Dictionary<long, Track>();
        byte[] payload = new byte[1 << 16];
        while (true)
        {
            int first = s.ReadByte();
            if (first < 0) break;
            uint id = ReadId(s, first);
            long size = ReadSize(s, out bool unknown);
            switch (id)
            {
                case IdSegment or IdCluster or IdTracks or IdAudio or IdBlockGroup:
                    continue; // enter
                case IdTrackEntry:
                    var plan = plans != null && tracks.Count < plans.Length ? plans[tracks.Count] : (false, null);
                    entry = new Track { Downmix = plan.Item1, ExpectedSeconds = plan.Item2 };
                    tracks.Add(entry);
                    continue;
            }
            if (unknown) throw new InvalidDataException($"element 0x{id:X} of unknown size");
            if (size > int.MaxValue) throw new InvalidDataException($"element 0x{id:X} of {size} bytes");
            int len = (int)size;
            switch (id)
            {
                case IdTrackNumber when entry != null:
                    entry.Number = (long)ReadUInt(s, len);
                    byNumber[entry.Number] = entry;
                    break;
                case IdCodecId when entry != null:
                    entry.Codec = Encoding.ASCII.GetString(ReadBytes(s, len)).TrimEnd('\0');
                    break;
                case IdSamplingFrequency when entry != null:
                    var f = ReadBytes(s, len);
                    entry.SampleRate = (int)Math.Round(len == 4 ? BinaryPrimitives.ReadSingleBigEndian(f) : len == 8 ? BinaryPrimitives.ReadDoubleBigEndian(f) : 0);
                    break;
                case IdChannels when entry != null:
                    entry.Channels = (int)ReadUInt(s, len);
                    break;
                case IdBitDepth when entry != null:
                    if (ReadUInt(s, len) != 32) throw new InvalidDataException("expected 32-bit float PCM");
                    break;
                case IdSimpleBlock or IdBlock:
                {
                    if (len > payload.Length) payload = new byte[Math.Max(len, payload.Length * 2)];
                    ReadExactly(s, payload.AsSpan(0, len));
                    int vlen = VintLength(payload[0]);
                    long number = payload[0] & ((1 << (8 - vlen)) - 1);
                    for (int k = 1; k < vlen; k++) number = (number << 8) | payload[k];
                    int flags = payload[vlen + 2];
                    if ((flags & 0x06) != 0) throw new InvalidDataException("laced Matroska blocks are not supported");
                    if (!byNumber.TryGetValue(number, out var track)) throw new InvalidDataException($"block for unknown track {number}");
                    if (track.Codec.Length > 0 && track.Codec != "A_PCM/FLOAT/IEEE") throw new InvalidDataException($"unexpected codec {track.Codec}");
                    var data = payload.AsSpan(vlen + 3, len - vlen - 3);
                    if (data.Length % 4 != 0) throw new InvalidDataException("a PCM block is not a whole number of float32 samples");
                    if (BitConverter.IsLittleEndian) track.AppendBlock(MemoryMarshal.Cast<byte, float>(data));
                    else
                    {
                        var tmp = new float[data.Length / 4];
                        for (int k = 0; k < tmp.Length; k++) tmp[k] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * k)..]);
                        track.AppendBlock(tmp);
                    }
                    break;
                }
                default:
                    Skip(s, size);
                    break;
            }
        }
        if (tracks.Count != expectedTracks)
            throw new InvalidDataException($"ffmpeg wrote {tracks.Count} audio tracks, {expectedTracks} expected");
        return tracks.ToArray();
    }

    private static int VintLength(int first)
    {
        if (first == 0) throw new InvalidDataException("invalid EBML variable-length integer");
        return System.Numerics.BitOperations.LeadingZeroCount((uint)first) - 23; // 1 for 0b1xxxxxxx ... 8 for 0x01
    }

    private static uint ReadId(Stream s, int first)
    {
        int len = VintLength(first);
        if (len > 4) throw new InvalidDataException("invalid EBML element id");
        uint id = (uint)first;
        for (int k = 1; k < len; k++) id = (id << 8) | (uint)ReadByte(s);
        return id;
    }

    private static long ReadSize(Stream s, out bool unknown)
    {
        int first = ReadByte(s);
        int len = VintLength(first);
        long v = first & ((1 << (8 - len)) - 1);
        bool allOnes = v == (1 << (8 - len)) - 1;
        for (int k = 1; k < len; k++)
        {
            int b = ReadByte(s);
            allOnes &= b == 0xFF;
            v = (v << 8) | (uint)b;
        }
        unknown = allOnes;
        return v;
    }

    private static ulong ReadUInt(Stream s, int len)
    {
        if (len > 8) throw new InvalidDataException("integer element longer than 8 bytes");
        ulong v = 0;
        for (int k = 0; k < len; k++) v = (v << 8) | (uint)ReadByte(s);
        return v;
    }

    private static byte[] ReadBytes(Stream s, int len)
    {
        var b = new byte[len];
        ReadExactly(s, b);
        return b;
    }

    private static void ReadExactly(Stream s, Span<byte> dst)
    {
        if (s.ReadAtLeast(dst, dst.Length, throwOnEndOfStream: false) < dst.Length)
            throw new EndOfStreamException("ffmpeg's output ended inside an element");
    }

    private static int ReadByte(Stream s)
    {
        int b = s.ReadByte();
        if (b < 0) throw new EndOfStreamException("ffmpeg's output ended inside an element header");
        return b;
    }

    private static void Skip(Stream s, long n)
    {
        Span<byte> buf = stackalloc byte[4096];
        while (n > 0)
        {
            int k = (int)Math.Min(n, buf.Length);
            ReadExactly(s, buf[..k]);
            n -= k;
        }
    }
}
