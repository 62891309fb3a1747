using Mmcs.Core;
using Mmcs.Featurize.Synthesis;

namespace Mmcs.Featurize.Tests.Synthesis;

public sealed class SyntheticCorpusTests : IDisposable
{
    private readonly TempDir _tmp = new("mmcs-synth");

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void The_same_seed_gives_the_same_bytes_and_another_seed_does_not()
    {
        var options = new SyntheticCorpusOptions { PerClass = 3, Seconds = 2, Seed = 5 };
        SyntheticCorpus.Generate(_tmp.File("a"), options);
        SyntheticCorpus.Generate(_tmp.File("b"), options);
        SyntheticCorpus.Generate(_tmp.File("c"), options with { Seed = 6 });
        var files = Directory.GetFiles(_tmp.File("a"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_tmp.File("a"), f)).Order().ToList();
        Assert.Equal(13, files.Count); // 12 clips + manifest
        int differing = 0;
        foreach (var f in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(_tmp.Path, "a", f)), File.ReadAllBytes(Path.Combine(_tmp.Path, "b", f)));
            if (!File.ReadAllBytes(Path.Combine(_tmp.Path, "a", f)).SequenceEqual(File.ReadAllBytes(Path.Combine(_tmp.Path, "c", f))))
                differing++;
        }
        Assert.Equal(files.Count, differing);
    }

    [Fact]
    public void Every_mood_gets_the_requested_number_of_clips_of_the_requested_length()
    {
        var summary = SyntheticCorpus.Generate(_tmp.Path, new SyntheticCorpusOptions { PerClass = 4, Seconds = 1.5, Seed = 1 });
        Assert.Equal(16, summary.Clips);
        foreach (var mood in MoodSynthesizer.Moods)
        {
            var clips = Directory.GetFiles(_tmp.File(mood), "*.wav");
            Assert.Equal(4, clips.Length);
            foreach (var clip in clips)
            {
                // 16-bit mono PCM: 44-byte header + 2 bytes per sample.
                Assert.Equal(44 + 2 * (long)Math.Round(1.5 * 22050), new FileInfo(clip).Length);
            }
        }
        Assert.True(File.Exists(_tmp.File(SyntheticCorpus.ManifestFileName)));
    }

    [Fact]
    public void A_generation_stopped_before_its_manifest_is_interrupted_but_a_whole_corpus_or_someone_elses_folder_is_not()
    {
        string corpus = _tmp.File("corpus");
        using var cts = new CancellationTokenSource();
        // stopped after a few clips, as Ctrl+C would: WAVs of some moods and no manifest
        Assert.ThrowsAny<OperationCanceledException>(() => SyntheticCorpus.Generate(corpus, new SyntheticCorpusOptions { PerClass = 50, Seconds = 1 },
            new SynchronousProgress(u => { if (u.Completed >= 3) cts.Cancel(); }), cts.Token));
        Assert.NotEmpty(Directory.GetFiles(corpus, "*.wav", SearchOption.AllDirectories));
        Assert.True(SyntheticCorpus.IsInterrupted(corpus));
        File.WriteAllText(Path.Combine(corpus, "happy", "happy_0001.wav.0123abcd.tmp"), "a clip being written when killed");
        Assert.True(SyntheticCorpus.IsInterrupted(corpus));

        string whole = _tmp.File("whole");
        SyntheticCorpus.Generate(whole, new SyntheticCorpusOptions { PerClass = 1, Seconds = 1 });
        Assert.False(SyntheticCorpus.IsInterrupted(whole));
        Assert.False(SyntheticCorpus.IsInterrupted(_tmp.File("missing")));
        Directory.CreateDirectory(_tmp.File("empty"));
        Assert.False(SyntheticCorpus.IsInterrupted(_tmp.File("empty")));

        // a mood folder holding a song of the user's, or a folder that is no mood: not ours to delete
        File.Delete(Path.Combine(whole, SyntheticCorpus.ManifestFileName));
        File.WriteAllText(Path.Combine(whole, "sad", "my song.wav"), "x");
        Assert.False(SyntheticCorpus.IsInterrupted(whole));
        File.Delete(Path.Combine(whole, "sad", "my song.wav"));
        Assert.True(SyntheticCorpus.IsInterrupted(whole));
        Directory.CreateDirectory(Path.Combine(whole, "calm"));
        Assert.False(SyntheticCorpus.IsInterrupted(whole));
    }

    private sealed class SynchronousProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }

    [Theory]
    [InlineData(0, 2.0)]
    [InlineData(3, 0.1)]
    public void Bad_options_are_refused_with_a_clear_error(int perClass, double seconds)
    {
        string corpus = _tmp.File("corpus");
        var e = Assert.Throws<MmcsException>(() =>
            SyntheticCorpus.Generate(corpus, new SyntheticCorpusOptions { PerClass = perClass, Seconds = seconds }));
        Assert.Equal(ErrorCodes.InvalidParameterValue, e.ErrorCode);
        Assert.False(Directory.Exists(corpus));
    }

    [Fact]
    public void Simple_features_separate_the_moods_clearly_above_chance_but_not_perfectly()
    {
        const int perClass = 30;
        var rows = new List<(double[] X, int Y)>();
        for (int m = 0; m < MoodSynthesizer.Moods.Count; m++)
        {
            for (int i = 0; i < perClass; i++)
            {
                var p = MoodSynthesizer.Draw(MoodSynthesizer.Moods[m], 11, i);
                var y = MoodSynthesizer.Render(p, 4, 22050, 11, i);
                rows.Add((SimpleFeatures(y), m));
            }
        }
        double accuracy = LeaveOneOutNearestCentroid(rows);
        Assert.InRange(accuracy, 0.5, 0.97);
    }

    /// <summary>Time-domain features anyone would try first: loudness, dynamics, noisiness, brightness, onsets.</summary>
    private static double[] SimpleFeatures(float[] y)
    {
        const int frame = 1024;
        var frameRms = new List<double>();
        double energy = 0, diffEnergy = 0;
        int crossings = 0;
        for (int i = 0; i < y.Length; i++)
        {
            energy += y[i] * (double)y[i];
            if (i > 0)
            {
                double d = y[i] - y[i - 1];
                diffEnergy += d * d;
                if ((y[i] >= 0) != (y[i - 1] >= 0)) crossings++;
            }
        }
        for (int start = 0; start + frame <= y.Length; start += frame)
        {
            double s = 0;
            for (int k = 0; k < frame; k++) s += y[start + k] * (double)y[start + k];
            frameRms.Add(Math.Sqrt(s / frame));
        }
        double rms = Math.Sqrt(energy / y.Length);
        double meanFrame = frameRms.Average();
        double sdFrame = Math.Sqrt(frameRms.Select(v => (v - meanFrame) * (v - meanFrame)).Average());
        int onsets = 0;
        for (int f = 1; f < frameRms.Count; f++)
        {
            if (frameRms[f] > 1.3 * frameRms[f - 1] + 1e-4) onsets++;
        }
        return
        [
            20 * Math.Log10(rms + 1e-9),
            sdFrame / (meanFrame + 1e-9),
            (double)crossings / y.Length,
            10 * Math.Log10(diffEnergy / (energy + 1e-12) + 1e-12),
            (double)onsets / frameRms.Count,
        ];
    }

    private static double LeaveOneOutNearestCentroid(List<(double[] X, int Y)> rows)
    {
        int d = rows[0].X.Length;
        int correct = 0;
        for (int held = 0; held < rows.Count; held++)
        {
            var train = rows.Where((_, i) => i != held).ToList();
            var mean = new double[d];
            var sd = new double[d];
            for (int j = 0; j < d; j++)
            {
                mean[j] = train.Average(r => r.X[j]);
                sd[j] = Math.Sqrt(train.Average(r => (r.X[j] - mean[j]) * (r.X[j] - mean[j]))) + 1e-12;
            }
            double[] Z(double[] x) => x.Select((v, j) => (v - mean[j]) / sd[j]).ToArray();
            var centroids = train.GroupBy(r => r.Y).ToDictionary(g => g.Key,
                g => Enumerable.Range(0, d).Select(j => g.Average(r => Z(r.X)[j])).ToArray());
            var z = Z(rows[held].X);
            int predicted = centroids.MinBy(c => c.Value.Select((v, j) => (v - z[j]) * (v - z[j])).Sum()).Key;
            if (predicted == rows[held].Y) correct++;
        }
        return (double)correct / rows.Count;
    }
}
