using System.Text.Json;
using Mmcs.Core;
using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Synthesis;
using Mmcs.Pipelines.Definition;
using Mmcs.Pipelines.Run;
using Mmcs.Registry;
using Mmcs.Registry.Models;
using Mmcs.Registry.Tracking;
using Mmcs.Train.Ensemble;
using Mmcs.Train.Predict;

namespace Mmcs.Pipelines.Tests.Run;

/// <summary>A small synthetic corpus shared by the pipeline tests (each test has its own store, state and cache).</summary>
public sealed class CorpusFixture : IDisposable
{
    public CorpusFixture()
    {
        Corpus = Path.Combine(Root, "corpus");
        SyntheticCorpus.Generate(Corpus, new SyntheticCorpusOptions { PerClass = 8, Seconds = 4, Seed = 3 });
    }

    private readonly TempDir _root = new("mmcs-pipeline");

    public string Root => _root.Path;
    public string Corpus { get; }

    public void Dispose() => _root.Dispose();
}

public sealed class PipelineRunnerTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>, IDisposable
{
    private readonly string _work = Path.Combine(fixture.Root, "work-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    private const string Yaml = """
        name: tiny
        experiment: tiny-tests
        dataset:
          reader: folder
        clip:
          excerpt_seconds: 3
        features:
          set: seed
          images:
            spectrogram: [32, 32]
            mfcc: [20, 32]
            mel: [32, 32]
        augmentation:
          copies: 1
          noise: 0.01
        split:
          test_fraction: 0.25
          validation_fraction: 0.25
          group_by: song
        train:
          automl:
            time: 20
            max_trials: 2
            cv: 3
            trainers: [lbfgs_maxent]
          cnn:
            models: [mel]
            preset: original
            epochs: 2
            batch_size: 8
            learning_rate: 0.001
        evaluation:
          bootstrap: 50
        registry:
          model_name: tiny-mood
        """;

    private string Store => Path.Combine(_work, "mlruns");

    private PipelineRunner Runner(IEnumerable<string>? overrides = null, Action<string>? beforeStage = null)
    {
        var all = new List<string> { $"features.cache_dir={Path.Combine(_work, "cache")}" };
        if (overrides != null) all.AddRange(overrides);
        var loaded = PipelineLoader.Parse(Yaml, "tiny.yaml", _work, all);
        return new PipelineRunner(loaded, new PipelineRunOptions
        {
            DataOverride = fixture.Corpus,
            TrackingUri = Store,
            StateDirectory = Path.Combine(_work, "state"),
            BeforeStage = beforeStage,
        });
    }

    [Fact]
    public async Task A_run_registers_a_champion_records_every_stage_and_a_second_run_reuses_the_feature_cache()
    {
        var first = await Runner().RunAsync();
        Assert.Equal(32, first.Clips);
        Assert.True(first.Features.Computed > 0);
        Assert.NotNull(first.Version);
        Assert.True(first.Decision!.Promote);
        Assert.Equal(["tabular", "cnn2d-mel"], first.Members.Keys.ToArray());
        // the CNNs streamed their images from the featuriser's array directory (one .npz per clip and copy)
        string arrays = Directory.GetDirectories(Path.Combine(_work, "state", "arrays")).Single();
        Assert.Equal(1 + 64, File.ReadAllLines(Path.Combine(arrays, "index.csv")).Length);
        Assert.Equal(64, Directory.GetFiles(arrays, "*.npz", SearchOption.AllDirectories).Length);

        using var store = TrackingStores.Open(Store);
        var parent = store.GetRun(first.RunId);
        Assert.Equal(RunStatus.Finished, parent.Info.Status);
        Assert.True(parent.Data.Metrics.ContainsKey("test_macro_f1"));
        var stages = store.SearchRuns(new RunQuery([first.ExperimentId], $"tags.`mlflow.parentRunId` = '{first.RunId}'")).Items;
        Assert.Equal(PipelineRunner.StageNames.Order(), stages.Select(r => r.Info.RunName).Order());
        Assert.All(stages, s => Assert.Equal(RunStatus.Finished, s.Info.Status));

        var champion = store.GetModelVersionByAlias("tiny-mood", "champion");
        Assert.Equal(first.Version!.Version, champion.Version);
        Assert.Equal(ModelStages.Production, champion.CurrentStage);
        var resolved = new ModelUriResolver(store).Resolve("models:/tiny-mood@champion");
        using (var model = MoodModel.Load(resolved.LocalPath))
        {
            Assert.Equal("ensemble", model.Manifest.Kind);
            var song = Directory.EnumerateFiles(Path.Combine(fixture.Corpus, "happy"), "*.wav").First();
            var prediction = new MoodPredictor(model).Predict(song);
            Assert.Equal(1.0, prediction.Probabilities.Values.Sum(), 6);
            Assert.Equal(["tabular", "cnn2d-mel"], prediction.Members.Keys.Order().Reverse().ToArray());
        }
        Assert.True(File.Exists(Path.Combine(resolved.LocalPath, MlModelFile.FileName)));

        // unchanged data: nothing is featurised again; a challenger that must win by 2 (impossible) is not promoted
        var second = await Runner(["promotion.margin=1"]).RunAsync();
        Assert.Equal(0, second.Features.Computed);
        Assert.Equal(2 * second.Features.Succeeded, second.Features.CacheHits); // each clip and its augmented copy
        Assert.False(second.Decision!.Promote);
        Assert.NotNull(second.Decision.ChampionScore);
        // the same data, seeds and settings train the same model: scored the same way as the champion, it ties
        // (the challenger was scored on each test clip's excerpt and the champion over windows before: it lost to itself)
        Assert.Equal(second.Decision.ChampionScore!.Value, second.Decision.ChallengerScore, 9);
        Assert.Equal(first.Version.Version, store.GetModelVersionByAlias("tiny-mood", "champion").Version);
        Assert.Equal(second.Version!.Version, store.GetModelVersionByAlias("tiny-mood", "challenger").Version);
        Assert.Equal(ModelStages.None, store.GetModelVersion("tiny-mood", second.Version.Version).CurrentStage);
    }

    [Fact]
    public async Task A_synthetic_corpus_whose_generation_was_interrupted_is_generated_again_not_trained_on()
    {
        string corpus = Path.Combine(_work, "synthetic");
        using (var cts = new CancellationTokenSource())
        {
            // what Ctrl+C during the demo's generation left: some clips, no manifest
            Assert.ThrowsAny<OperationCanceledException>(() => SyntheticCorpus.Generate(corpus, new SyntheticCorpusOptions { PerClass = 3, Seconds = 3.5 },
                new SynchronousProgress(u => { if (u.Completed >= 2) cts.Cancel(); }), cts.Token));
        }
        Assert.True(SyntheticCorpus.IsInterrupted(corpus));
        string yaml = Yaml.Replace("  reader: folder\n", "  reader: folder\n  synthetic:\n    per_class: 3\n    seconds: 3.5\n", StringComparison.Ordinal);
        Assert.Contains("synthetic:", yaml);
        var runner = new PipelineRunner(PipelineLoader.Parse(yaml, "tiny.yaml", _work, [$"features.cache_dir={Path.Combine(_work, "cache")}"]),
            new PipelineRunOptions
            {
                DataOverride = corpus, TrackingUri = Store, StateDirectory = Path.Combine(_work, "state"),
                BeforeStage = stage => { if (stage == "featurise") throw new MmcsException(ErrorCodes.InternalError, "stopped after ingest"); },
            });
        await Assert.ThrowsAsync<MmcsException>(() => runner.RunAsync());
        Assert.True(File.Exists(Path.Combine(corpus, SyntheticCorpus.ManifestFileName)));
        foreach (string mood in MoodSynthesizer.Moods) Assert.Equal(3, Directory.GetFiles(Path.Combine(corpus, mood), "*.wav").Length);
        using var store = TrackingStores.Open(Store);
        var ingest = store.SearchRuns(new RunQuery([store.GetExperimentByName("tiny-tests")!.ExperimentId], "attributes.run_name = 'ingest'")).Items.Single();
        Assert.Equal("12", ingest.Data.Params["clips"]);
    }

    private sealed class SynchronousProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }

    [Fact]
    public async Task A_failed_stage_fails_the_run_with_its_reason_and_a_rerun_resumes_the_trained_stages()
    {
        var failing = Runner(beforeStage: stage =>
        {
            if (stage == "ensemble") throw new MmcsException(ErrorCodes.InternalError, "disk full (simulated)");
        });
        var error = await Assert.ThrowsAsync<MmcsException>(() => failing.RunAsync());
        Assert.Contains("ensemble", error.Message);
        Assert.Contains("disk full", error.Message);

        using var store = TrackingStores.Open(Store);
        var experiment = store.GetExperimentByName("tiny-tests")!;
        var runs = store.SearchRuns(new RunQuery([experiment.ExperimentId])).Items;
        var parent = runs.Single(r => !r.Data.Tags.ContainsKey(SystemTags.ParentRunId));
        Assert.Equal(RunStatus.Failed, parent.Info.Status);
        Assert.Equal("ensemble", parent.Data.Tags["mmcs.failed_stage"]);
        Assert.Contains("disk full", parent.Data.Tags[SystemTags.Error]);
        var failedStage = runs.Single(r => r.Info.RunName == "ensemble");
        Assert.Equal(RunStatus.Failed, failedStage.Info.Status);

        var rerun = await Runner().RunAsync();
        Assert.Equal(["train_1d", "train_2d-mel"], rerun.ResumedStages);
        Assert.Equal(0, rerun.Features.Computed);
        Assert.NotNull(rerun.Version);
    }

    [Fact]
    public async Task Augmented_copies_of_validation_and_test_songs_never_reach_training()
    {
        // every clip's copy exists in the cache, but training must take only the copies of its own songs
        var result = await Runner().RunAsync();
        using var store = TrackingStores.Open(Store);
        var split = store.SearchRuns(new RunQuery([result.ExperimentId], $"tags.`mlflow.parentRunId` = '{result.RunId}' and attributes.run_name = 'split'")).Items.Single();
        double fit = split.Data.Metrics["fit_clips"].Value;
        double augmented = split.Data.Metrics["augmented_training_clips"].Value;
        Assert.Equal(fit, augmented); // one copy per training clip, none of the other parts
        Assert.True(split.Data.Metrics["test_clips"].Value > 0);
    }

    [Fact]
    public async Task A_second_run_of_the_same_pipeline_while_one_holds_the_lock_is_refused()
    {
        using var held = Mmcs.Pipelines.Schedule.PipelineLock.TryAcquire(Path.Combine(_work, "state", "locks"), "tiny");
        Assert.NotNull(held);
        var error = await Assert.ThrowsAsync<MmcsException>(() => Runner().RunAsync());
        Assert.Contains("already running", error.Message);
    }
}

public sealed class CrossValidationTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>, IDisposable
{
    private readonly string _work = Path.Combine(fixture.Root, "cv-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    /// <summary>Runs a pipeline on the corpus with this test's cache, tracking store and state folders.</summary>
    private Task<PipelineRunResult> RunAsync(string yaml, params string[] overrides) =>
        new PipelineRunner(PipelineLoader.Parse(yaml, "p.yaml", _work, [$"features.cache_dir={Path.Combine(_work, "cache")}", .. overrides]),
            new PipelineRunOptions { DataOverride = fixture.Corpus, TrackingUri = Path.Combine(_work, "mlruns"), StateDirectory = Path.Combine(_work, "state") })
            .RunAsync();

    /// <summary>The evaluate stage's run and its fold runs.</summary>
    private static (Registry.Run Evaluate, IReadOnlyList<Registry.Run> Folds) EvaluationRuns(ITrackingStore store, string experimentId)
    {
        var evaluate = store.SearchRuns(new RunQuery([experimentId], "attributes.run_name = 'evaluate'")).Items.Single();
        return (evaluate, store.SearchRuns(new RunQuery([experimentId], $"tags.`mlflow.parentRunId` = '{evaluate.Info.RunId}'")).Items);
    }

    [Fact]
    public async Task The_cv_protocol_retrains_inside_every_fold_pools_out_of_fold_predictions_and_registers_a_model_trained_on_all_clips()
    {
        const string yaml = """
            name: tiny-cv
            experiment: tiny-cv
            dataset:
              reader: folder
            clip:
              excerpt_seconds: 3
            features:
              set: seed
            split:
              protocol: cv
              folds: 3
              repeats: 2
              group_by: song
            train:
              automl:
                time: 10
                max_trials: 1
                cv: 2
                trainers: [lbfgs_maxent]
              cnn:
                enabled: false
            evaluation:
              bootstrap: 20
            registry:
              model_name: tiny-cv
            """;
        var result = await RunAsync(yaml);

        Assert.Equal("cv", result.Protocol);
        Assert.Equal(2 * 32, result.Evaluation.Count); // every clip predicted once per repetition, out of fold
        using var store = TrackingStores.Open(Path.Combine(_work, "mlruns"));
        var (evaluate, folds) = EvaluationRuns(store, result.ExperimentId);
        Assert.Equal(6, folds.Count);
        Assert.All(folds, fold => Assert.True(fold.Data.Metrics["test_clips"].Value + fold.Data.Metrics["train_clips"].Value == 32));
        Assert.True(evaluate.Data.Metrics.ContainsKey("cv_macro_f1"));
        Assert.Equal("cv", store.GetModelVersion("tiny-cv", result.Version!.Version).Tags["mmcs.eval.protocol"]);

        // a second run on the same data and folds compares against the champion's recorded cross-validation
        var second = await RunAsync(yaml, "promotion.margin=1");
        Assert.False(second.Decision!.Promote);
        Assert.Equal(result.Evaluation.MacroF1, second.Decision.ChampionScore!.Value, 9);
    }

    [Fact]
    public async Task With_texture_windows_every_window_trains_songs_are_scored_once_and_the_model_predicts_in_windows_of_that_length()
    {
        const string yaml = """
            name: tiny-windows
            experiment: tiny-windows
            dataset:
              reader: folder
            clip:
              excerpt_seconds: 3
              window_seconds: 1.5
            features:
              set: seed
            split:
              protocol: cv
              folds: 3
              group_by: song
            train:
              automl:
                time: 20
                max_trials: 2
                cv: 2
                trainers: [lbfgs_maxent, sdca_maxent]
                top_trainers: 2
              cnn:
                enabled: false
            evaluation:
              bootstrap: 20
            registry:
              model_name: tiny-windows
            """;
        var result = await RunAsync(yaml);

        Assert.Equal(32 * 3, result.Features.RowsWritten); // windows at 0, 0.75 and 1.5 s of each 3 s excerpt
        Assert.Equal(32, result.Evaluation.Count); // each song predicted once (the mean of its windows), out of fold
        using var store = TrackingStores.Open(Path.Combine(_work, "mlruns"));
        var (_, folds) = EvaluationRuns(store, result.ExperimentId);
        Assert.All(folds, fold => Assert.True(fold.Data.Metrics["test_clips"].Value + fold.Data.Metrics["train_clips"].Value == 32));
        // two trials of two trainers, both in the vote: the folds skip the search (it could choose nothing) and fit both
        // trainers directly; the final training keeps it for its leaderboard
        Assert.All(folds, fold =>
        {
            Assert.Equal("skipped: one trial per trainer, all in the vote", Assert.Single(fold.Data.Params, p => p.Key.EndsWith(".search", StringComparison.Ordinal)).Value);
            Assert.Equal(["lbfgs_maxent", "sdca_maxent"], fold.Data.Params.Single(p => p.Key.EndsWith(".vote_trainers", StringComparison.Ordinal)).Value.Split(','));
            Assert.DoesNotContain(fold.Data.Metrics.Keys, k => k.EndsWith("inner_cv_macro_f1", StringComparison.Ordinal));
        });
        var train = store.SearchRuns(new RunQuery([result.ExperimentId], $"tags.`mlflow.parentRunId` = '{result.RunId}' and attributes.run_name = 'train_1d'")).Items.Single();
        Assert.Contains(train.Data.Params["best_trainer"], new[] { "lbfgs_maxent", "sdca_maxent" });
        Assert.False(train.Data.Params.ContainsKey("search"));
        Assert.Equal(2, train.Data.Metrics["trials"].Value);

        // the registered model analyses a song in 1.5 s windows every 0.75 s and averages them
        var resolved = new ModelUriResolver(store).Resolve($"models:/tiny-windows/{result.Version!.Version}");
        using var model = MoodModel.Load(resolved.LocalPath, resolved.Uri);
        Assert.Equal((1.5, 0.75), (model.Manifest.Featurizer.ExcerptSeconds, model.Manifest.WindowHopSeconds!.Value));
        string song = Directory.EnumerateFiles(fixture.Corpus, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var prediction = new MoodPredictor(model).Predict(song);
        Assert.Equal(5, prediction.Windows.Count); // a 4 s clip: starts 0, 0.75, 1.5, 2.25 and the end-aligned 2.5 s
        Assert.Equal(1.0, prediction.Probabilities.Values.Sum(), 6);
        // top_trainers: 2 makes the 1D model a soft vote of the best configuration of both trainers
        Assert.Equal(["tabular-lbfgs_maxent", "tabular-sdca_maxent"], prediction.Members.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>Texture windows with test-time augmentation, the copies refitting lbfgs_maxent.</summary>
    private const string TinyTtaYaml = """
        name: tiny-tta
        experiment: tiny-tta
        dataset:
          reader: folder
        clip:
          excerpt_seconds: 3
          window_seconds: 1.5
        features:
          set: seed
        augmentation:
          copies: 1
          gain_db: 3
          pitch_semitones: 1
          use: test
          refit_trainers: [lbfgs_maxent]
        split:
          protocol: cv
          folds: 3
          group_by: song
        train:
          automl:
            time: 20
            max_trials: 1
            cv: 2
            trainers: [lbfgs_maxent]
            importance_seconds: 0
          cnn:
            enabled: false
        evaluation:
          bootstrap: 20
        registry:
          model_name: tiny-tta
        """;

    [Fact]
    public async Task With_test_time_augmentation_only_the_refit_trainers_train_on_copies_and_the_registered_model_scores_songs_with_them()
    {
        var result = await RunAsync(TinyTtaYaml);
        Assert.Equal(32 * 3 * 2, result.Features.RowsWritten); // every song's windows and its copy's windows
        Assert.Equal(32, result.Evaluation.Count);
        using var store = TrackingStores.Open(Path.Combine(_work, "mlruns"));
        var split = store.SearchRuns(new RunQuery([result.ExperimentId], "attributes.run_name = 'split'")).Items.Single();
        Assert.Equal(0, split.Data.Metrics["augmented_training_clips"].Value); // copies are for test time only
        // importance_seconds reaches the final model's search: with 0 s no importances are written (with 120 s they are)
        var train = store.SearchRuns(new RunQuery([result.ExperimentId], $"tags.`mlflow.parentRunId` = '{result.RunId}' and attributes.run_name = 'train_1d'")).Items.Single();
        var artifacts = Directory.EnumerateFiles(new Uri(train.Info.ArtifactUri).LocalPath, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToArray();
        Assert.Contains("cv_report.json", artifacts);
        Assert.DoesNotContain(artifacts, n => n!.Contains("importance", StringComparison.Ordinal));
        // refit_trainers: the final fit of lbfgs_maxent also took the copies of the 32 training songs' 3 windows
        Assert.Equal("96", train.Data.Params["refit_extra_rows.lbfgs_maxent"]);
        var (_, folds) = EvaluationRuns(store, result.ExperimentId);
        Assert.All(folds, fold => Assert.Equal(fold.Data.Metrics["test_clips"].Value * 3 * 2, fold.Data.Metrics["scored_windows"].Value)); // 3 windows and their copies
        var resolved = new ModelUriResolver(store).Resolve($"models:/tiny-tta/{result.Version!.Version}");
        using var model = MoodModel.Load(resolved.LocalPath, resolved.Uri);
        var plan = model.Manifest.TestTimeAugmentation!;
        Assert.Equal("aug1", Assert.Single(plan.Copies).Name);
        Assert.False(MlModelFile.Read(resolved.LocalPath).Flavors[MlModelFile.MmcsFlavor].ContainsKey("pair")); // a plain vote
        string song = Directory.EnumerateFiles(fixture.Corpus, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var with = new MoodPredictor(model).Predict(song);
        var without = new MoodPredictor(model, new PredictOptions { TestTimeAugmentation = false }).Predict(song);
        Assert.Equal(without.Windows.Count, with.Windows.Count);
        Assert.Equal(1.0, with.Probabilities.Values.Sum(), 6);
        Assert.NotEqual(without.Probabilities["happy"], with.Probabilities["happy"]);
    }

    [Fact]
    public async Task Pair_specialists_are_trained_on_the_pairs_songs_and_the_registered_model_splits_the_votes_pair_by_their_mean()
    {
        var result = await RunAsync(TinyTtaYaml, "name=tiny-pair", "experiment=tiny-pair", "registry.model_name=tiny-pair",
            "train.automl.max_trials=2", "train.automl.trainers=[lbfgs_maxent, sdca_maxent]", "train.automl.top_trainers=2",
            "train.automl.pair_specialists=[relaxed, sad]");
        Assert.Equal(32, result.Evaluation.Count);
        // the cross-validation reports the voters alone; a specialist alone would call every song sad or relaxed
        Assert.Equal(["tabular-lbfgs_maxent", "tabular-sdca_maxent"], result.Members.Keys.Order(StringComparer.Ordinal).ToArray());
        using var store = TrackingStores.Open(Path.Combine(_work, "mlruns"));
        var train = store.SearchRuns(new RunQuery([result.ExperimentId], $"tags.`mlflow.parentRunId` = '{result.RunId}' and attributes.run_name = 'train_1d'")).Items.Single();
        string trainers = train.Data.Params["vote_trainers"]; // best first
        Assert.Equal(["lbfgs_maxent", "sdca_maxent"], trainers.Split(',').Order(StringComparer.Ordinal).ToArray());
        Assert.Equal($"relaxed,sad: {trainers}", train.Data.Params["pair_specialists"]);

        var resolved = new ModelUriResolver(store).Resolve($"models:/tiny-pair/{result.Version!.Version}");
        using var model = MoodModel.Load(resolved.LocalPath, resolved.Uri);
        var ensemble = Assert.IsType<EnsembleClassifier>(model.Classifier);
        Assert.Equal([.. trainers.Split(',').Select(t => "tabular-" + t), .. trainers.Split(',').Select(t => "pair-" + t)], ensemble.Names);
        Assert.Equal([EnsembleRole.Vote, EnsembleRole.Vote, EnsembleRole.Pair, EnsembleRole.Pair], ensemble.Roles);
        Assert.Equal(["sad", "relaxed"], ensemble.Pair); // the dataset's label order, whatever order the pipeline names them in
        Assert.All(ensemble.Members.Skip(2), m => Assert.Equal(["sad", "relaxed"], m.Labels));
        // and the MLmodel file says so to whoever lists the registered model
        var flavor = MlModelFile.Read(resolved.LocalPath).Flavors[MlModelFile.MmcsFlavor];
        Assert.Equal("[\"sad\",\"relaxed\"]", JsonSerializer.Serialize(flavor["pair"]));
        Assert.Equal(JsonSerializer.Serialize(ensemble.Names.Skip(2)), JsonSerializer.Serialize(flavor["pair_specialists"]));

        // a song: the voters' mean keeps P(sad) + P(relaxed); the specialists' mean (over the song's windows) splits it
        string song = Directory.EnumerateFiles(fixture.Corpus, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var p = new MoodPredictor(model).Predict(song);
        var voters = new[] { p.Members["tabular-lbfgs_maxent"], p.Members["tabular-sdca_maxent"] };
        var specialists = new[] { p.Members["pair-lbfgs_maxent"], p.Members["pair-sdca_maxent"] };
        Assert.All(specialists, s => Assert.Equal(0.0, s["happy"] + s["angry"]));
        double Vote(string label) => voters.Average(v => v[label]);
        Assert.Equal(Vote("happy"), p.Probabilities["happy"], 9);
        Assert.Equal(Vote("angry"), p.Probabilities["angry"], 9);
        double pair = Vote("sad") + Vote("relaxed");
        Assert.Equal(pair * specialists.Average(s => s["sad"]), p.Probabilities["sad"], 9);
        Assert.Equal(pair * specialists.Average(s => s["relaxed"]), p.Probabilities["relaxed"], 9);
    }

    [Fact]
    public void Pair_specialists_need_two_different_labels_of_the_dataset()
    {
        const string yaml = """
            name: bad-pair
            dataset:
              reader: folder
            train:
              automl:
                trainers: [lbfgs_maxent]
                pair_specialists: [sad, relaxed]
              cnn:
                enabled: false
            """;
        _ = PipelineLoader.Parse(yaml, "p.yaml", _work);
        foreach (var bad in new[] { "[sad]", "[sad, sad]", "[sad, relaxed, happy]" })
        {
            var e = Assert.Throws<PipelineValidationException>(() => PipelineLoader.Parse(yaml.Replace("[sad, relaxed]", bad), "p.yaml", _work));
            Assert.Contains("train.automl.pair_specialists", e.Message);
            Assert.Contains("two different labels", e.Message);
        }
        var disabled = Assert.Throws<PipelineValidationException>(() => PipelineLoader.Parse(yaml, "p.yaml", _work, ["train.automl.enabled=false"]));
        Assert.Contains("train.automl is disabled", disabled.Message);
    }

    [Fact]
    public async Task With_least_typical_twice_each_training_counts_that_share_of_every_labels_windows_twice_with_their_copies()
    {
        var result = await RunAsync(TinyTtaYaml, "name=tiny-typical", "experiment=tiny-typical", "registry.model_name=tiny-typical",
            "train.automl.least_typical_twice=0.2");
        Assert.Equal(32, result.Evaluation.Count);
        using var store = TrackingStores.Open(Path.Combine(_work, "mlruns"));
        var train = store.SearchRuns(new RunQuery([result.ExperimentId], $"tags.`mlflow.parentRunId` = '{result.RunId}' and attributes.run_name = 'train_1d'")).Items.Single();
        // the final model: 32 songs of 4 labels, 3 windows each, so 24 windows per label, of which 5 (4.8 rounded) count twice
        Assert.Equal(20, train.Data.Metrics["least_typical_windows"].Value);
        Assert.Equal("116", train.Data.Params["rows"]); // 96 windows + 20
        Assert.Equal("116", train.Data.Params["refit_extra_rows.lbfgs_maxent"]); // and their copies
        // every fold's training did the same on its own training songs (about two thirds of them)
        var (_, folds) = EvaluationRuns(store, result.ExperimentId);
        Assert.Equal(3, folds.Count);
        Assert.All(folds, fold => Assert.InRange(fold.Data.Metrics.Single(m => m.Key.EndsWith(".least_typical_windows", StringComparison.Ordinal)).Value.Value, 8, 16));
    }

    [Fact]
    public void Least_typical_twice_needs_texture_windows_and_a_share_in_range()
    {
        const string yaml = """
            name: typical
            dataset:
              reader: folder
            clip:
              window_seconds: 6
            train:
              automl:
                least_typical_twice: 0.2
              cnn:
                enabled: false
            """;
        _ = PipelineLoader.Parse(yaml, "p.yaml", _work);
        var noWindows = Assert.Throws<PipelineValidationException>(() => PipelineLoader.Parse(yaml.Replace("  window_seconds: 6", "  excerpt_seconds: 20"), "p.yaml", _work));
        Assert.Contains("train.automl.least_typical_twice", noWindows.Message);
        Assert.Contains("texture windows", noWindows.Message);
        var tooMany = Assert.Throws<PipelineValidationException>(() => PipelineLoader.Parse(yaml, "p.yaml", _work, ["train.automl.least_typical_twice=0.7"]));
        Assert.Contains("train.automl.least_typical_twice", tooMany.Message);
    }

    private sealed class OwnedModel(string kind = "fixed") : Mmcs.Train.Models.IMoodClassifier
    {
        public bool Disposed { get; private set; }
        public string Kind => kind;
        public IReadOnlyList<string> Labels { get; } = ["happy", "angry", "sad", "relaxed"];
        public Mmcs.Train.Models.FeatureRequirements Requirements { get; } = new();
        public double[][] PredictProbabilities(IReadOnlyList<Mmcs.Featurize.ClipFeatures> clips) => throw new NotSupportedException();
        public void Save(string directory) => throw new NotSupportedException();
        public void Dispose() => Disposed = true;
    }

    [Fact]
    public void A_trainings_models_are_all_disposed_whether_the_final_model_is_an_ensemble_of_them_or_one_of_them()
    {
        // the final model is the tabular vote (an ensemble) chosen alone while the CNNs are not in it (ensemble disabled)
        var voterA = new OwnedModel();
        var voterB = new OwnedModel();
        var vote = new EnsembleClassifier([voterA, voterB]);
        var cnn = new OwnedModel("cnn2d");
        PipelineRunner.DisposeModels(vote, [("tabular", vote), ("cnn2d-mel", cnn)]);
        Assert.True(voterA.Disposed && voterB.Disposed && cnn.Disposed);

        // the final model is an ensemble built from the members: it owns them
        var tabular = new OwnedModel();
        var mel = new OwnedModel("cnn2d");
        PipelineRunner.DisposeModels(new EnsembleClassifier([tabular, mel]), [("tabular", tabular), ("cnn2d-mel", mel)]);
        Assert.True(tabular.Disposed && mel.Disposed);

        // no final model (the training failed before it): every member
        var alone = new OwnedModel();
        PipelineRunner.DisposeModels(null, [("tabular", alone)]);
        Assert.True(alone.Disposed);
    }

    [Fact]
    public async Task A_pair_specialist_of_a_label_the_dataset_lacks_is_refused_before_featurising()
    {
        const string yaml = """
            name: calm-pair
            experiment: calm-pair
            dataset:
              reader: folder
            train:
              automl:
                trainers: [lbfgs_maxent]
                pair_specialists: [sad, calm]
              cnn:
                enabled: false
            """;
        var e = await Assert.ThrowsAsync<MmcsException>(() => RunAsync(yaml));
        Assert.Contains("pair_specialists names 'calm', which is not a label of dataset", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_work, "cache")), "nothing is featurised");
    }

    [Fact]
    public void A_song_is_scored_over_its_windows_and_with_test_time_augmentation_its_copies_windows_too()
    {
        static PipelineRunner.Clip Clip(string song, string? copy, params double[] windows) =>
            new(new FeatureRow(song + (copy ?? ""), song + ".wav", "happy", "g", song, copy, [windows[0]]), null, 0, "g")
            {
                Windows = windows.Select((v, i) => new FeatureRow($"{song}#w{i}{copy}", song + ".wav", "happy", "g", song, copy, [v])).ToList(),
            };
        var a = Clip("a", null, 1, 2);
        var aCopy = Clip("a", "aug1", 3, 4);
        var b = Clip("b", null, 5, 6);
        var plain = new PipelineRunner.Featurised(null!, ["x"], ["happy"], [a, b], [aCopy], null);
        Assert.Equal([1.0, 2.0], plain.ScoringWindows(a).Select(w => w.Vector.Values[0]).ToArray());
        var tta = plain with { TestTimeCopies = new Dictionary<string, List<PipelineRunner.Clip>> { ["a"] = [aCopy] } };
        Assert.Equal([1.0, 2.0, 3.0, 4.0], tta.ScoringWindows(a).Select(w => w.Vector.Values[0]).ToArray());
        Assert.Equal([5.0, 6.0], tta.ScoringWindows(b).Select(w => w.Vector.Values[0]).ToArray()); // no copy: its own windows
        Assert.Equal((2, 4, 2), (plain.ScoringWindowCount(a), tta.ScoringWindowCount(a), tta.ScoringWindowCount(b)));
    }

    [Fact]
    public void Test_time_augmentation_without_copies_is_refused_before_anything_runs()
    {
        const string yaml = """
            name: bad-tta
            dataset:
              reader: folder
            augmentation:
              use: test
            """;
        var error = Assert.Throws<PipelineValidationException>(() => PipelineLoader.Parse(yaml, "p.yaml", _work));
        Assert.Contains("needs copies", error.Message);
        PipelineLoader.Parse(yaml, "p.yaml", _work, ["augmentation.copies=1", "augmentation.noise=0.01"]);
        // with texture windows a shifted or stretched window is not a window of the shifted or stretched excerpt
        foreach (var change in new[] { "augmentation.shift_seconds=1", "augmentation.stretch=0.1" })
        {
            var windowed = Assert.Throws<PipelineValidationException>(() => PipelineLoader.Parse(yaml, "p.yaml", _work,
                ["augmentation.copies=1", "augmentation.noise=0.01", "clip.window_seconds=3", "train.cnn.enabled=false", change]));
            Assert.Contains("gain, noise and pitch only", windowed.Message);
        }
        PipelineLoader.Parse(yaml, "p.yaml", _work, ["augmentation.copies=1", "augmentation.pitch_semitones=1", "clip.window_seconds=3", "train.cnn.enabled=false"]);
    }

    [Fact]
    public void The_image_arrays_are_keyed_on_how_copies_are_made_not_on_how_they_are_used()
    {
        static string Key(string augmentation) => PipelineRunner.ArraysKey(PipelineLoader.Parse($"""
            name: arrays
            dataset:
              reader: folder
            augmentation:
              copies: 1
              pitch_semitones: 1
            {augmentation}
            """, "p.yaml", Path.GetTempPath()).Definition);

        string trained = Key("  use: train");
        Assert.Equal(trained, Key("  use: test"));
        Assert.Equal(trained, Key("  use: test\n  refit_trainers: [rbf_svm]"));
        Assert.NotEqual(trained, Key("  noise: 0.01"));
        Assert.NotEqual(trained, Key("  seed: 8"));
    }

    [Theory]
    [InlineData("clip.window_seconds=5", "longer than the 3 s excerpt")]
    [InlineData("train.cnn.enabled=true", "the CNNs take whole excerpts")]
    [InlineData("clip.pad_short=true", "pad_short is not for texture windows")]
    [InlineData("train.automl.top_trainers=3", "a vote of 3 trainers needs at least that many")]
    public void Texture_windows_that_do_not_fit_the_pipeline_are_refused_before_anything_runs(string change, string message)
    {
        const string yaml = """
            name: bad-windows
            dataset:
              reader: folder
            clip:
              excerpt_seconds: 3
              window_seconds: 1.5
            train:
              automl:
                trainers: [lbfgs_maxent, sdca_maxent]
                top_trainers: 2
              cnn:
                enabled: false
            """;
        _ = PipelineLoader.Parse(yaml, "w.yaml", _work); // valid as it is
        var e = Assert.Throws<PipelineValidationException>(() => PipelineLoader.Parse(yaml, "w.yaml", _work, [change]));
        Assert.Contains(message, e.Message);
        var hop = Assert.Throws<PipelineValidationException>(() => PipelineLoader.Parse(yaml.Replace("  window_seconds: 1.5", "  window_hop_seconds: 1"), "w.yaml", _work));
        Assert.Contains("needs clip.window_seconds", hop.Message);
    }
}
