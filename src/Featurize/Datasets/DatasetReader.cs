using System.Text;
using Mmcs.Featurize.Storage;

namespace Mmcs.Featurize.Datasets;

/// <summary>
/// Reads labelled audio collections: a folder with one sub-folder per label, the 4Q emotion dataset
/// (Q1..Q4 → happy/angry/sad/relaxed, artists from its Latin-1 metadata as groups), the Turkish emotion
/// dataset (happy/sad/angry/relax → relaxed), or a CSV manifest (path,label[,group][,song]).
/// <see cref="Open"/> detects which.
/// </summary>
public static class DatasetReader
{
    /// <summary>File extensions taken as audio (case-insensitive).</summary>
    public static IReadOnlySet<string> AudioExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".wave", ".mp3", ".ogg", ".oga", ".flac", ".m4a", ".aac", ".opus", ".wma", ".aif", ".aiff", ".au", ".mp2", ".webm", ".mka",
    };

    public const string FourQAnnotations = "panda_dataset_taffc_annotations.csv";
    public const string FourQMetadata = "panda_dataset_taffc_metadata.csv";

    private static readonly string[] TurkishFolders = ["happy", "sad", "angry", "relax"];

    /// <summary>The quadrant folders of the 4Q layout (matched ignoring case).</summary>
    public static IReadOnlyList<string> FourQFolders { get; } = ["Q1", "Q2", "Q3", "Q4"];

    /// <summary>Whether a folder name is one of <see cref="FourQFolders"/>, in any case.</summary>
    public static bool IsFourQFolder(string name) => FourQFolders.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a path has an audio extension.</summary>
    public static bool IsAudioFile(string path) => AudioExtensions.Contains(Path.GetExtension(path));

    /// <summary>Reads a dataset, detecting its layout: a .csv file is a manifest; a folder is 4Q, Turkish or folder-per-label.</summary>
    public static Dataset Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            // a song or any other file than a .csv is not a list of labelled files
            string extension = Path.GetExtension(path);
            if (!extension.Equals(".csv", StringComparison.OrdinalIgnoreCase))
            {
                string what = IsAudioFile(path) ? "song" : extension.Length > 0 ? extension + " file" : "file without an extension";
                throw new DatasetException($"{Path.GetFullPath(path)}: a labelled dataset is a folder (4Q layout, or one folder per mood) or a manifest .csv of path,label rows; this is a {what}");
            }
            return ReadManifest(path);
        }
        if (!Directory.Exists(path)) throw new DatasetException($"{path}: no such dataset folder or manifest");
        return Detect(path) switch
        {
            DatasetLayout.FourQ => ReadFourQ(path),
            DatasetLayout.TurkishEmotion => ReadTurkish(path),
            _ => ReadFolderPerLabel(path),
        };
    }

    /// <summary>The layout of a dataset folder.</summary>
    public static DatasetLayout Detect(string folder)
    {
        var subs = SubFolders(folder);
        var names = subs.Select(Path.GetFileName).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(Path.Combine(folder, FourQAnnotations)) || FourQFolders.All(names.Contains))
            return DatasetLayout.FourQ;
        if (names.Contains("relax") && TurkishFolders.Count(names.Contains) >= 3)
            return DatasetLayout.TurkishEmotion;
        return DatasetLayout.FolderPerLabel;
    }

    /// <summary>One sub-folder per label (audio found recursively inside each); the folder names are the labels,
    /// mapped to canonical moods when every one of them names a mood.</summary>
    public static Dataset ReadFolderPerLabel(string folder) => ReadFolders(folder, DatasetLayout.FolderPerLabel);

    /// <summary>The Turkish emotion dataset: happy/sad/angry/relax folders (relax → relaxed).</summary>
    public static Dataset ReadTurkish(string folder) => ReadFolders(folder, DatasetLayout.TurkishEmotion);

    private static Dataset ReadFolders(string folder, DatasetLayout layout)
    {
        string root = Path.GetFullPath(folder);
        var subs = SubFolders(root);
        var folderLabels = subs.Select(s => Path.GetFileName(s)!).ToList();
        // the labels are moods when every folder that holds audio names one (in any case): an artwork/ or empty folder
        // beside Happy/ and Sad/ does not turn them into the labels "Happy" and "Sad"
        var filesOf = subs.ToDictionary(s => s, AudioFilesUnder);
        var labelled = subs.Where(s => filesOf[s].Count > 0).Select(s => Path.GetFileName(s)!).ToList();
        bool moods = labelled.Count > 0 && labelled.All(l => Moods.Normalize(l) != null);
        if (layout == DatasetLayout.TurkishEmotion && !moods)
            throw new DatasetException($"{root}: a Turkish-emotion layout holds only happy/sad/angry/relax folders, found {string.Join(", ", folderLabels)}");
        var items = new List<DatasetItem>();
        var warnings = new List<string>();
        foreach (string sub in subs)
        {
            string name = Path.GetFileName(sub)!;
            var files = filesOf[sub];
            if (files.Count == 0)
            {
                warnings.Add($"{sub}: no audio files");
                continue;
            }
            string label = moods ? Moods.Normalize(name)! : name;
            items.AddRange(files.Select(f => new DatasetItem(f, label, null, SongIdOf(root, f))));
        }
        var loose = Directory.EnumerateFiles(root).Where(IsAudioFile).Count();
        if (loose > 0) warnings.Add($"{root}: {loose} audio files directly in the root have no label folder and were ignored");
        if (items.Count == 0) throw new DatasetException($"{root}: no labelled audio found (expected one sub-folder of audio files per label)");
        return Make(root, layout, items, moods, warnings);
    }

    /// <summary>The 4Q audio emotion dataset (Panda et al. 2018): Q1..Q4 folders of &lt;Song&gt;.mp3, labels from
    /// panda_dataset_taffc_annotations.csv (Song,Quadrant) mapped to moods, artists from
    /// panda_dataset_taffc_metadata.csv (Latin-1) as groups. Files without an annotation take their folder's
    /// quadrant; disagreements and annotated songs without a file are warnings.</summary>
    public static Dataset ReadFourQ(string folder)
    {
        string root = Path.GetFullPath(folder);
        var warnings = new List<string>();
        var annotations = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string annPath = Path.Combine(root, FourQAnnotations);
        if (File.Exists(annPath))
        {
            var rows = Csv.ReadFile(annPath);
            var (songCol, quadCol) = Columns(rows, annPath, "Song", "Quadrant");
            foreach (var row in rows.Skip(1))
            {
                if (row.Length <= Math.Max(songCol, quadCol)) continue;
                string song = row[songCol].Trim(), quad = row[quadCol].Trim();
                if (Moods.Normalize(quad) is null)
                    throw new DatasetException($"{annPath}: song {song} has quadrant '{quad}', expected Q1..Q4");
                annotations[song] = quad.ToUpperInvariant();
            }
        }
        else warnings.Add($"{annPath}: absent; labels come from the Q1..Q4 folders");

        var artists = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string metaPath = Path.Combine(root, FourQMetadata);
        if (File.Exists(metaPath))
        {
            var rows = Csv.ReadFile(metaPath, Encoding.Latin1);
            var (songCol, artistCol) = Columns(rows, metaPath, "Song", "Artist");
            foreach (var row in rows.Skip(1))
            {
                if (row.Length <= Math.Max(songCol, artistCol)) continue;
                string artist = row[artistCol].Trim();
                if (artist.Length > 0) artists[row[songCol].Trim()] = artist;
            }
        }
        else warnings.Add($"{metaPath}: absent; no artist groups (splits cannot keep artists together)");

        var items = new List<DatasetItem>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string sub in SubFolders(root))
        {
            if (!IsFourQFolder(Path.GetFileName(sub)!)) continue;
            string quadrant = Path.GetFileName(sub)!.ToUpperInvariant();
            foreach (string file in AudioFilesUnder(sub))
            {
                string song = Path.GetFileNameWithoutExtension(file);
                if (!seen.Add(song))
                {
                    warnings.Add($"{file}: song {song} appears more than once; the first is kept");
                    continue;
                }
                string q = quadrant;
                if (annotations.TryGetValue(song, out var annotated))
                {
                    if (annotated != quadrant) warnings.Add($"{file}: in folder {quadrant} but annotated {annotated}; the annotation is used");
                    q = annotated;
                }
                else if (annotations.Count > 0) warnings.Add($"{file}: not in {FourQAnnotations}; its folder {quadrant} is used");
                if (artists.Count > 0 && !artists.ContainsKey(song)) warnings.Add($"{file}: no artist in {FourQMetadata}");
                items.Add(new DatasetItem(file, Moods.Normalize(q)!, artists.GetValueOrDefault(song), song));
            }
        }
        foreach (var song in annotations.Keys.Where(s => !seen.Contains(s)).Order(StringComparer.Ordinal))
            warnings.Add($"{song}: annotated but no audio file found");
        if (items.Count == 0) throw new DatasetException($"{root}: no audio in Q1..Q4 folders");
        return Make(root, DatasetLayout.FourQ, items, moods: true, warnings);
    }

    /// <summary>A CSV manifest with a header naming at least "path" and "label" (optional "group"/"artist" and
    /// "song"/"song_id"), or headerless rows of path,label[,group]. Relative paths are relative to the manifest's folder.
    /// Labels that all name moods are mapped to the canonical moods.</summary>
    public static Dataset ReadManifest(string manifestPath)
    {
        string full = Path.GetFullPath(manifestPath);
        if (!File.Exists(full)) throw new DatasetException($"{full}: no such manifest");
        var rows = Csv.ReadFile(full);
        if (rows.Count == 0) throw new DatasetException($"{full}: the manifest is empty");
        int pathCol = 0, labelCol = 1, groupCol = 2, songCol = -1;
        int start = 0;
        var header = rows[0].Select(h => h.Trim().ToLowerInvariant()).ToArray();
        if (header.Contains("path") || header.Contains("file"))
        {
            pathCol = Array.FindIndex(header, h => h is "path" or "file");
            labelCol = Array.FindIndex(header, h => h is "label" or "mood" or "class");
            groupCol = Array.FindIndex(header, h => h is "group" or "artist");
            songCol = Array.FindIndex(header, h => h is "song" or "song_id" or "songid" or "id");
            if (labelCol < 0) throw new DatasetException($"{full}: the header has no 'label' column");
            start = 1;
        }
        string baseDir = Path.GetDirectoryName(full)!;
        var raw = new List<(string Path, string Label, string? Group, string? Song)>();
        for (int r = start; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.All(string.IsNullOrWhiteSpace)) continue;
            if (row.Length <= Math.Max(pathCol, labelCol) || string.IsNullOrWhiteSpace(row[pathCol]) || string.IsNullOrWhiteSpace(row[labelCol]))
                throw new DatasetException($"{full}: row {r + 1} needs a path and a label");
            string p = row[pathCol].Trim();
            string? g = groupCol >= 0 && groupCol < row.Length && !string.IsNullOrWhiteSpace(row[groupCol]) ? row[groupCol].Trim() : null;
            string? s = songCol >= 0 && songCol < row.Length && !string.IsNullOrWhiteSpace(row[songCol]) ? row[songCol].Trim() : null;
            raw.Add((Path.GetFullPath(Path.Combine(baseDir, p)), row[labelCol].Trim(), g, s));
        }
        if (raw.Count == 0) throw new DatasetException($"{full}: the manifest lists no files");
        bool moods = raw.All(x => Moods.Normalize(x.Label) != null);
        var warnings = raw.Where(x => !File.Exists(x.Path)).Select(x => $"{x.Path}: listed in the manifest but absent").ToList();
        var items = raw.Select(x => new DatasetItem(x.Path, moods ? Moods.Normalize(x.Label)! : x.Label, x.Group,
            x.Song ?? SongIdOf(baseDir, x.Path))).ToList();
        return Make(full, DatasetLayout.Manifest, items, moods, warnings);
    }

    /// <summary>Audio files for paths that are files or folders (recursively), unlabelled, sorted, duplicates removed.</summary>
    public static IReadOnlyList<string> ExpandAudioPaths(IEnumerable<string> paths)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in paths)
        {
            if (Directory.Exists(p)) result.UnionWith(AudioFilesUnder(Path.GetFullPath(p)));
            else result.Add(Path.GetFullPath(p)); // a missing file is reported when it is read
        }
        return result.ToList();
    }

    private static Dataset Make(string root, DatasetLayout layout, List<DatasetItem> items, bool moods, List<string> warnings)
    {
        items.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var present = items.Select(i => i.Label).ToHashSet();
        IReadOnlyList<string> labels = moods
            ? Moods.Canonical.Where(present.Contains).ToList()
            : present.Order(StringComparer.Ordinal).ToList();
        return new Dataset(root, layout, items, labels, warnings);
    }

    private static (int, int) Columns(List<string[]> rows, string path, string a, string b)
    {
        if (rows.Count == 0) throw new DatasetException($"{path}: empty");
        int ia = Array.FindIndex(rows[0], h => h.Trim().Equals(a, StringComparison.OrdinalIgnoreCase));
        int ib = Array.FindIndex(rows[0], h => h.Trim().Equals(b, StringComparison.OrdinalIgnoreCase));
        if (ia < 0 || ib < 0) throw new DatasetException($"{path}: the header must name columns '{a}' and '{b}'");
        return (ia, ib);
    }

    /// <summary>True when audio is found under <paramref name="folder"/> (hidden files and folders aside).</summary>
    public static bool HoldsAudio(string folder) => AudioFilesIn(folder).Any();

    /// <summary>Folders a dataset reader never reads as data: hidden ones and macOS zip resource forks.</summary>
    public static bool IsIgnoredFolder(string name) => name.StartsWith('.') || name == "__MACOSX";

    private static List<string> SubFolders(string folder) =>
        Directory.EnumerateDirectories(folder)
            .Where(d => !IsIgnoredFolder(Path.GetFileName(d)!))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static List<string> AudioFilesUnder(string folder) => AudioFilesIn(folder).Order(StringComparer.Ordinal).ToList();

    private static IEnumerable<string> AudioFilesIn(string folder) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden })
            .Where(IsAudioFile)
            .Where(f => !Path.GetFileName(f).StartsWith('.'));

    private static string SongIdOf(string root, string file)
    {
        string rel = Path.GetRelativePath(root, file);
        string noExt = Path.Combine(Path.GetDirectoryName(rel) ?? "", Path.GetFileNameWithoutExtension(rel));
        return noExt.Replace('\\', '/');
    }
}
