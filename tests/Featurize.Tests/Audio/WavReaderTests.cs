using Mmcs.Core;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Tests.Fixtures;

namespace Mmcs.Featurize.Tests.Audio;

public class WavReaderTests
{
    /// <summary>Values exactly representable in every encoding (multiples of 1/128 inside [-1, 1)).</summary>
    private static float[] Representable(int frames, int channels)
    {
        var x = new float[frames * channels];
        for (int i = 0; i < x.Length; i++) x[i] = ((i * 37 % 255) - 128) / 128f;
        return x;
    }

    [Theory]
    [InlineData(WavEncoding.Pcm8, 1, false)]
    [InlineData(WavEncoding.Pcm16, 1, false)]
    [InlineData(WavEncoding.Pcm24, 2, false)]
    [InlineData(WavEncoding.Pcm32, 2, false)]
    [InlineData(WavEncoding.Float32, 1, false)]
    [InlineData(WavEncoding.Float64, 3, false)]
    [InlineData(WavEncoding.Pcm16, 2, true)]
    [InlineData(WavEncoding.Pcm24, 6, true)]
    [InlineData(WavEncoding.Float32, 2, true)]
    public void Every_encoding_reads_back_the_samples_it_was_written_with(WavEncoding encoding, int channels, bool extensible)
    {
        var x = Representable(1001, channels);
        var bytes = WavWriter.ToBytes(x, channels, 32000, encoding, extensible);
        var info = WavReader.ReadInfo(new MemoryStream(bytes), "mem");
        Assert.Equal(encoding, info.Encoding);
        Assert.Equal(channels, info.Channels);
        Assert.Equal(32000, info.SampleRate);
        Assert.Equal(extensible, info.Extensible);
        Assert.Equal(1001, info.Frames);
        var audio = WavReader.Read(new MemoryStream(bytes), "mem");
        Assert.Equal(channels, audio.Channels);
        Assert.Equal(32000, audio.SampleRate);
        Assert.Equal(x, audio.Samples);
    }

    [Fact]
    public void Integer_pcm_is_scaled_like_librosa()
    {
        // 16-bit: int16 / 32768.
        var b16 = new WavBuilder().Fmt(1, 1, 8000, 16).Data(WavBuilder.Int16s(-32768, -16384, 0, 1, 32767)).Build();
        var y16 = WavReader.Read(new MemoryStream(b16), "m").Samples;
        Assert.Equal([-1f, -0.5f, 0f, 1f / 32768f, 32767f / 32768f], y16);

        // 8-bit: unsigned, 128 is zero.
        var b8 = new WavBuilder().Fmt(1, 1, 8000, 8).Data([0, 64, 128, 255]).Build();
        Assert.Equal([-1f, -0.5f, 0f, 127f / 128f], WavReader.Read(new MemoryStream(b8), "m").Samples);

        // 24-bit little-endian two's complement: 0x800000 = -1, 0x400000 = 0.5, 0xFFFFFF = -1/2^23.
        var b24 = new WavBuilder().Fmt(1, 1, 8000, 24).Data([0x00, 0x00, 0x80, 0x00, 0x00, 0x40, 0xFF, 0xFF, 0xFF]).Build();
        Assert.Equal([-1f, 0.5f, -1f / 8388608f], WavReader.Read(new MemoryStream(b24), "m").Samples);

        // 32-bit: int32 / 2^31.
        var b32 = new WavBuilder().Fmt(1, 1, 8000, 32).Data([0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0xC0]).Build();
        Assert.Equal([-1f, -0.5f], WavReader.Read(new MemoryStream(b32), "m").Samples);
    }

    [Fact]
    public void Multichannel_frames_are_interleaved_and_de_interleave_per_channel()
    {
        var b = new WavBuilder().Fmt(1, 3, 8000, 16).Data(WavBuilder.Int16s(1, 2, 3, 4, 5, 6)).Build();
        var a = WavReader.Read(new MemoryStream(b), "m");
        Assert.Equal(2, a.Frames);
        Assert.Equal([1f / 32768, 4f / 32768], a.Channel(0));
        Assert.Equal([3f / 32768, 6f / 32768], a.Channel(2));
        Assert.Equal([2f / 32768, 5f / 32768], a.ToMono());
    }

