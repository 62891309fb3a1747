using Mmcs.Core;
using Mmcs.Featurize.Audio;

namespace Mmcs.Featurize.Tests.Audio;

public class FfmpegDecoderTests
{
    public FfmpegDecoderTests() => FfmpegTestFiles.RequireFfmpeg();

    private static float[] Quantized16(float[] x) => Array.ConvertAll(x, v => (float)(Math.Round(v * 32768.0) / 32768.0));

    [Fact]
    public void Flac_decodes_to_exactly_the_samples_that_were_encoded()
    {
        using var dir = new TempDir();
        var x = FfmpegTestFiles.Tones(32000, 2, 1.5);
        string flac = FfmpegTestFiles.Encode(dir, "a.flac", x, 2, 32000);
        var a = new FfmpegDecoder().Decode(flac);
        Assert.Equal(2, a.Channels);
        Assert.Equal(32000, a.SampleRate);
        Assert.Equal(Quantized16(x), a.Samples);
    }

    [Fact]
    public void A_downmixing_decode_returns_the_mean_of_the_channels_and_remembers_their_count()
    {
        using var dir = new TempDir();
        string flac = FfmpegTestFiles.Encode(dir, "st.flac", FfmpegTestFiles.Tones(44100, 3, 1.0), 3, 44100);
        var decoder = new FfmpegDecoder();
        var full = decoder.DecodeMany([new DecodeRequest(flac)])[0].Audio!;
        var mono = decoder.DecodeMany([new DecodeRequest(flac, 0.1, 0.5, Downmix: true)])[0].Audio!;
        Assert.Equal((1, 3), (mono.Channels, mono.SourceChannels));
        Assert.Equal(full.ToMono().AsSpan(4410, 22050).ToArray(), mono.Samples);
    }

    [Theory]
    [InlineData("a.mp3", 44100, 2)]
    [InlineData("a.ogg", 22050, 1)]
    [InlineData("a.m4a", 48000, 2)]
    [InlineData("a.mp3", 16000, 1)]
    public void Lossy_formats_decode_to_the_same_tones_rate_channels_and_duration(string name, int rate, int channels)
    {
        using var dir = new TempDir();
        var x = FfmpegTestFiles.Tones(rate, channels, 2.0);
        string file = FfmpegTestFiles.Encode(dir, name, x, channels, rate);
        var a = new FfmpegDecoder().Decode(file);
        Assert.Equal(rate, a.SampleRate);
        Assert.Equal(channels, a.Channels);
        Assert.InRange(a.DurationSeconds, 1.95, 2.1);
        for (int c = 0; c < channels; c++)
        {
            double amp = FfmpegTestFiles.Amplitude(a.Channel(c), 440 * (c + 1), rate);
            Assert.InRange(20 * Math.Log10(amp / 0.4), -0.5, 0.5);
        }
    }

    [Fact]
    public void Several_files_decode_in_one_process_each_with_its_own_rate_and_channels()
    {
        using var dir = new TempDir();
        var specs = new (string Name, int Rate, int Channels, double Seconds)[]
        {
            ("one.flac", 32000, 2, 1.0), ("two.flac", 16000, 1, 0.5), ("three.flac", 44100, 3, 0.25), ("four.flac", 22050, 1, 2.0),
        };
        var requests = specs.Select(s => new DecodeRequest(
            FfmpegTestFiles.Encode(dir, s.Name, FfmpegTestFiles.Tones(s.Rate, s.Channels, s.Seconds), s.Channels, s.Rate))).ToList();
        var results = new FfmpegDecoder(new FfmpegOptions { MaxFilesPerProcess = 8 }).DecodeMany(requests);
        for (int i = 0; i < specs.Length; i++)
        {
            Assert.True(results[i].Succeeded, results[i].Error?.Message);
            var a = results[i].Audio!;
            Assert.Equal(specs[i].Rate, a.SampleRate);
            Assert.Equal(specs[i].Channels, a.Channels);
            Assert.Equal(Quantized16(FfmpegTestFiles.Tones(specs[i].Rate, specs[i].Channels, specs[i].Seconds)), a.Samples);
        }
    }

    [Fact]
    public void One_bad_file_in_a_batch_gets_its_own_error_and_the_others_still_decode()
    {
        using var dir = new TempDir();
        string good1 = FfmpegTestFiles.Encode(dir, "g1.flac", FfmpegTestFiles.Tones(22050, 1, 0.5), 1, 22050);
        string bad = dir.Write("bad.mp3", "this is not audio at all, just some text in a file"u8.ToArray());
        string good2 = FfmpegTestFiles.Encode(dir, "g2.ogg", FfmpegTestFiles.Tones(22050, 2, 0.5), 2, 22050);
        string missing = dir.File("missing.mp3");
        var results = new FfmpegDecoder().DecodeMany([new(good1), new(bad), new(good2), new(missing)]);
        Assert.True(results[0].Succeeded);
        Assert.True(results[2].Succeeded);
        var e = Assert.IsType<AudioDecodeException>(results[1].Error);
        Assert.Contains("bad.mp3", e.Message);
        Assert.Contains("ffmpeg", e.Message);
        Assert.IsType<AudioFileNotFoundException>(results[3].Error);
    }

