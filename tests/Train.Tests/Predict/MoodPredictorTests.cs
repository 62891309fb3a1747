using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Audio;
using Mmcs.Featurize.Augment;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Synthesis;
using Mmcs.Train.Data;
using Mmcs.Train.Predict;
using Mmcs.Train.Tabular;

namespace Mmcs.Train.Tests.Predict;

/// <summary>A small real model (maximum entropy on the seed features of a synthetic corpus), trained once for the class.</summary>
public sealed class TrainedModelFixture : IDisposable
{
    public TrainedModelFixture()
    {
        Corpus = Path.Combine(Root, "corpus");
        SyntheticCorpus.Generate(Corpus, new SyntheticCorpusOptions { PerClass = 6, Seconds = 4, Seed = 5 });
        Featurizer = new FeaturizerOptions { ExcerptSeconds = 3 };
        var loader = new AudioLoader(Featurizer);
        var featurizer = new ClipFeaturizer(Featurizer);
        var dataset = DatasetReader.Open(Corpus);
        var rows = dataset.Items.Select(i => featurizer.Extract(loader.LoadExcerpt(i.Path), FeatureSetKind.Seed).Vector.Values).ToArray();
        var data = TabularDataset.FromVectors(featurizer.FeatureNames(FeatureSetKind.Seed), rows, dataset.Items.Select(i => i.Label).ToArray(),
            dataset.Items.Select(i => i.SongId).ToArray(), Moods.Canonical);
        var result = TabularAutoMl.Run(data, new AutoMlOptions
        {
            TimeBudget = TimeSpan.FromSeconds(30), MaxTrials = 1, Folds = 3, Trainers = ["lbfgs_maxent"], ImportanceRepeats = 0,
            BootstrapResamples = 10, VectorSet = FeatureSetKind.Seed,
            ArtifactDirectory = Path.Combine(Root, "automl"),
        });
        ModelDir = Path.Combine(Root, "model");
        MoodModel.Save(result.Model!, new MoodModelManifest { Kind = "", Labels = [], Featurizer = Featurizer, FeatureSet = FeatureSetKind.Seed }, ModelDir);
        result.Dispose();
    }

    private readonly TempDir _root = new("mmcs-predict");

    public string Root => _root.Path;
    public string Corpus { get; }
    public string ModelDir { get; }
    public FeaturizerOptions Featurizer { get; }

    public void Dispose() => _root.Dispose();
}