    [Fact]
    public void Unknown_chunks_of_odd_size_are_skipped_with_their_pad_byte()
    {
        var b = new WavBuilder()
            .Chunk("JUNK", new byte[3])
            .Fmt(1, 1, 8000, 16)
            .Chunk("LIST", "INFOabcde"u8.ToArray())
            .Data(WavBuilder.Int16s(100, -100))
            .Chunk("id3 ", new byte[7])
            .Build();
        Assert.Equal([100f / 32768, -100f / 32768], WavReader.Read(new MemoryStream(b), "m").Samples);
    }

    [Fact]
    public void An_odd_chunk_whose_writer_forgot_the_pad_byte_is_still_read()
    {
        var b = new WavBuilder()
            .Fmt(1, 1, 8000, 16)
            .Chunk("LIST", "INFOabcde"u8.ToArray(), pad: false)
            .Data(WavBuilder.Int16s(7, 8))
            .Build();
        Assert.Equal([7f / 32768, 8f / 32768], WavReader.Read(new MemoryStream(b), "m").Samples);
    }

    [Fact]
    public void An_rf64_file_takes_its_data_size_from_the_ds64_chunk()
    {
        var ds64 = new byte[28];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(ds64.AsSpan(8), 6); // data size: 3 samples
        var b = new WavBuilder { Magic = "RF64", RiffSizeOverride = 0xFFFFFFFF }
            .Chunk("ds64", ds64)
            .Fmt(1, 1, 8000, 16)
            .Data(WavBuilder.Int16s(1, 2, 3), sizeOverride: 0xFFFFFFFF)
            .Chunk("LIST", new byte[10])
            .Build();
        Assert.Equal([1f / 32768, 2f / 32768, 3f / 32768], WavReader.Read(new MemoryStream(b), "m").Samples);
    }

    [Fact]
    public void A_fmt_chunk_after_the_data_chunk_is_found()
    {
        var b = new WavBuilder().Data(WavBuilder.Int16s(9, 10, 11)).Fmt(1, 1, 8000, 16).Build();
        Assert.Equal([9f / 32768, 10f / 32768, 11f / 32768], WavReader.Read(new MemoryStream(b), "m").Samples);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(12u)]
    public void A_wrong_riff_size_is_tolerated(uint riffSize)
    {
        var b = new WavBuilder { RiffSizeOverride = riffSize }.Fmt(1, 1, 8000, 16).Data(WavBuilder.Int16s(1, 2, 3)).Build();
        Assert.Equal(3, WavReader.Read(new MemoryStream(b), "m").Frames);
    }