    [Theory]
    [InlineData(0.25, 0.5)]
    [InlineData(6.0, 1.0)] // past the seek threshold: ffmpeg's input seek
    [InlineData(7.5, 5.0)] // runs past the end: what is there
    public void An_excerpt_is_exactly_the_frames_from_offset_for_duration(double offset, double duration)
    {
        using var dir = new TempDir();
        var rnd = new Random(3);
        var x = new float[16000 * 8];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rnd.NextDouble() - 0.5);
        string flac = FfmpegTestFiles.Encode(dir, "n.flac", x, 1, 16000);
        var a = new FfmpegDecoder().Decode(flac, offset, duration);
        int first = (int)Math.Round(offset * 16000);
        int count = Math.Min((int)Math.Round(duration * 16000), x.Length - first);
        Assert.Equal(Quantized16(x).AsSpan(first, count).ToArray(), a.Samples);
    }

    [Fact]
    public void A_file_that_is_not_audio_is_a_decode_failure_naming_the_file()
    {
        using var dir = new TempDir();
        string txt = dir.Write("notes.ogg", System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("lorem ipsum ", 500))));
        var e = Assert.Throws<AudioDecodeException>(() => new FfmpegDecoder().Decode(txt));
        Assert.Equal(ErrorCodes.AudioDecodeFailed, e.ErrorCode);
        Assert.Contains("notes.ogg", e.Message);
    }

    [Fact]
    public void A_media_file_without_an_audio_stream_is_invalid_audio()
    {
        using var dir = new TempDir();
        string png = dir.File("picture.png");
        FfmpegTestFiles.Run("-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:s=16x16", "-frames:v", "1", png);
        var e = Assert.Throws<AudioInvalidException>(() => new FfmpegDecoder().Decode(png));
        Assert.Contains("no audio stream", e.Message);
    }

    [Fact]
    public void An_empty_file_is_invalid_without_running_ffmpeg()
    {
        using var dir = new TempDir();
        string empty = dir.Write("empty.mp3", []);
        var decoder = new FfmpegDecoder(new FfmpegOptions { ExecutablePath = "/nonexistent/ffmpeg" });
        Assert.Contains("empty", Assert.Throws<AudioInvalidException>(() => decoder.Decode(empty)).Message);
    }

    [Fact]
    public void A_truncated_mp3_decodes_what_is_there_and_a_stub_of_it_fails_cleanly()
    {
        using var dir = new TempDir();
        string mp3 = FfmpegTestFiles.Encode(dir, "t.mp3", FfmpegTestFiles.Tones(22050, 1, 4.0), 1, 22050);
        var bytes = File.ReadAllBytes(mp3);
        string half = dir.Write("half.mp3", bytes[..(bytes.Length / 2)]);
        var a = new FfmpegDecoder().Decode(half);
        Assert.InRange(a.DurationSeconds, 1.5, 2.5);
        string stub = dir.Write("stub.mp3", bytes[..64]);
        var ex = Record.Exception(() => new FfmpegDecoder().Decode(stub));
        // Either ffmpeg refuses it or it yields (almost) nothing; never a crash or hang.
        if (ex != null) Assert.True(ex is AudioDecodeException or AudioInvalidException, ex.ToString());
    }

    [Fact]
    public void A_missing_ffmpeg_is_a_missing_dependency_that_says_how_to_fix_it()
    {
        using var dir = new TempDir();
        string f = dir.Write("x.mp3", [1, 2, 3, 4]);
        var decoder = new FfmpegDecoder(new FfmpegOptions { ExecutablePath = "/nonexistent/bin/ffmpeg" });
        var e = Assert.Throws<MissingDependencyException>(() => decoder.Decode(f));
        Assert.Equal(ErrorCodes.MissingDependency, e.ErrorCode);
        Assert.Equal(3, e.ExitCode);
        Assert.Contains("ffmpeg", e.Message);
        Assert.Contains("MMCS_FFMPEG", e.Message);
        Assert.False(decoder.IsAvailable());
    }

    [Fact]
    public void A_decode_that_overruns_its_timeout_is_killed_and_reported()
    {
        using var dir = new TempDir();
        string flac = FfmpegTestFiles.Encode(dir, "a.flac", FfmpegTestFiles.Tones(22050, 1, 1), 1, 22050);
        var decoder = new FfmpegDecoder(new FfmpegOptions { Timeout = TimeSpan.FromMilliseconds(1), TimeoutPerFile = TimeSpan.Zero });
        var e = Assert.Throws<AudioDecodeException>(() => decoder.Decode(flac));
        Assert.Contains("timed out", e.Message);
    }

    [Fact]
    public void A_cancelled_decode_throws_operation_cancelled()
    {
        using var dir = new TempDir();
        string flac = FfmpegTestFiles.Encode(dir, "a.flac", FfmpegTestFiles.Tones(22050, 1, 1), 1, 22050);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new FfmpegDecoder().Decode(flac, cancellationToken: cts.Token));
    }
}
