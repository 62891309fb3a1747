using System.Text;
using Mmcs.Core;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Tests.Audio;
using Mmcs.Featurize.Tests.Fixtures;
using Xunit.Abstractions;

namespace Mmcs.Featurize.Tests.Datasets;

public class DatasetReaderTests(ITestOutputHelper output)
{
    private static void Touch(TempDir dir, params string[] files)
    {
        foreach (var f in files) dir.Write(f, [1]);
    }

    [Fact]
    public void Any_folder_names_are_labels_in_ordinal_order()
    {
        using var dir = new TempDir();
        Touch(dir, "rock/a.mp3", "rock/live/b.flac", "jazz/c.wav", "jazz/notes.txt", "jazz/.hidden.mp3", ".git/x.mp3");
        var ds = DatasetReader.Open(dir.Path);
        Assert.Equal(DatasetLayout.FolderPerLabel, ds.Layout);
        Assert.Equal(["jazz", "rock"], ds.Labels);
        Assert.Equal(3, ds.Items.Count);
        Assert.Equal(["jazz/c", "rock/a", "rock/live/b"], ds.Items.Select(i => i.SongId).ToArray());
        Assert.All(ds.Items, i => Assert.Null(i.Group));
        Assert.True(Path.IsPathFullyQualified(ds.Items[0].Path));
    }

    [Fact]
    public void Mood_folder_names_map_to_the_canonical_moods_in_canonical_order()
    {
        using var dir = new TempDir();
        Touch(dir, "Sad/a.mp3", "HAPPY/b.mp3", "relaxed/c.mp3", "angry/d.mp3");
        var ds = DatasetReader.Open(dir.Path);
        Assert.Equal(Moods.Canonical, ds.Labels);
        Assert.Equal("sad", ds.Items.Single(i => i.Path.EndsWith("a.mp3")).Label);
    }

    [Fact]
    public void Mood_folders_stay_moods_beside_a_folder_without_audio_or_a_macos_resource_fork_folder()
    {
        using var dir = new TempDir();
        Touch(dir, "Happy/a.mp3", "Sad/b.mp3", "artwork/cover.jpg", "__MACOSX/Happy/._a.mp3", "__MACOSX/._Sad");
        var ds = DatasetReader.Open(dir.Path);
        Assert.Equal(["happy", "sad"], ds.Labels);
        Assert.Equal(["happy", "sad"], ds.Items.Select(i => i.Label));
        Assert.Contains(ds.Warnings, w => w.Contains("artwork") && w.Contains("no audio files"));
        Assert.DoesNotContain(ds.Warnings, w => w.Contains("__MACOSX"));
    }

    [Fact]
    public void The_turkish_layout_maps_relax_to_relaxed()
    {
        using var dir = new TempDir();
        Touch(dir, "happy/1.mp3", "sad/2.mp3", "angry/3.mp3", "relax/4.mp3");
        Assert.Equal(DatasetLayout.TurkishEmotion, DatasetReader.Detect(dir.Path));
        var ds = DatasetReader.Open(dir.Path);
        Assert.Equal(DatasetLayout.TurkishEmotion, ds.Layout);
        Assert.Equal("relaxed", ds.Items.Single(i => i.SongId == "relax/4").Label);
        Assert.Equal(Moods.Canonical, ds.Labels);
    }

    [Fact]
    public void The_4q_layout_takes_labels_from_the_annotations_and_artists_from_the_latin1_metadata()
    {
        using var dir = new TempDir();
        Touch(dir, "Q1/MT1.mp3", "Q2/MT2.mp3", "Q3/MT3.mp3", "Q4/MT4.mp3", "Q4/MT5.mp3");
        dir.Write(DatasetReader.FourQAnnotations, Encoding.ASCII.GetBytes("Song,Quadrant\r\nMT1,Q1\r\nMT2,Q2\r\nMT3,Q3\r\nMT4,Q4\r\nMT5,Q3\r\nMT9,Q2\r\n"));
        string meta = "\"Song\",\"Artist\",\"Title\",\"Quadrant\"\r\n" +
                      "\"MT1\",\"Beyoncé\",\"Crazy, in \"\"Love\"\"\",\"Q1\"\r\n" +
                      "\"MT2\",\"Motörhead\",\"Ace\",\"Q2\"\r\n" +
                      "\"MT3\",\"Beyoncé\",\"Halo\nmultiline\",\"Q3\"\r\n" +
                      "\"MT4\",\"\",\"x\",\"Q4\"\r\n";
        dir.Write(DatasetReader.FourQMetadata, Encoding.Latin1.GetBytes(meta));
        var ds = DatasetReader.Open(dir.Path);
        Assert.Equal(DatasetLayout.FourQ, ds.Layout);
        var byId = ds.Items.ToDictionary(i => i.SongId);
        Assert.Equal(("happy", "Beyoncé"), (byId["MT1"].Label, byId["MT1"].Group));
        Assert.Equal(("angry", "Motörhead"), (byId["MT2"].Label, byId["MT2"].Group));
        Assert.Equal(("sad", "Beyoncé"), (byId["MT3"].Label, byId["MT3"].Group));
        Assert.Null(byId["MT4"].Group);
        Assert.Equal("sad", byId["MT5"].Label); // the annotation wins over the folder, with a warning
        Assert.Contains(ds.Warnings, w => w.Contains("MT5") && w.Contains("annotated Q3"));
        Assert.Contains(ds.Warnings, w => w.Contains("MT9") && w.Contains("no audio file"));
    }

