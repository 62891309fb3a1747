using Mmcs.Core;
using Mmcs.Pipelines.Definition;

namespace Mmcs.Pipelines.Tests.Definition;

public class PipelineLoaderTests
{
    private const string Valid = """
        name: demo
        experiment: mmcs-demo
        dataset:
          reader: folder
          path: data/synth
        clip:
          excerpt_seconds: 6
        features:
          set: seed
          images:
            mel: [64, 128]
        train:
          automl:
            time: 30
            metric: accuracy
          cnn:
            models: [mel, mfcc]
            epochs: 4
        """;

    private static LoadedPipeline Parse(string yaml, params string[] overrides) =>
        PipelineLoader.Parse(yaml, "p.yaml", "/base", overrides);

    [Fact]
    public void A_valid_file_binds_its_values_and_keeps_defaults_for_the_rest()
    {
        var p = Parse(Valid).Definition;
        Assert.Equal("demo", p.Name);
        Assert.Equal("folder", p.Dataset.Reader);
        Assert.Equal(6, p.Clip.ExcerptSeconds);
        Assert.Equal([64, 128], p.Features.Images.Mel!);
        Assert.Equal([20, 256], p.Features.Images.Mfcc);
        Assert.Equal(30, p.Train.Automl.Time);
        Assert.Equal(["mel", "mfcc"], p.Train.Cnn.Models);
        Assert.Equal(16, p.Train.Cnn.BatchSize); // default
        Assert.Equal("champion", p.Promotion.ChampionAlias); // default
    }

    [Fact]
    public void An_unknown_key_is_reported_with_its_line_and_a_suggestion()
    {
        var e = Assert.Throws<PipelineValidationException>(() => Parse(Valid.Replace("excerpt_seconds", "excerpt_secs")));
        var issue = Assert.Single(e.Issues);
        Assert.Equal(7, issue.Line);
        Assert.Equal("clip.excerpt_secs", issue.Key);
        Assert.Contains("did you mean 'excerpt_seconds'", issue.Message);
        Assert.Contains("p.yaml:7:", e.Message);
    }

    [Fact]
    public void Wrong_types_ranges_and_values_are_all_reported_with_their_lines()
    {
        var yaml = Valid.Replace("time: 30", "time: soon").Replace("epochs: 4", "epochs: 0").Replace("metric: accuracy", "metric: auc");
        var e = Assert.Throws<PipelineValidationException>(() => Parse(yaml));
        Assert.Equal(3, e.Issues.Count);
        Assert.Contains(e.Issues, i => i.Key == "train.automl.time" && i.Line == 14 && i.Message.Contains("expected a number, got 'soon'"));
        Assert.Contains(e.Issues, i => i.Key == "train.automl.metric" && i.Line == 15 && i.Message.Contains("'auc' is not one of: accuracy, macro_f1"));
        Assert.Contains(e.Issues, i => i.Key == "train.cnn.epochs" && i.Line == 18 && i.Message.Contains("out of range"));
    }

    [Fact]
    public void Starting_points_bind_and_a_bad_one_is_reported_at_its_line_with_the_search_s_own_message()
    {
        string With(string start) => Valid.Replace("    metric: accuracy", "    metric: accuracy\n    trainers: [lightgbm, mlp]\n    start: " + start);
        var p = Parse(With("[\"lightgbm:iterations=200:leaves=15\", \"mlp:epochs=80\"]")).Definition;
        Assert.Equal(["lightgbm:iterations=200:leaves=15", "mlp:epochs=80"], p.Train.Automl.Start!);
        var e = Assert.Throws<PipelineValidationException>(() => Parse(With("[\"rbf_svm:c=4\"]")));
        var issue = Assert.Single(e.Issues);
        Assert.Equal("train.automl.start", issue.Key);
        Assert.Equal(17, issue.Line);
        Assert.Contains("'rbf_svm' is not among the trainers searched (lightgbm, mlp)", issue.Message);
        Assert.Contains("has no parameter 'depth'", Assert.Single(Assert.Throws<PipelineValidationException>(() => Parse(With("[\"mlp:depth=3\"]"))).Issues).Message);
        Assert.Contains("expected trainer:key=value", Assert.Single(Assert.Throws<PipelineValidationException>(() => Parse(With("[mlp]"))).Issues).Message);
    }

