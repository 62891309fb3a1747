using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Evaluation;
using Mmcs.Train.Data;
using Mmcs.Train.Models;
using Mmcs.Train.Tabular;
using Mmcs.Train.Tabular.Conv1d;
using Mmcs.Train.Tabular.Mlp;
using Mmcs.Train.Tabular.Search;
using Mmcs.Train.Tabular.Trainers;

namespace Mmcs.Train.Tests.Tabular;

public sealed class PipelineTests : IDisposable
{
    private readonly TempDir _tmp = new("mmcs-pipeline");

    public void Dispose() => _tmp.Dispose();

    private static Configuration With(TrainerCandidate trainer, params (string Name, object Value)[] overrides)
    {
        var values = trainer.Space.DefaultConfiguration().Values.ToDictionary();
        foreach (var (name, value) in overrides) values[name] = value;
        return new Configuration(trainer.Name, values);
    }

    [Fact]
    public void The_scaler_of_each_fold_is_fitted_on_that_folds_training_rows_only()
    {
        var data = SyntheticTables.Make(rows: 120, seed: 3);
        // Rows of the first fold's test part get a huge value in column 0: any leak would move the fitted mean.
        var folds = TabularAutoMl.MakeFolds(data, new AutoMlOptions { Folds = 4, Seed = 2 });
        var x0 = data.Frame.Columns[0].Numbers!;
        foreach (int r in folds[0].Test) x0[r] = 1e6;
        var trainer = TrainerCatalog.Get("sdca_maxent");
        using var cv = CrossValidation.Run(data, folds, trainer, With(trainer, ("normalizer", Normalizers.Standard)), seed: 1, keepPipelines: true);
        double allMean = x0.Average();
        for (int f = 0; f < folds.Count; f++)
        {
            var train = folds[f].Train;
            double mean = train.Average(r => x0[r]);
            double sd = Math.Sqrt(train.Sum(r => (x0[r] - mean) * (x0[r] - mean)) / train.Length);
            var pre = cv.FoldPipelines![f].Preprocessor;
            Assert.Equal(mean, pre.Offset[0], 6);
            Assert.Equal(1 / sd, pre.Scale[0], 9);
            if (f == 0) Assert.True(Math.Abs(pre.Offset[0] - allMean) > 1e4, "fold 0 must not have seen its own test rows");
            else Assert.True(pre.Offset[0] > 1e4, "later folds train on fold 0's rows");
        }
    }

    [Fact]
    public void Medians_for_imputation_and_min_max_ranges_come_from_training_rows()
    {
        var names = new[] { "a", "b" };
        var rows = new List<double[]> { new[] { 1.0, 5 }, new[] { double.NaN, 7 }, new[] { 3.0, 9 }, new[] { 100.0, -50 } };
        var data = TabularDataset.FromVectors(names, rows, ["x", "y", "x", "y"]);
        var pre = FittedPreprocessor.Fit(data.Frame, data.Labels, 2, [0, 1, 2], new PreprocessOptions(Normalizers.MinMax));
        Assert.Equal(2, pre.Medians[0]); // median of 1 and 3; row 3 (100) is not a training row
        var t = pre.Transform(data.Frame);
        Assert.Equal(0.5f, t[1][0]); // the NaN became the median 2, scaled by the training range [1, 3]
        Assert.Equal(0f, t[0][1]);
        Assert.Equal(1f, t[2][1]);
        Assert.True(t[3][0] > 1); // an unseen extreme stays outside [0, 1]: nothing was refitted on it
    }