    [Fact]
    public void A_manifest_with_a_header_resolves_paths_relative_to_itself()
    {
        using var dir = new TempDir();
        Touch(dir, "audio/a.wav", "audio/b.wav");
        dir.Write("lists/train.csv", Encoding.UTF8.GetBytes("\uFEFFlabel,path,artist\nQ1,../audio/a.wav,\"Smith, J\"\nrelax,../audio/b.wav,\nsad,../audio/gone.wav,X\n"));
        var ds = DatasetReader.Open(dir.File("lists/train.csv"));
        Assert.Equal(DatasetLayout.Manifest, ds.Layout);
        Assert.Equal(3, ds.Items.Count);
        var a = ds.Items.Single(i => i.Path.EndsWith("a.wav"));
        Assert.Equal(("happy", "Smith, J", Path.GetFullPath(dir.File("audio/a.wav"))), (a.Label, a.Group, a.Path));
        Assert.Null(ds.Items.Single(i => i.Path.EndsWith("b.wav")).Group);
        Assert.Contains(ds.Warnings, w => w.Contains("gone.wav"));
    }

    [Fact]
    public void A_headerless_manifest_is_path_label_group()
    {
        using var dir = new TempDir();
        dir.Write("m.csv", Encoding.UTF8.GetBytes("x.mp3,jazz,g1\ny.mp3,rock\n"));
        var ds = DatasetReader.ReadManifest(dir.File("m.csv"));
        Assert.Equal(["jazz", "rock"], ds.Labels);
        Assert.Equal("g1", ds.Items[0].Group);
    }

    [Fact]
    public void Unreadable_datasets_are_data_invalid_errors_naming_the_path()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DatasetException>(() => DatasetReader.Open(dir.Path));
        Assert.Equal(ErrorCodes.DataInvalid, e.ErrorCode);
        Assert.Contains(dir.Path, e.Message);
        Assert.Throws<DatasetException>(() => DatasetReader.Open(dir.File("nope")));
        dir.Write("bad.csv", Encoding.UTF8.GetBytes("path,artist\na.mp3,x\n"));
        Assert.Contains("label", Assert.Throws<DatasetException>(() => DatasetReader.Open(dir.File("bad.csv"))).Message);
        // a song or another kind of file is not read as a manifest ("row 1 needs a path and a label" before)
        Touch(dir, "song.wav", "list.json");
        Assert.EndsWith("this is a song", Assert.Throws<DatasetException>(() => DatasetReader.Open(dir.File("song.wav"))).Message);
        Assert.EndsWith("this is a .json file", Assert.Throws<DatasetException>(() => DatasetReader.Open(dir.File("list.json"))).Message);
    }

    [Fact]
    public void Expanding_files_and_folders_finds_audio_recursively_without_duplicates()
    {
        using var dir = new TempDir();
        Touch(dir, "a/1.mp3", "a/b/2.wav", "a/readme.md", "3.ogg");
        var files = DatasetReader.ExpandAudioPaths([dir.File("a"), dir.File("3.ogg"), dir.File("a/1.mp3")]);
        Assert.Equal(3, files.Count);
    }

    [Fact]
    public void The_real_4q_dev_folder_reads_as_452_songs_113_per_mood_with_artists()
    {
        string? shared = LibrosaFixtures.SharedDir();
        string folder = shared == null ? "" : Path.Combine(shared, "datasets", "4q-dev");
        if (!Directory.Exists(folder))
        {
            output.WriteLine("SKIPPED: ../shared/datasets/4q-dev is absent (set MMCS_SHARED_DIR)");
            return;
        }
        var ds = DatasetReader.Open(folder);
        Assert.Equal(DatasetLayout.FourQ, ds.Layout);
        Assert.Equal(452, ds.Items.Count);
        Assert.Equal(Moods.Canonical, ds.Labels);
        Assert.All(ds.CountByLabel().Values, n => Assert.Equal(113, n));
        int withArtist = ds.Items.Count(i => i.Group != null);
        int artists = ds.Items.Select(i => i.Group).Distinct().Count();
        output.WriteLine($"{withArtist} songs with an artist, {artists} artists; warnings: {ds.Warnings.Count}");
        foreach (var w in ds.Warnings.Take(5)) output.WriteLine(w);
        Assert.Equal(452, withArtist);
        Assert.Empty(ds.Warnings);
        Assert.Contains(ds.Items, i => i.Group!.Any(c => c > 127)); // Latin-1 names decoded
    }
}