public sealed class MoodPredictorTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private string Song(string name, double seconds, int seed)
    {
        string dir = Path.Combine(fixture.Root, "songs-" + name);
        if (!Directory.Exists(dir)) SyntheticCorpus.Generate(dir, new SyntheticCorpusOptions { PerClass = 1, Seconds = seconds, Seed = seed });
        return Directory.EnumerateFiles(Path.Combine(dir, "sad"), "*.wav").First();
    }

    [Fact]
    public void A_folder_that_is_an_mlflow_model_but_not_a_mood_model_says_what_it_is()
    {
        string dir = Path.Combine(fixture.Root, "table-model");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "MLmodel"), "flavors: {}\n");
        var e = Assert.Throws<Mmcs.Core.MmcsException>(() => MoodModel.Load(dir));
        Assert.Contains("mmcs-model.json is missing", e.Message);
        Assert.Contains("`mmcs automl` models classify rows of a feature table, not songs", e.Message);
        string empty = Path.Combine(fixture.Root, "not-a-model");
        Directory.CreateDirectory(empty);
        Assert.DoesNotContain("automl", Assert.Throws<Mmcs.Core.MmcsException>(() => MoodModel.Load(empty)).Message);
    }

    [Fact]
    public void A_saved_model_loads_back_with_its_manifest_and_gives_the_same_probabilities()
    {
        using var model = MoodModel.Load(fixture.ModelDir);
        Assert.Equal("tabular", model.Manifest.Kind);
        Assert.Equal(Moods.Canonical, model.Manifest.Labels);
        Assert.Equal(3, model.Manifest.Featurizer.ExcerptSeconds);
        var a = new MoodPredictor(model).Predict(Song("a", 4, 11));
        using var again = MoodModel.Load(fixture.ModelDir);
        var b = new MoodPredictor(again).Predict(Song("a", 4, 11));
        foreach (var label in Moods.Canonical) Assert.Equal(a.Probabilities[label], b.Probabilities[label], 12);
    }

    [Fact]
    public void A_long_song_is_analysed_in_windows_whose_probabilities_are_averaged()
    {
        using var model = MoodModel.Load(fixture.ModelDir);
        var prediction = new MoodPredictor(model, new PredictOptions { HopSeconds = 1.5 }).Predict(Song("long", 9, 12));
        // 9 s song, 3 s windows every 1.5 s: starts 0, 1.5, ..., 6 -> 5 windows
        Assert.Equal(5, prediction.Windows.Count);
        Assert.Equal([0, 1.5, 3, 4.5, 6], prediction.Windows.Select(w => Math.Round(w.Start, 3)).ToArray());
        foreach (var label in Moods.Canonical)
            Assert.Equal(prediction.Windows.Average(w => w.Probabilities[label]), prediction.Probabilities[label], 9);
        Assert.Equal(1.0, prediction.Probabilities.Values.Sum(), 9);
        Assert.Equal(prediction.Probabilities.MaxBy(kv => kv.Value).Key, prediction.Mood);
    }

    [Fact]
    public void With_test_time_augmentation_each_window_is_the_mean_of_itself_and_its_copies_and_the_plan_is_saved_with_the_model()
    {
        var plan = new AugmentationPlan([new AugmentationCopy("aug1", [new Gain(-3, 3), new PitchShift(1)]), new AugmentationCopy("aug2", [new PitchShift(-1)])], 7);
        string dir = Path.Combine(fixture.Root, "tta-model");
        using (var plain = MoodModel.Load(fixture.ModelDir))
        {
            // a model trained on texture windows (its manifest has their hop)
            if (!Directory.Exists(dir)) MoodModel.Save(plain.Classifier, plain.Manifest with { TestTimeAugmentation = plan, WindowHopSeconds = 1.5 }, dir);
        }
        using var model = MoodModel.Load(dir);
        Assert.Equal(plan.Copies.Select(c => c.Id), model.Manifest.TestTimeAugmentation!.Copies.Select(c => c.Id)); // round trip
        // format 2, which a reader that does not know test-time augmentation refuses instead of ignoring it
        Assert.Equal(2, model.Manifest.FormatVersion);
        using (var plainAgain = MoodModel.Load(fixture.ModelDir)) Assert.Equal(1, plainAgain.Manifest.FormatVersion);
        Assert.Equal(7, model.Manifest.TestTimeAugmentation.Seed);
        var predictor = new MoodPredictor(model, new PredictOptions { HopSeconds = 1.5 });
        string path = Song("long", 9, 12);
        var (windows, seconds) = predictor.LoadWindows(path);
        var prediction = predictor.Predict("song", windows, seconds);
        // the slow way: make each copy of the whole song (as training copies are made of whole excerpts), cut every window
        // from the song and from both copies, featurise, predict, average
        var featurizer = new ClipFeaturizer(fixture.Featurizer);
        var whole = new AudioLoader(fixture.Featurizer).Load(path);
        var copies = new[] { plan.Apply(whole, "song", 0), plan.Apply(whole, "song", 1) };
        int length = (int)Math.Round(fixture.Featurizer.ExcerptSeconds * fixture.Featurizer.SampleRate);
        AudioSignal Cut(AudioSignal from, double startSeconds) =>
            new(from.Samples.AsSpan((int)Math.Round(startSeconds * from.SampleRate), length).ToArray(), from.SampleRate, path);
        Assert.True(windows.Count >= 4);
        for (int i = 0; i < windows.Count; i++)
        {
            Assert.Equal(Cut(whole, windows[i].StartSeconds).Samples, windows[i].Signal.Samples);
            var views = new[] { windows[i].Signal, Cut(copies[0], windows[i].StartSeconds), Cut(copies[1], windows[i].StartSeconds) }
                .Select(v => featurizer.Extract(v, FeatureSetKind.Seed)).ToArray();
            var p = model.Classifier.PredictProbabilities(views);
            foreach (var (label, c) in Moods.Canonical.Select((l, c) => (l, c)))
                Assert.Equal(p.Average(row => row[c]), prediction.Windows[i].Probabilities[label], 9);
        }
        foreach (var label in Moods.Canonical)
            Assert.Equal(prediction.Windows.Average(w => w.Probabilities[label]), prediction.Probabilities[label], 9);
        // the whole file is the prediction's input, not its name: a copy of the file under another name predicts the same
        string renamed = Path.Combine(fixture.Root, "renamed-" + Guid.NewGuid().ToString("N") + Path.GetExtension(path));
        File.Copy(path, renamed);
        try
        {
            var again = predictor.Predict(renamed);
            foreach (var label in Moods.Canonical) Assert.Equal(prediction.Probabilities[label], again.Probabilities[label], 12);
        }
        finally
        {
            File.Delete(renamed);
        }
        // windows made elsewhere, without the song's copies, get copies of their own, seeded by their start; so do the
        // windows of a model trained on whole excerpts (no window hop in its manifest), whose training copied each excerpt
        void CopiesOfTheWindowAlone(SongPrediction p)
        {
            var first = new[] { windows[0].Signal, plan.Apply(windows[0].Signal, "window@0", 0), plan.Apply(windows[0].Signal, "window@0", 1) }
                .Select(v => featurizer.Extract(v, FeatureSetKind.Seed)).ToArray();
            var firstP = model.Classifier.PredictProbabilities(first);
            foreach (var (label, c) in Moods.Canonical.Select((l, c) => (l, c)))
                Assert.Equal(firstP.Average(row => row[c]), p.Windows[0].Probabilities[label], 9);
        }
        CopiesOfTheWindowAlone(predictor.Predict("song", windows.Select(w => w with { Copies = null }).ToArray(), seconds));
        string excerptDir = Path.Combine(fixture.Root, "tta-excerpt-model");
        using (var plain = MoodModel.Load(fixture.ModelDir))
        {
            if (!Directory.Exists(excerptDir)) MoodModel.Save(plain.Classifier, plain.Manifest with { TestTimeAugmentation = plan }, excerptDir);
        }
        using var excerptModel = MoodModel.Load(excerptDir);
        var excerptPredictor = new MoodPredictor(excerptModel, new PredictOptions { HopSeconds = 1.5 });
        var (excerptWindows, _) = excerptPredictor.LoadWindows(path);
        Assert.All(excerptWindows, w => Assert.Null(w.Copies));
        CopiesOfTheWindowAlone(excerptPredictor.Predict(path));
        // windows carrying copies of another plan are refused, not silently given new ones
        var oneCopy = new WindowCopies(new SegmentCopies([windows[0].Signal.Samples], windows[0].Signal.SampleRate, path), 0, windows[0].Signal.Samples.Length);
        var mismatch = Assert.Throws<ArgumentException>(() => predictor.Predict("song", [windows[0] with { Copies = oneCopy }], seconds));
        Assert.Contains("carries 1 copies; the model's plan makes 2", mismatch.Message);
        // nor are copies made when test-time augmentation is off
        Assert.All(new MoodPredictor(model, new PredictOptions { HopSeconds = 1.5, TestTimeAugmentation = false }).LoadWindows(path).Windows, w => Assert.Null(w.Copies));
        // switched off, the same model predicts from the original windows alone, as a model without the plan does
        var off = new MoodPredictor(model, new PredictOptions { HopSeconds = 1.5, TestTimeAugmentation = false }).Predict("song", windows, seconds);
        using var plainModel = MoodModel.Load(fixture.ModelDir);
        var plainPrediction = new MoodPredictor(plainModel, new PredictOptions { HopSeconds = 1.5 }).Predict("song", windows, seconds);
        foreach (var label in Moods.Canonical)
        {
            Assert.Equal(plainPrediction.Probabilities[label], off.Probabilities[label], 12);
            Assert.NotEqual(off.Probabilities[label], prediction.Probabilities[label]);
        }
    }

    [Fact]
    public void A_manifest_with_an_invalid_test_time_plan_is_a_clear_error_naming_the_file()
    {
        string dir = Path.Combine(fixture.Root, "bad-tta-model");
        using (var plain = MoodModel.Load(fixture.ModelDir))
        {
            if (!Directory.Exists(dir))
                MoodModel.Save(plain.Classifier, plain.Manifest with { TestTimeAugmentation = new AugmentationPlan([new AugmentationCopy("aug1", [new PitchShift(1)])]) }, dir);
        }
        string manifest = Path.Combine(dir, MoodModel.ManifestFileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"aug1\"", "\"no good\"", StringComparison.Ordinal));
        var error = Assert.Throws<MmcsException>(() => MoodModel.Load(dir));
        Assert.Equal(ErrorCodes.DataInvalid, error.ErrorCode);
        Assert.Contains(manifest, error.Message);
    }

    [Fact]
    public void A_clip_shorter_than_the_excerpt_is_analysed_whole_once()
    {
        using var model = MoodModel.Load(fixture.ModelDir);
        var prediction = new MoodPredictor(model).Predict(Song("short", 2, 13));
        Assert.Single(prediction.Windows);
        Assert.Equal(2, prediction.SongSeconds, 1);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-3.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_hop_that_is_not_a_positive_number_of_seconds_is_refused_before_any_song_is_read(double hop)
    {
        using var model = MoodModel.Load(fixture.ModelDir);
        var error = Assert.Throws<MmcsException>(() => new MoodPredictor(model, new PredictOptions { HopSeconds = hop }));
        Assert.Equal(ErrorCodes.InvalidParameterValue, error.ErrorCode);
        Assert.Contains("hop", error.Message);
    }

    [Fact]
    public void A_clip_too_short_to_analyse_is_an_error_naming_the_file()
    {
        using var model = MoodModel.Load(fixture.ModelDir);
        string path = Path.Combine(fixture.Root, "tiny.wav");
        WavWriter.Write(path, Enumerable.Range(0, 2000).Select(i => (float)Math.Sin(i * 0.1)).ToArray(), 1, 22050);
        var error = Assert.ThrowsAny<MmcsException>(() => new MoodPredictor(model).Predict(path));
        Assert.Contains("tiny.wav", error.Message);
    }

    [Fact]
    public void A_folder_without_a_manifest_is_not_a_model_and_the_error_says_so()
    {
        string dir = Path.Combine(fixture.Root, "not-a-model");
        Directory.CreateDirectory(dir);
        var error = Assert.Throws<MmcsException>(() => MoodModel.Load(dir));
        Assert.Contains(MoodModel.ManifestFileName, error.Message);
        Assert.Contains(dir, error.Message);
    }

    [Fact]
    public void Evaluating_on_a_labelled_folder_reports_every_clip_and_a_confusion_matrix_that_adds_up()
    {
        using var model = MoodModel.Load(fixture.ModelDir);
        var dataset = DatasetReader.Open(fixture.Corpus);
        var evaluation = ModelEvaluation.Evaluate(new MoodPredictor(model), dataset, bootstrap: 50);
        Assert.Equal(dataset.Items.Count, evaluation.Report.Count);
        Assert.Equal(dataset.Items.Count, evaluation.Report.Confusion.Sum(r => r.Sum()));
        Assert.Empty(evaluation.Failures);
        // trained on these very clips: far above chance (0.25)
        Assert.True(evaluation.Report.Accuracy > 0.6, $"accuracy {evaluation.Report.Accuracy}");
        Assert.InRange(evaluation.Report.Accuracy, evaluation.AccuracyCi.Low, evaluation.AccuracyCi.High);
    }
}