    [Theory]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(0u)]
    public void A_streaming_writers_placeholder_data_size_means_to_the_end_of_the_file(uint dataSize)
    {
        var b = new WavBuilder().Fmt(1, 1, 8000, 16).Data(WavBuilder.Int16s(1, 2, 3, 4, 5), dataSize).Build();
        var info = WavReader.ReadInfo(new MemoryStream(b), "m");
        Assert.Equal(5, info.Frames);
        Assert.False(info.DataTruncated);
    }

    [Fact]
    public void A_cut_file_yields_the_whole_frames_present_and_says_it_was_truncated()
    {
        var full = WavWriter.ToBytes(Representable(1000, 2), 2, 8000, WavEncoding.Pcm16);
        var cut = full.AsSpan(0, full.Length - 1001).ToArray(); // ends mid-frame
        var info = WavReader.ReadInfo(new MemoryStream(cut), "m");
        Assert.True(info.DataTruncated);
        Assert.Equal((1000 * 4 - 1001) / 4, info.Frames);
        var a = WavReader.Read(new MemoryStream(cut), "m");
        Assert.Equal(Representable(1000, 2).AsSpan(0, (int)info.Frames * 2).ToArray(), a.Samples);
    }

    [Fact]
    public void An_excerpt_reads_only_the_frames_asked_for()
    {
        var x = Representable(500, 2);
        var b = WavWriter.ToBytes(x, 2, 8000, WavEncoding.Float32);
        var a = WavReader.Read(new MemoryStream(b), "m", startFrame: 100, maxFrames: 50);
        Assert.Equal(x.AsSpan(200, 100).ToArray(), a.Samples);
        var tail = WavReader.Read(new MemoryStream(b), "m", startFrame: 480, maxFrames: 50);
        Assert.Equal(20, tail.Frames);
    }

    [Fact]
    public void A_file_path_round_trips_and_the_writer_leaves_no_temporary_file()
    {
        using var dir = new TempDir();
        var x = Representable(333, 1);
        string p = dir.File("sub/a.wav");
        WavWriter.Write(p, x, 1, 22050, WavEncoding.Pcm24);
        Assert.True(WavReader.IsWavFile(p));
        Assert.Equal(x, WavReader.Read(p).Samples);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(p)!));
    }

    [Fact]
    public void The_librosa_fixture_clip_reads_exactly_as_librosa_loads_it()
    {
        string p = Path.Combine(LibrosaFixtures.Dir, "clips", "sine_sweep_5s.wav");
        var a = WavReader.Read(p);
        Assert.Equal(22050, a.SampleRate);
        Assert.Equal(LibrosaFixtures.LoadClip("sine_sweep_5s"), a.Samples);
    }

    [Fact]
    public void An_empty_file_is_invalid_audio()
    {
        var e = Assert.Throws<AudioInvalidException>(() => WavReader.Read(new MemoryStream([]), "empty.wav"));
        Assert.Equal(ErrorCodes.AudioInvalid, e.ErrorCode);
        Assert.Contains("empty.wav", e.Message);
        Assert.Contains("empty", e.Problem);
    }

    [Fact]
    public void A_file_that_is_not_a_wav_is_invalid_audio()
    {
        var e = Assert.Throws<AudioInvalidException>(() => WavReader.Read(new MemoryStream("hello, world, this is text"u8.ToArray()), "notes.wav"));
        Assert.Contains("not a WAV", e.Message);
        var avi = new WavBuilder { Form = "AVI " }.Build();
        Assert.Contains("not WAVE", Assert.Throws<AudioInvalidException>(() => WavReader.Read(new MemoryStream(avi), "x")).Message);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(20)]
    [InlineData(30)]
    public void A_header_cut_short_is_a_decode_failure(int keep)
    {
        var full = WavWriter.ToBytes(Representable(100, 1), 1, 8000);
        var e = Assert.Throws<AudioDecodeException>(() => WavReader.Read(new MemoryStream(full[..keep]), "cut.wav"));
        Assert.Equal(ErrorCodes.AudioDecodeFailed, e.ErrorCode);
        Assert.Contains("cut.wav", e.Message);
    }

    [Fact]
    public void Garbage_where_a_chunk_header_should_be_is_a_decode_failure()
    {
        var b = new WavBuilder().Fmt(1, 1, 8000, 16).Build().Concat(new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8 }).ToArray();
        Assert.Contains("invalid chunk header", Assert.Throws<AudioDecodeException>(() => WavReader.Read(new MemoryStream(b), "g")).Message);
    }

    [Fact]
    public void A_wav_without_samples_is_invalid_audio()
    {
        var b = new WavBuilder().Fmt(1, 2, 8000, 16).Data([]).Build();
        Assert.Contains("no audio samples", Assert.Throws<AudioInvalidException>(() => WavReader.Read(new MemoryStream(b), "m")).Message);
    }

    [Fact]
    public void An_unsupported_encoding_is_reported_by_name_and_flagged_in_the_info()
    {
        var b = new WavBuilder().Fmt(2, 1, 8000, 4, blockAlign: 256).Data(new byte[512]).Build();
        Assert.False(WavReader.ReadInfo(new MemoryStream(b), "m").IsSupported);
        Assert.Contains("ADPCM", Assert.Throws<AudioDecodeException>(() => WavReader.Read(new MemoryStream(b), "m")).Message);
    }

    [Fact]
    public void A_missing_file_says_so()
    {
        var e = Assert.Throws<AudioFileNotFoundException>(() => WavReader.Read("/nonexistent/dir/x.wav"));
        Assert.Equal(ErrorCodes.ResourceDoesNotExist, e.ErrorCode);
        Assert.Contains("/nonexistent/dir/x.wav", e.Message);
    }
}
