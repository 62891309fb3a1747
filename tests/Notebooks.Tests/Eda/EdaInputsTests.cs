using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Storage;
using Mmcs.Featurize.Synthesis;
using Mmcs.Notebooks.Eda;

namespace Mmcs.Notebooks.Tests.Eda;

public sealed class EdaInputsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-eda-in-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Csv(string text)
    {
        var path = Path.Combine(_dir, "features.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_csv_table_gives_its_numeric_columns_as_features_and_finds_the_mood_column()
    {
        var path = Csv("file,mood,tempo,rms,genre\na.wav,happy,120,0.5,\"pop, \"\"rock\"\"\"\nb.wav,sad,70,0.1,folk\nc.wav,happy,125,0.45,pop\nd.wav,sad,65,0.12,jazz\n");

        var (table, notices) = EdaInputs.FromTable(path);

        Assert.Equal(["tempo", "rms"], table.FeatureNames);
        Assert.Equal(["happy", "sad"], table.Classes);
        Assert.Equal([120, 70, 125, 65], table.Column("tempo"));
        Assert.Contains(notices, n => n.Contains("genre"));
    }

    [Fact]
    public void A_table_without_a_recognisable_label_column_says_how_to_name_it()
    {
        var path = Csv("a,b\n1,2\n3,4\n");

        var e = Assert.Throws<MmcsException>(() => EdaInputs.FromTable(path));

        Assert.Contains("no label column found", e.Message);
        Assert.Contains("--label", e.Message);
    }

    [Fact]
    public async Task The_report_of_a_table_is_written_with_its_analysis()
    {
        var rows = string.Concat(Enumerable.Range(0, 40).Select(i => $"{(i % 2 == 0 ? "angry" : "relaxed")},{i % 2 * 10 + i % 3},{i % 5}\n"));
        var path = Csv("label,energy,other\n" + rows);
        var report = Path.Combine(_dir, "report.html");

        var (analysis, _) = await EdaInputs.WriteReportAsync(path, report);

        Assert.True(File.Exists(report));
        Assert.Equal("energy", analysis.Separability[0].Feature);
        Assert.Contains("EDA of features.csv", await File.ReadAllTextAsync(report));
    }

    [Fact]
    public async Task A_feature_table_of_the_featuriser_keeps_its_ids_and_leaves_augmented_rows_out()
    {
        var path = Path.Combine(_dir, "features.parquet");
        var rows = Enumerable.Range(0, 8).Select(i => new FeatureRow($"clip{i}", $"/data/clip{i}.wav", i % 2 == 0 ? "happy" : "sad",
            $"artist{i / 2}", $"clip{i}", i == 7 ? "noise" : null, [i, i % 2 * 5.0])).ToList();
        await FeatureTableIO.WriteAsync(path, new FeatureTable(["tempo", "rms"], rows));

        var (table, notices) = EdaInputs.FromTable(path);

        Assert.Equal(["tempo", "rms"], table.FeatureNames);
        Assert.Equal(7, table.RowCount);
        Assert.Equal("clip0", table.Ids[0]);
        Assert.Equal(["happy", "sad"], table.Classes);
        Assert.Contains(notices, n => n.Contains("1 augmented rows left out"));
    }

    [Fact]
    public async Task A_dataset_folder_is_featurised_into_the_57_seed_features_of_every_clip()
    {
        var corpus = Path.Combine(_dir, "corpus");
        SyntheticCorpus.Generate(corpus, new SyntheticCorpusOptions { PerClass = 3, Seconds = 2, Seed = 5 });
        var options = new EdaDatasetOptions
        {
            Featurizer = new FeaturizerOptions { ExcerptSeconds = 2 },
            CacheDirectory = Path.Combine(_dir, "cache"),
        };

        var (table, notices) = await EdaInputs.FromDatasetAsync(corpus, options);
        var (again, againNotices) = await EdaInputs.FromDatasetAsync(corpus, options);

        Assert.Equal(57, table.FeatureNames.Count);
        Assert.Equal("scale", table.FeatureNames[0]);
        Assert.Equal(12, table.RowCount);
        Assert.Equal(["happy", "angry", "sad", "relaxed"], table.Classes);
        Assert.Contains(notices, n => n.Contains("12 clips featurised (0 from the cache)"));
        Assert.Contains(againNotices, n => n.Contains("12 clips featurised (12 from the cache)"));
        Assert.Equal(table.Column("rms_mean"), again.Column("rms_mean"));
    }

    [Fact]
    public async Task A_dataset_whose_clips_are_all_shorter_than_the_excerpt_says_what_to_change()
    {
        var corpus = Path.Combine(_dir, "short");
        SyntheticCorpus.Generate(corpus, new SyntheticCorpusOptions { PerClass = 1, Seconds = 1, Seed = 5 });

        var e = await Assert.ThrowsAsync<MmcsException>(() => EdaInputs.FromDatasetAsync(corpus,
            new EdaDatasetOptions { Featurizer = new FeaturizerOptions { ExcerptSeconds = 3 }, CacheDirectory = null }));

        Assert.Contains("no clip could be featurised (4 skipped, 0 failed)", e.Message);
        Assert.Contains("shorter excerpt or pad short clips", e.Message);
    }
}