    [Theory]
    [InlineData(Normalizers.Standard)]
    [InlineData(Normalizers.MinMax)]
    [InlineData(Normalizers.Robust)]
    public void Values_near_the_largest_double_scale_to_finite_numbers_as_small_ones_do(string normalizer)
    {
        // the same column at two magnitudes: 1e-300 times the other; scaling must not care
        double[] small = [-1.0, -0.5, 0, 0.25, 1.0];
        var names = new[] { "a" };
        var huge = TabularDataset.FromVectors(names, small.Select(v => new[] { v * 1.7e308 }).ToList(), ["x", "y", "x", "y", "x"]);
        var plain = TabularDataset.FromVectors(names, small.Select(v => new[] { v }).ToList(), ["x", "y", "x", "y", "x"]);
        int[] rows = [0, 1, 2, 3, 4];
        var preHuge = FittedPreprocessor.Fit(huge.Frame, huge.Labels, 2, rows, new PreprocessOptions(normalizer));
        var prePlain = FittedPreprocessor.Fit(plain.Frame, plain.Labels, 2, rows, new PreprocessOptions(normalizer));
        Assert.True(double.IsFinite(preHuge.Offset[0]) && double.IsFinite(preHuge.Scale[0]) && preHuge.Scale[0] > 0,
            $"offset {preHuge.Offset[0]}, scale {preHuge.Scale[0]}");
        var a = preHuge.Transform(huge.Frame);
        var b = prePlain.Transform(plain.Frame);
        for (int i = 0; i < rows.Length; i++) Assert.Equal(b[i][0], a[i][0], 5);
    }

    [Fact]
    public void Categorical_columns_are_one_hot_encoded_with_training_levels_and_unseen_levels_encode_as_zeros()
    {
        var frame = new TabularFrame(
        [
            FrameColumn.Categorical("genre", ["rock", "jazz", "rock", null, "polka"]),
            FrameColumn.Numeric("tempo", [120, 80, 130, 90, 100]),
        ]);
        var data = TabularDataset.Create(frame, ["a", "b", "a", "b", "a"]);
        var pre = FittedPreprocessor.Fit(data.Frame, data.Labels, 2, [0, 1, 2, 3], new PreprocessOptions());
        Assert.Equal(["genre=jazz", "genre=rock", "tempo"], pre.EncodedNames);
        var t = pre.Transform(data.Frame);
        Assert.Equal([0f, 1f, 120f], t[0]);
        Assert.Equal([0f, 0f, 90f], t[3]); // missing category
        Assert.Equal([0f, 0f, 100f], t[4]); // unseen in training
    }

    [Fact]
    public void Anova_selection_keeps_the_informative_columns_and_drops_noise()
    {
        var data = SyntheticTables.Make(rows: 200, informative: 3, redundant: 0, noise: 9, separation: 2, seed: 4);
        var rows = Enumerable.Range(0, data.RowCount).ToArray();
        foreach (var selector in new[] { Selectors.AnovaF, Selectors.MutualInformation })
        {
            var pre = FittedPreprocessor.Fit(data.Frame, data.Labels, data.ClassNames.Count, rows, new PreprocessOptions(Normalizers.Standard, selector, 0.25));
            Assert.Equal(3, pre.OutputWidth);
            Assert.All(pre.OutputNames, n => Assert.StartsWith("inf", n));
        }
    }

