using Mmcs.Pipelines.Definition;

namespace Mmcs.Pipelines.Tests.Definition;

public class ShippedPipelinesTests
{
    private static string PipelinesFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found"), "pipelines");
    }

    [Theory]
    [InlineData("demo.yaml")]
    [InlineData("4q.yaml")]
    [InlineData("turkish.yaml")]
    [InlineData("original-study.yaml")]
    public void Every_shipped_pipeline_is_valid_against_the_schema(string file)
    {
        var loaded = PipelineLoader.Load(Path.Combine(PipelinesFolder(), file));
        Assert.False(string.IsNullOrWhiteSpace(loaded.Definition.Name));
    }

    [Fact]
    public void A_folder_given_for_a_pipeline_file_is_named_as_a_folder()
    {
        var e = Assert.Throws<Mmcs.Core.MmcsException>(() => PipelineLoader.Load(PipelinesFolder()));
        Assert.Contains("is a folder, not a pipeline file", e.Message);
        Assert.Contains("does not exist", Assert.Throws<Mmcs.Core.MmcsException>(() => PipelineLoader.Load(Path.Combine(PipelinesFolder(), "nope.yaml"))).Message);
    }

    [Fact]
    public void The_4q_pipeline_evaluates_by_repeated_artist_grouped_ten_fold_cross_validation()
    {
        var p = PipelineLoader.Load(Path.Combine(PipelinesFolder(), "4q.yaml")).Definition;
        Assert.Equal("cv", p.Split.Protocol);
        Assert.Equal(10, p.Split.Folds);
        Assert.True(p.Split.Repeats >= 3);
        Assert.Equal("artist", p.Split.GroupBy);
        // test-time copies only (nothing trains on them), of the kinds a window can take
        Assert.Equal("test", p.Augmentation.Use);
        Assert.Equal(0, p.Augmentation.ShiftSeconds);
        Assert.Equal(0, p.Augmentation.Stretch);
    }

    [Fact]
    public void The_original_study_pipeline_keeps_its_settings_but_augments_training_songs_only_under_a_grouped_split()
    {
        var p = PipelineLoader.Load(Path.Combine(PipelinesFolder(), "original-study.yaml")).Definition;
        Assert.Equal("original", p.Augmentation.Plan);
        Assert.Equal("seed", p.Features.Set);
        Assert.Equal(["conv1d"], p.Train.Automl.Trainers!);
        Assert.Equal("original", p.Train.Cnn.Preset);
        Assert.Equal([300, 400], p.Features.Images.Mel);
        Assert.Equal("artist", p.Split.GroupBy);
    }
}