    [Fact]
    public void Columns_dropped_per_trainer_bind_and_an_unsearched_trainer_or_a_bad_form_is_reported_at_its_line()
    {
        string With(string drop) => Valid.Replace("    metric: accuracy", "    metric: accuracy\n    trainers: [lightgbm, mlp]\n    drop_columns: " + drop);
        Assert.Equal(["mlp:melody_,pitch_"], Parse(With("[\"mlp:melody_,pitch_\"]")).Definition.Train.Automl.DropColumns!);
        var issue = Assert.Single(Assert.Throws<PipelineValidationException>(() => Parse(With("[\"rbf_svm:melody_\"]"))).Issues);
        Assert.Equal(("train.automl.drop_columns", 17), (issue.Key, issue.Line));
        Assert.Contains("columns are dropped for 'rbf_svm', which is not among the trainers searched (lightgbm, mlp)", issue.Message);
        Assert.Contains("trainer:prefix[,prefix...]", Assert.Single(Assert.Throws<PipelineValidationException>(() => Parse(With("[mlp]"))).Issues).Message);
    }

    [Fact]
    public void A_misspelt_trainer_is_reported_at_its_line_when_the_file_is_validated_not_after_featurisation()
    {
        string With(string trainers) => Valid.Replace("    metric: accuracy", "    metric: accuracy\n    trainers: " + trainers);
        var issue = Assert.Single(Assert.Throws<PipelineValidationException>(() => Parse(With("[lightgbm, lbfgs_maxnet]"))).Issues);
        Assert.Equal("train.automl.trainers", issue.Key);
        Assert.Equal(16, issue.Line);
        Assert.Contains("lbfgs_maxnet", issue.Message);
        Assert.Contains(Assert.Throws<PipelineValidationException>(() => Parse(With("[]"))).Issues,
            i => i.Key == "train.automl.trainers" && i.Message.Contains("the trainer list is empty"));
        Assert.Equal(["lightgbm", "lbfgs_maxent"], Parse(With("[lightgbm, lbfgs_maxent]")).Definition.Train.Automl.Trainers!);
    }