    [Fact]
    public void Dropped_columns_are_never_read_by_the_model_and_the_selector_chooses_among_the_others()
    {
        var data = SyntheticTables.Make(rows: 200, informative: 3, redundant: 0, noise: 9, separation: 2, seed: 4);
        var rows = Enumerable.Range(0, data.RowCount).ToArray();
        var pre = FittedPreprocessor.Fit(data.Frame, data.Labels, data.ClassNames.Count, rows,
            new PreprocessOptions(Normalizers.Standard) { DropColumns = ["inf"] });
        Assert.Equal(data.Frame.ColumnNames.Where(n => !n.StartsWith("inf", StringComparison.Ordinal)), pre.OutputNames);
        Assert.Equal(data.Frame.ColumnNames, pre.InputColumns); // still expected by name, so a table without them is refused
        Assert.Equal(9, pre.Transform(data.Frame)[0].Length);
        // the selector keeps the best quarter of the 9 others (2), never a dropped column, though those are the informative ones
        var selected = FittedPreprocessor.Fit(data.Frame, data.Labels, data.ClassNames.Count, rows,
            new PreprocessOptions(Normalizers.Standard, Selectors.AnovaF, 0.25) { DropColumns = ["inf"] });
        Assert.Equal(2, selected.OutputWidth);
        Assert.All(selected.OutputNames, n => Assert.StartsWith("noise", n, StringComparison.Ordinal));
        Assert.Contains("leaves none of the 12", Assert.Throws<MmcsException>(() => FittedPreprocessor.Fit(data.Frame, data.Labels,
            data.ClassNames.Count, rows, new PreprocessOptions { DropColumns = ["inf", "noise"] })).Message);
        Assert.Equal(ErrorCodes.InvalidParameterValue, Assert.Throws<MmcsException>(() => FittedPreprocessor.Fit(data.Frame, data.Labels,
            data.ClassNames.Count, rows, new PreprocessOptions { DropColumns = [" "] })).ErrorCode);
        // a one-hot column goes with its input column's name
        var frame = new TabularFrame([FrameColumn.Categorical("melody_key", ["a", "b", "a", "b"]), FrameColumn.Numeric("tempo", [1, 2, 3, 4])]);
        var small = TabularDataset.Create(frame, ["x", "y", "x", "y"]);
        var hot = FittedPreprocessor.Fit(small.Frame, small.Labels, 2, [0, 1, 2, 3], new PreprocessOptions { DropColumns = ["melody_"] });
        Assert.Equal(["tempo"], hot.OutputNames);
    }

    public static TheoryData<string> AllTrainers() => new(TrainerCatalog.Names);

    [Theory]
    [MemberData(nameof(AllTrainers))]
    public void Every_trainer_fits_predicts_probabilities_and_reloads_with_identical_predictions(string name)
    {
        var data = SyntheticTables.Make(rows: 160, seed: 5, separation: 2.5);
        var trainer = TrainerCatalog.Get(name);
        var config = trainer.Space.DefaultConfiguration();
        var train = Enumerable.Range(0, 120).ToArray();
        var pipeline = FittedPipeline.Fit(data, train, trainer, config, seed: 1);
        using var classifier = new TabularClassifier(pipeline, data.ClassNames);
        var held = Enumerable.Range(120, 40).ToArray();
        var test = data.SelectRows(held);
        var p = classifier.PredictProbabilities(test.Frame);
        Assert.All(p, row =>
        {
            Assert.Equal(4, row.Length);
            Assert.Equal(1, row.Sum(), 6);
            Assert.All(row, v => Assert.InRange(v, 0, 1));
        });
        double accuracy = Enumerable.Range(0, held.Length).Count(i => ClassificationReport.ArgMax(p[i]) == test.Labels[i]) / (double)held.Length;
        Assert.True(accuracy > 0.4, $"{name}: held-out accuracy {accuracy:F2} is no better than chance (0.25)");

        string dir = _tmp.File(name);
        ClassifierStore.Save(classifier, dir);
        using var loaded = ClassifierStore.Load(dir);
        var tabular = Assert.IsType<TabularClassifier>(loaded);
        Assert.Equal(name, tabular.Trainer);
        Assert.Equal(data.ClassNames, loaded.Labels);
        Assert.Equal(data.Frame.ColumnNames, loaded.Requirements.VectorColumns!);
        var q = tabular.PredictProbabilities(test.Frame);
        for (int i = 0; i < p.Length; i++) Assert.Equal(p[i], q[i]);
    }

