using System.Text.Json;
using Mmcs.Featurize.FeatureSets;
using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Tests.Fixtures;
using Xunit.Abstractions;

namespace Mmcs.Featurize.Tests.FeatureSets;

public class LibrosaSummaryTests(ITestOutputHelper output)
{
    private static readonly ClipFeaturizer Featurizer = new();

    public static readonly string[] Keys =
    [
        "mfcc_mean", "mfcc_var", "mel_db_mean", "mel_db_var", "chroma_stft_mean", "chroma_stft_var", "tonnetz_mean",
        "tonnetz_var", "rms_mean", "rms_var", "zcr_mean", "zcr_var", "spectral_centroid_mean", "spectral_centroid_var",
        "spectral_rolloff_mean", "spectral_rolloff_var", "spectral_bandwidth_mean", "spectral_bandwidth_var",
        "spectral_contrast_mean", "spectral_contrast_var", "onset_strength_mean", "onset_strength_var",
    ];

    public static TheoryData<string> Clips() => new(LibrosaFixtures.Clips);

    [Fact]
    public void The_summary_serialises_to_exactly_the_documented_keys()
    {
        var summary = Featurizer.Summarize(LibrosaFixtures.Signal("white_noise_5s"));
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(summary));
        var names = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(Keys.Concat(["tempo", "key"]).OrderBy(k => k), names.OrderBy(k => k));
        foreach (var k in Keys) Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty(k).ValueKind);
        Assert.Equal(JsonValueKind.Number, doc.RootElement.GetProperty("tempo").ValueKind);
        Assert.Matches("^[A-G]#? (major|minor)$", doc.RootElement.GetProperty("key").GetString());
        Assert.Equal(20, doc.RootElement.GetProperty("mfcc_mean").GetArrayLength());
        Assert.Equal(7, doc.RootElement.GetProperty("spectral_contrast_var").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void The_summary_matches_librosa_s_on_the_synthetic_clips(string clip)
    {
        var summary = Featurizer.Summarize(LibrosaFixtures.Signal(clip));
        var expected = LibrosaFixtures.Summary(clip);
        Compare(clip, summary, expected.GetProperty("summary"), expected.GetProperty("tempo_bpm")[0].GetDouble(), skipTonnetz: clip == "silence_tone_5s", tonnetzTolerance: clip == "sine_sweep_5s" ? 2e-3 : 1e-3);
    }

    [Fact]
    public void Features_of_the_4q_clips_loaded_by_librosa_match_its_summaries()
    {
        string? shared = LibrosaFixtures.SharedDir();
        string dir = shared is null ? "" : Path.Combine(shared, "fixtures", "librosa-4q");
        if (shared is null || !Directory.Exists(dir))
        {
            output.WriteLine("SKIPPED: shared/fixtures/librosa-4q not found (set MMCS_SHARED_DIR)");
            return;
        }
        int n = 0;
        foreach (var song in Directory.GetDirectories(dir).OrderBy(d => d))
        {
            string yPath = Path.Combine(song, "y.npy"), sPath = Path.Combine(song, "summary.json");
            if (!File.Exists(yPath) || !File.Exists(sPath)) continue;
            var y = Npy.Read(yPath).ToFloats();
            using var doc = JsonDocument.Parse(File.ReadAllText(sPath));
            var summary = Featurizer.Summarize(new AudioSignal(y, 22050, yPath));
            Compare(Path.GetFileName(song), summary, doc.RootElement.GetProperty("summary"), doc.RootElement.GetProperty("tempo_bpm")[0].GetDouble(), skipTonnetz: false, tonnetzTolerance: 1e-3);
            n++;
        }
        output.WriteLine($"compared {n} librosa-4q clips");
        Assert.True(n >= 8, $"expected the 8 librosa-4q clips, found {n}");
    }

    private void Compare(string clip, LibrosaSummary actual, JsonElement expected, double tempo, bool skipTonnetz, double tonnetzTolerance)
    {
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(actual));
        foreach (var key in Keys)
        {
            if (skipTonnetz && key.StartsWith("tonnetz", StringComparison.Ordinal)) continue; // see CqtTonnetzTests
            var e = expected.GetProperty(key);
            double[] exp = e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(v => v.GetDouble()).ToArray() : [e.GetDouble()];
            double[] act = doc.RootElement.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();
            double tol = key.StartsWith("tonnetz", StringComparison.Ordinal) ? tonnetzTolerance : 1e-4;
            var (err, _) = Close.RelativeError(exp, act);
            output.WriteLine($"{clip} {key}: {err:E2}");
            Close.Assert($"{clip} {key}", exp, act, tol);
        }
        Assert.Equal(tempo, actual.Tempo, 9);
    }
}