    [Theory]
    [InlineData("../../evil")]
    [InlineData("\"\"")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    public void A_name_that_could_not_name_the_lock_and_schedule_files_is_refused(string name)
    {
        var issue = Assert.Single(Assert.Throws<PipelineValidationException>(() => Parse(Valid.Replace("name: demo", "name: " + name))).Issues);
        Assert.Equal("name", issue.Key);
        Assert.Equal(1, issue.Line);
        Assert.Equal("4q (v2) mood+tempo", Parse(Valid.Replace("name: demo", "name: 4q (v2) mood+tempo")).Definition.Name);
    }

    [Fact]
    public void Refit_trainers_need_test_time_copies_and_a_trainer_that_is_searched()
    {
        const string yaml = """
            name: refit
            dataset:
              reader: folder
            augmentation:
              copies: 1
              pitch_semitones: 1
              use: test
              refit_trainers: [rbf_svm]
            train:
              automl:
                trainers: [rbf_svm, mlp]
            """;
        Assert.Equal(["rbf_svm"], Parse(yaml).Definition.Augmentation.RefitTrainers!);
        var notSearched = Assert.Single(Assert.Throws<PipelineValidationException>(() => Parse(yaml.Replace("[rbf_svm, mlp]", "[mlp]"))).Issues);
        Assert.Equal("augmentation.refit_trainers", notSearched.Key);
        Assert.Equal(8, notSearched.Line);
        Assert.Contains("'rbf_svm' is not among the trainers searched (mlp)", notSearched.Message);
        // without a trainer list every trainer is searched
        Assert.Equal(["rbf_svm"], Parse(yaml.Replace("train:\n  automl:\n    trainers: [rbf_svm, mlp]\n", "")).Definition.Augmentation.RefitTrainers!);
        Assert.Contains("not among the trainers searched", Assert.Single(Assert.Throws<PipelineValidationException>(() => Parse(yaml.Replace("[rbf_svm]", "[svm]"))).Issues).Message);
        Assert.Contains("needs use: test", Assert.Single(Assert.Throws<PipelineValidationException>(() => Parse(yaml, "augmentation.use=both")).Issues).Message);
    }

    [Fact]
    public void A_missing_required_key_is_reported()
    {
        var e = Assert.Throws<PipelineValidationException>(() => Parse("name: x\n"));
        Assert.Contains(e.Issues, i => i.Key == "dataset" && i.Message == "required key is missing");
    }

    [Fact]
    public void A_yaml_syntax_error_names_its_line()
    {
        var e = Assert.Throws<PipelineValidationException>(() => Parse("name: x\ndataset:\n  path: [unclosed\n"));
        Assert.Contains("YAML syntax error", e.Message);
        Assert.True(e.Issues[0].Line >= 3);
    }

    [Fact]
    public void A_tab_in_an_indentation_is_reported_where_the_tab_is()
    {
        // YamlDotNet reports it at the token before (here 1:1)
        var e = Assert.Throws<PipelineValidationException>(() => Parse("name: x\ndataset:\n  path: data\n  reader: auto\nsplit:\n  seed: 1\n\tseed: 2\n"));
        Assert.Contains("tab", e.Issues[0].Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal((7, 1), (e.Issues[0].Line, e.Issues[0].Column));
        // a tab inside an earlier block scalar is text, not the error
        e = Assert.Throws<PipelineValidationException>(() => Parse(
            "name: x\ndescription: |\n  one\n  \ttwo\ndataset:\n  path: data\nsplit:\n  seed: 1\n\tseed: 2\n"));
        Assert.Equal((9, 1), (e.Issues[0].Line, e.Issues[0].Column));
    }

    [Fact]
    public void Overrides_replace_values_and_create_missing_sections()
    {
        var p = Parse(Valid, "train.automl.time=120", "train.cnn.models=[mel]", "split.seed=9", "registry.model_name=moody").Definition;
        Assert.Equal(120, p.Train.Automl.Time);
        Assert.Equal(["mel"], p.Train.Cnn.Models);
        Assert.Equal(9, p.Split.Seed);
        Assert.Equal("moody", p.Registry.ModelName);
    }

    [Fact]
    public void A_bad_override_is_reported_against_the_override_not_a_line_of_the_file()
    {
        var e = Assert.Throws<PipelineValidationException>(() => Parse(Valid, "train.automl.time=-5"));
        var issue = Assert.Single(e.Issues);
        Assert.Equal("--set train.automl.time=-5", issue.File);
        Assert.Contains("out of range", issue.Message);
        var unknown = Assert.Throws<PipelineValidationException>(() => Parse(Valid, "train.automl.tim=5"));
        Assert.Contains("did you mean 'time'", unknown.Message);
        // a new section that the schema does not know is blamed on the --set too, not on line 1 of the file
        var section = Assert.Throws<PipelineValidationException>(() => Parse(Valid, "nosuch.key=1"));
        Assert.Equal("--set nosuch.key=1", Assert.Single(section.Issues).File);
        Assert.Throws<MmcsException>(() => Parse(Valid, "no-equals-sign"));
    }

    [Fact]
    public void An_image_size_must_have_two_numbers()
    {
        var e = Assert.Throws<PipelineValidationException>(() => Parse(Valid.Replace("mel: [64, 128]", "mel: [64]")));
        Assert.Contains("expected [rows, cols]", e.Message);
    }

    [Fact]
    public void The_data_folder_comes_from_the_option_or_from_the_file_relative_to_it()
    {
        var p = Parse(Valid);
        Assert.Equal(Path.GetFullPath("/base/data/synth"), p.ResolveDataPath(null));
        Assert.Equal(Path.GetFullPath("/elsewhere"), p.ResolveDataPath("/elsewhere"));
        var noPath = Parse(Valid.Replace("  path: data/synth\n", ""));
        Assert.Throws<MmcsException>(() => noPath.ResolveDataPath(null));
    }
}