    [Fact]
    public void A_saved_model_predicts_from_clip_features_by_column_name()
    {
        var data = SyntheticTables.Make(rows: 100, seed: 6);
        var trainer = TrainerCatalog.Get("lbfgs_maxent");
        using var classifier = new TabularClassifier(FittedPipeline.Fit(data, null, trainer, trainer.Space.DefaultConfiguration(), 1),
            data.ClassNames, FeatureSetKind.Seed);
        var names = data.Frame.ColumnNames.Reverse().Append("extra").ToArray(); // another order, an extra feature
        var clips = Enumerable.Range(0, 5).Select(i => new ClipFeatures(new FeatureVector(names,
            names.Select(n => n == "extra" ? 42 : data.Frame.Columns[data.Frame.IndexOf(n)].Numbers![i]).ToArray()), null)).ToArray();
        var fromClips = classifier.PredictProbabilities(clips);
        var fromFrame = classifier.PredictProbabilities(data.SelectRows([0, 1, 2, 3, 4]).Frame);
        for (int i = 0; i < 5; i++) Assert.Equal(fromFrame[i], fromClips[i]);
        Assert.Equal(FeatureSetKind.Seed, classifier.Requirements.VectorSet);

        var missing = new[] { new ClipFeatures(new FeatureVector(["inf0"], [1.0]), null) };
        var e = Assert.Throws<MmcsException>(() => classifier.PredictProbabilities(missing));
        Assert.Contains("inf1", e.Message);
    }

    [Fact]
    public void The_1d_cnn_loss_decreases_and_training_is_reproducible()
    {
        var data = SyntheticTables.Make(rows: 160, seed: 7, separation: 2);
        var pre = FittedPreprocessor.Fit(data.Frame, data.Labels, 4, Enumerable.Range(0, 160).ToArray(), new PreprocessOptions(Normalizers.Standard));
        var x = pre.Transform(data.Frame);
        var y = data.Labels.ToArray();
        var options = new Conv1dTrainingOptions { LearningRate = 1e-3, Epochs = 30, BatchSize = 16, Seed = 3 };
        var a = Conv1dTrainer.Train(x, y, 4, new Conv1dArchitecture(), options);
        var b = Conv1dTrainer.Train(x, y, 4, new Conv1dArchitecture(), options);
        using (a.Model)
        using (b.Model)
        {
            Assert.Equal(30, a.EpochLosses.Count);
            Assert.True(a.EpochLosses[^1] < 0.7 * a.EpochLosses[0], $"loss {a.EpochLosses[0]:F3} -> {a.EpochLosses[^1]:F3}");
            Assert.True(a.EpochLosses.Skip(25).Average() < a.EpochLosses.Take(5).Average());
            Assert.Equal(a.EpochLosses, b.EpochLosses);
            Assert.Equal(a.Model.PredictProbabilities(x[..5]), b.Model.PredictProbabilities(x[..5]));
        }
    }

    [Fact]
    public void The_mlp_loss_decreases_training_is_reproducible_and_the_seed_matters()
    {
        var data = SyntheticTables.Make(rows: 160, seed: 7, separation: 2);
        var pre = FittedPreprocessor.Fit(data.Frame, data.Labels, 4, Enumerable.Range(0, 160).ToArray(), new PreprocessOptions(Normalizers.Standard));
        var x = pre.Transform(data.Frame);
        var y = data.Labels.ToArray();
        var options = new MlpTrainingOptions { LearningRate = 3e-3, Epochs = 30, BatchSize = 16, Seed = 3 };
        var a = MlpTrainer.Train(x, y, 4, new MlpArchitecture(), options);
        var b = MlpTrainer.Train(x, y, 4, new MlpArchitecture(), options);
        var c = MlpTrainer.Train(x, y, 4, new MlpArchitecture(), options with { Seed = 4 });
        using (a.Model)
        using (b.Model)
        using (c.Model)
        {
            Assert.Equal(30, a.EpochLosses.Count);
            Assert.True(a.EpochLosses[^1] < 0.5 * a.EpochLosses[0], $"loss {a.EpochLosses[0]:F3} -> {a.EpochLosses[^1]:F3}");
            Assert.Equal(a.EpochLosses, b.EpochLosses);
            Assert.Equal(a.Model.PredictProbabilities(x[..5]), b.Model.PredictProbabilities(x[..5]));
            Assert.NotEqual(a.EpochLosses, c.EpochLosses);
            Assert.Equal(new[] { 128, 64 }, a.Model.Architecture.HiddenUnits());
        }
    }

