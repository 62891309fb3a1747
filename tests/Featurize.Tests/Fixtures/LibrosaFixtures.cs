using System.Buffers.Binary;
using System.Text.Json;
using Mmcs.Featurize.Storage;

namespace Mmcs.Featurize.Tests.Fixtures;

/// <summary>Access to the copied librosa 0.11 fixtures (Fixtures/librosa) and to ../shared when present.</summary>
internal static class LibrosaFixtures
{
    public static readonly string[] Clips =
    [
        "c_major_120bpm_25s5",
        "a_minor_pad_70bpm_25s5",
        "white_noise_5s",
        "sine_sweep_5s",
        "silence_tone_5s",
    ];

    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "librosa");

    public static string OutDir(string clip) => Path.Combine(Dir, "out", clip);

    private static readonly Dictionary<string, float[]> ClipCache = new();

    /// <summary>The clip's samples as librosa loads them (int16 / 32768 as float32).</summary>
    public static float[] LoadClip(string clip)
    {
        lock (ClipCache)
        {
            if (!ClipCache.TryGetValue(clip, out var y))
            {
                y = ReadPcm16Mono(Path.Combine(Dir, "clips", clip + ".wav"));
                ClipCache[clip] = y;
            }
            return y;
        }
    }

    public static AudioSignal Signal(string clip) => new(LoadClip(clip), 22050, clip);

    public static NpyArray Array(string clip, string feature) => Npy.Read(Path.Combine(OutDir(clip), feature + ".npy"));

    public static JsonElement Summary(string clip)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutDir(clip), "summary.json")));
        return doc.RootElement.Clone();
    }

    /// <summary>shared/ (env MMCS_SHARED_DIR, else &lt;repo&gt;/../shared), or null when absent.</summary>
    public static string? SharedDir()
    {
        string? env = Environment.GetEnvironmentVariable("MMCS_SHARED_DIR");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
        if (dir?.Parent == null) return null;
        string shared = Path.Combine(dir.Parent.FullName, "shared");
        return Directory.Exists(shared) ? shared : null;
    }

    /// <summary>Minimal reader of the fixture WAVs (RIFF, PCM 16-bit, mono), for tests only.</summary>
    private static float[] ReadPcm16Mono(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || System.Text.Encoding.ASCII.GetString(bytes, 0, 4) != "RIFF")
            throw new InvalidDataException($"{path}: not a RIFF file");
        int pos = 12;
        int channels = 0, bits = 0;
        while (pos + 8 <= bytes.Length)
        {
            string id = System.Text.Encoding.ASCII.GetString(bytes, pos, 4);
            int size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos + 4));
            if (id == "fmt ")
            {
                channels = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 10));
                bits = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 22));
            }
            else if (id == "data")
            {
                if (channels != 1 || bits != 16) throw new InvalidDataException($"{path}: expected mono 16-bit PCM");
                int n = Math.Min(size, bytes.Length - pos - 8) / 2;
                var y = new float[n];
                for (int i = 0; i < n; i++)
                    y[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 8 + 2 * i)) / 32768f;
                return y;
            }
            pos += 8 + size + (size & 1);
        }
        throw new InvalidDataException($"{path}: no data chunk");
    }
}

/// <summary>Array comparisons with a tolerance relative to the reference's largest magnitude.</summary>
internal static class Close
{
    /// <summary>Largest |a - e| divided by the largest |e| (or by 1 when the reference is all zeros).</summary>
    public static (double RelErr, int Index) RelativeError(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        double scale = 0, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++) scale = Math.Max(scale, Math.Abs(expected[i]));
        if (scale == 0) scale = 1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            if (double.IsNaN(d)) d = double.PositiveInfinity;
            if (d > worst)
            {
                worst = d;
                at = i;
            }
        }
        return (worst / scale, at);
    }

    public static void Assert(string what, double[] expected, double[] actual, double tolerance)
    {
        var (err, at) = RelativeError(expected, actual);
        if (!(err <= tolerance))
        {
            string detail = at >= 0 ? $" (worst at {at}: expected {expected[at]:R}, got {actual[at]:R})" : "";
            Xunit.Assert.Fail($"{what}: relative error {err:E3} > {tolerance:E1}{detail}");
        }
    }

    public static void Assert(string what, double[] expected, float[] actual, double tolerance) =>
        Assert(what, expected, System.Array.ConvertAll(actual, v => (double)v), tolerance);


}