    [Theory]
    [InlineData(0, 2, 0.3, 1e-3, 0.0, 10, 16, "width")]
    [InlineData(64, 0, 0.3, 1e-3, 0.0, 10, 16, "layers")]
    [InlineData(64, 1, 1.0, 1e-3, 0.0, 10, 16, "dropout")]
    [InlineData(64, 1, 0.3, 0.0, 0.0, 10, 16, "learning rate")]
    [InlineData(64, 1, 0.3, 1e-3, -1.0, 10, 16, "weight decay")]
    [InlineData(64, 1, 0.3, 1e-3, 0.0, 0, 16, "epochs")]
    [InlineData(64, 1, 0.3, 1e-3, 0.0, 10, 1, "batch size")]
    public void Invalid_mlp_settings_are_refused_naming_the_setting(int width, int layers, double dropout, double lr, double decay, int epochs, int batch, string named)
    {
        var x = Enumerable.Range(0, 8).Select(i => new[] { (float)i, 1f }).ToArray();
        var y = Enumerable.Range(0, 8).Select(i => i % 2).ToArray();
        var e = Assert.Throws<MmcsException>(() => MlpTrainer.Train(x, y, 2, new MlpArchitecture { Width = width, Layers = layers, Dropout = dropout },
            new MlpTrainingOptions { LearningRate = lr, WeightDecay = decay, Epochs = epochs, BatchSize = batch }));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void The_1d_cnn_copes_with_a_single_feature_left_after_selection()
    {
        var x = Enumerable.Range(0, 40).Select(i => new[] { (float)(i % 2 == 0 ? -1 - i * 0.01 : 1 + i * 0.01) }).ToArray();
        var y = Enumerable.Range(0, 40).Select(i => i % 2).ToArray();
        var r = Conv1dTrainer.Train(x, y, 2, new Conv1dArchitecture(), new Conv1dTrainingOptions { LearningRate = 1e-2, Epochs = 20, BatchSize = 8 });
        using var model = r.Model;
        var p = model.PredictProbabilities([[-2f], [2f]]);
        Assert.True(p[0][0] > 0.5 && p[1][1] > 0.5);
    }
}

public class CancellationTests
{
    [Theory]
    [InlineData("fasttree_ova")]
    [InlineData("conv1d")]
    [InlineData("mlp")]
    public void A_long_fit_stops_soon_after_cancellation(string name)
    {
        var data = SyntheticTables.Make(rows: 400, noise: 40, seed: 8);
        var trainer = TrainerCatalog.Get(name);
        var values = trainer.Space.DefaultConfiguration().Values.ToDictionary();
        if (name == "conv1d") values["epochs"] = 300;
        else if (name == "mlp")
        {
            values["epochs"] = 200;
            values["width"] = 512;
            values["batch_size"] = 16;
        }
        else
        {
            values["trees"] = 300;
            values["leaves"] = 64;
        }
        var config = new Configuration(name, values);
        // a short fit first, so that loading libtorch or ML.NET (seconds on a busy machine, once per process) is not
        // counted as the time cancellation took
        var quick = values.ToDictionary();
        if (name == "fasttree_ova") quick["trees"] = 2;
        else quick["epochs"] = 1;
        FittedPipeline.Fit(SyntheticTables.Make(rows: 40, noise: 40, seed: 8), null, trainer, new Configuration(name, quick), 1, CancellationToken.None).Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(800));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => FittedPipeline.Fit(data, null, trainer, config, 1, cts.Token));
        // Uncancelled, these fits take about 10 s on this machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{name} stopped after {clock.Elapsed.TotalSeconds:F1} s");
    }
}
