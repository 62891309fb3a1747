using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Augment;
using Mmcs.Featurize.Batch;
using Mmcs.Featurize.Datasets;
using Mmcs.Featurize.Storage;
using Mmcs.Pipelines.Definition;
using Mmcs.Pipelines.Run;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs features …`: batch featurisation (tables, arrays, the shared cache, shards).</summary>
internal static class FeaturesCommands
{
    public static Command Create()
    {
        var features = new Command("features", "Feature extraction: audio in, librosa-compatible features out.");
        features.Subcommands.Add(Extract());
        return features;
    }

    private static Command Extract()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Audio files, folders or a dataset folder (omit with --pipeline to use its dataset).", Arity = ArgumentArity.ZeroOrMore };
        var pipeline = new Option<string?>("--pipeline") { Description = "Take clip policy, feature set, image sizes, augmentation, cache folder and dataset from this pipeline YAML, so that `mmcs pipeline run` finds everything in the cache." };
        var set = new Option<string>("--set") { Description = "1D feature set: seed (the original study's 57) or full.", DefaultValueFactory = _ => "full" };
        set.AcceptOnlyFromAmong("seed", "full");
        var table = new Option<string?>("--out") { Description = "Feature table to write (.csv or .parquet)." };
        var arrays = new Option<string?>("--arrays") { Description = "Folder for per-clip .npz arrays (spectrogram, MFCC, mel images)." };
        var images = new Option<bool>("--images") { Description = "Also compute the 2D images (native sizes unless --pipeline gives sizes)." };
        var cacheDir = new Option<string?>("--cache-dir") { Description = $"Feature cache folder (default {FeatureCache.DefaultDirectory})." };
        var shard = new Option<string?>("--shard") { Description = "Only the i-th of n shards (1-based, e.g. 3/8), by content hash: n jobs fill one cache in parallel." };
        var excerpt = CommonOptions.Positive(new Option<double?>("--excerpt") { Description = "Excerpt length in seconds (default 25.5, as the original study)." });
        var padShort = new Option<bool>("--pad-short") { Description = "Zero-pad clips shorter than the excerpt instead of skipping them." };
        var augment = new Option<bool>("--augment-original") { Description = "Add the original study's augmented copies (noise 0.02, shift 1 s) of every clip." };
        var data = new Option<string?>("--data") { Description = "With --pipeline: the dataset folder (overrides dataset.path)." };
        var json = CommonOptions.Json();
        var command = new Command("extract",
            "Featurise audio into a table (.csv/.parquet), per-clip arrays and/or the feature cache, using every core. Bad " +
            "files are reported and skipped. One labelled dataset (a manifest CSV, the 4Q or Turkish layout, or one folder per " +
            "mood) gives labelled rows. With --shard i/n several machines featurise one collection into a shared cache. " +
            "One file with --json (and no --out or --arrays) prints its librosa-style summary of the whole file (means and " +
            "variances over frames, tempo, key); otherwise --json prints the run's summary.")
        {
            inputs, pipeline, set, table, arrays, images, cacheDir, shard, excerpt, padShort, augment, data, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            FeatureExtractionRequest request;
            if (parse.GetValue(pipeline) is { } file)
            {
                var given = parse.GetValue(inputs) ?? [];
                // the pipeline decides these; a value given here would be ignored, so it is refused
                var decided = new (string Name, bool Given)[]
                {
                    ("--set", parse.GetResult(set) is { Implicit: false }), ("--excerpt", parse.GetValue(excerpt) != null),
                    ("--pad-short", parse.GetValue(padShort)), ("--images", parse.GetValue(images)), ("--augment-original", parse.GetValue(augment)),
                }.Where(o => o.Given).Select(o => o.Name).ToList();
                if (decided.Count > 0)
                    throw new MmcsException(ErrorCodes.InvalidParameterValue,
                        $"{string.Join(", ", decided)}: with --pipeline the pipeline's clip, features and augmentation sections decide this; edit {file} instead");
                if (given.Length > 1 || (given.Length == 1 && parse.GetValue(data) != null))
                    throw new MmcsException(ErrorCodes.InvalidParameterValue,
                        "with --pipeline give one dataset folder, either as the input or as --data (or neither, for the pipeline's dataset.path)");
                var loaded = PipelineLoader.Load(file);
                var runner = new PipelineRunner(loaded);
                string dataPath = given.Length == 1 ? Path.GetFullPath(given[0]) : loaded.ResolveDataPath(parse.GetValue(data));
                request = runner.FeatureRequest(runner.ReadDataset(dataPath));
                if (parse.GetValue(cacheDir) is { } c) request = request with { CacheDirectory = Path.GetFullPath(c) };
            }
            else if (asJson && parse.GetValue(inputs) is [var single] && File.Exists(single) && parse.GetValue(table) == null && parse.GetValue(arrays) == null
                     && !single.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                // one file with --json: the librosa-style summary (per-row means and population variances, tempo, key) of the
                // whole file at librosa's defaults; the options of a featurising run do not apply, so they are refused
                var ignored = new (string Name, bool Given)[]
                {
                    ("--set", parse.GetResult(set) is { Implicit: false }), ("--excerpt", parse.GetValue(excerpt) != null),
                    ("--pad-short", parse.GetValue(padShort)), ("--images", parse.GetValue(images)), ("--cache-dir", parse.GetValue(cacheDir) != null),
                    ("--shard", parse.GetValue(shard) != null), ("--augment-original", parse.GetValue(augment)), ("--data", parse.GetValue(data) != null),
                }.Where(o => o.Given).Select(o => o.Name).ToList();
                if (ignored.Count > 0)
                    throw new MmcsException(ErrorCodes.InvalidParameterValue,
                        $"{string.Join(", ", ignored)}: one file with --json prints the librosa summary of the whole file, which takes no such option; add --out FILE to featurise it with them");
                var options = new FeaturizerOptions();
                var signal = new Mmcs.Featurize.Audio.AudioLoader(options).Load(single, ct);
                var librosa = new ClipFeaturizer(options).Summarize(signal);
                Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(librosa));
                return 0;
            }
            else
            {
                var given = parse.GetValue(inputs) ?? [];
                if (parse.GetValue(data) != null)
                    throw new MmcsException(ErrorCodes.InvalidParameterValue, "--data goes with --pipeline FILE; without it, give the audio files or folders as inputs");
                if (given.Length == 0)
                    throw new MmcsException(ErrorCodes.InvalidParameterValue, "give audio files or folders to featurise, or --pipeline FILE");
                var options = new FeaturizerOptions { PadShortClips = parse.GetValue(padShort) };
                if (parse.GetValue(excerpt) is { } e) options = options with { ExcerptSeconds = e };
                var dataset = LabelledDataset(given, out string? datasetNote);
                if (datasetNote != null && !asJson) Console.Error.WriteLine($"note: {datasetNote}");
                if (dataset != null && !asJson)
                {
                    CliConsole.Info($"{dataset.Root}: a labelled dataset ({dataset.Layout}), {dataset.Items.Count} clips labelled {string.Join(", ", dataset.Labels)}");
                    foreach (var warning in dataset.Warnings) Console.Error.WriteLine($"note: {warning}");
                }
                request = new FeatureExtractionRequest
                {
                    Inputs = dataset == null ? given : [],
                    Items = dataset?.Items,
                    Set = parse.GetValue(set) == "seed" ? FeatureSetKind.Seed : FeatureSetKind.Full,
                    Options = options,
                    Images = parse.GetValue(images) || parse.GetValue(arrays) != null ? new ImageOptions() : null,
                    CacheDirectory = parse.GetValue(cacheDir) ?? FeatureCache.DefaultDirectory,
                    Augmentation = parse.GetValue(augment) ? AugmentationPlan.OriginalStudy() : null,
                };
            }
            request = request with
            {
                TablePath = parse.GetValue(table),
                ArraysDirectory = parse.GetValue(arrays),
                Shard = parse.GetValue(shard) is { } s ? ShardSpec.Parse(s) : null,
            };
            var summary = await CliConsole.WithProgressAsync(asJson, progress => FeatureExtraction.RunAsync(request, progress, ct));
            if (summary.Files + summary.FilesOutsideShard == 0)
                throw new MmcsException(ErrorCodes.InvalidParameterValue,
                    $"no audio file found in {string.Join(", ", request.Inputs)} (audio: {string.Join(" ", DatasetReader.AudioExtensions.Order(StringComparer.Ordinal))}); nothing was written");
            if (asJson)
            {
                CliConsole.WriteJson(summary);
            }
            else
            {
                CliConsole.Info($"{summary.Succeeded} clips featurised ({summary.CacheHits} from the cache, {summary.Computed} computed), " +
                                $"{summary.Skipped} skipped, {summary.Failed} failed, {summary.FilesOutsideShard} in other shards; " +
                                $"{summary.FeatureNames.Count} features in {summary.Timings.Wall.TotalSeconds:0.0} s");
                if (summary.TablePath != null) CliConsole.Info($"table: {summary.TablePath}");
                else if (parse.GetValue(table) is { } wanted)
                    CliConsole.Info($"no table written to {wanted}: no clip was featurised" +
                                    (File.Exists(wanted) ? " (the file already there is left as it was)" : ""));
                if (summary.ArraysDirectory != null) CliConsole.Info($"arrays: {summary.ArraysDirectory}");
                if (summary.CacheDirectory != null) CliConsole.Info($"cache: {summary.CacheDirectory}");
                foreach (var f in summary.Failures) CliConsole.Error(f.Message.Contains(f.Path, StringComparison.Ordinal) ? f.Message : $"{f.Path}: {f.Message}");
                foreach (var sk in summary.Skips) CliConsole.Info($"skipped {sk.Path}: {sk.Reason}");
                if (summary.Skips.Count > 0 && parse.GetValue(pipeline) == null)
                    CliConsole.Info("to use the clips shorter than the excerpt: --pad-short (zero-pads them) or a shorter --excerpt S");
            }
            return summary.Succeeded == 0 && summary.Files > 0 ? 2 : 0; // Files counts this shard's files only
        });
        return command;
    }

    /// <summary>One input that is wholly a labelled dataset (a manifest CSV, or a folder whose every sub-folder holding
    /// audio belongs to its layout, with no audio loose in its root) → its labelled items; anything else is plain audio (null), and
    /// <paramref name="note"/> says why when the input looked like a dataset but was not read as one.</summary>
    internal static Dataset? LabelledDataset(IReadOnlyList<string> inputs, out string? note)
    {
        note = null;
        if (inputs.Count != 1) return null;
        string path = inputs[0];
        if (File.Exists(path)) return path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? DatasetReader.Open(path) : null;
        if (!Directory.Exists(path)) return null;
        var layout = DatasetReader.Detect(path);
        // as the readers see it: hidden folders and __MACOSX are not data, and a folder without audio (artwork/) is no label
        var subs = Directory.EnumerateDirectories(path)
            .Where(d => !DatasetReader.IsIgnoredFolder(Path.GetFileName(d)) && DatasetReader.HoldsAudio(d))
            .Select(d => Path.GetFileName(d)).ToList();
        if (subs.Count == 0) return null;
        var foreign = layout == DatasetLayout.FourQ
            ? subs.Where(n => !DatasetReader.IsFourQFolder(n)).ToList()
            : subs.Where(n => Moods.Normalize(n) == null).ToList();
        bool looseAudio = Directory.EnumerateFiles(path).Any(DatasetReader.IsAudioFile);
        // no folder names a mood (artists, albums...): plain audio, nothing to say
        if (layout == DatasetLayout.FolderPerLabel && foreign.Count == subs.Count) return null;
        string what = layout == DatasetLayout.FourQ ? "a 4Q dataset (Q1..Q4)" : "mood folders";
        if (foreign.Count > 0 || looseAudio)
        {
            note = $"{path} looks like {what} but also holds " +
                   string.Join(" and ", new[] { foreign.Count > 0 ? $"the folders {string.Join(", ", foreign)}" : null,
                                                looseAudio ? "audio files in its root" : null }.OfType<string>()) +
                   ", so its files are featurised without labels";
            return null;
        }
        try
        {
            return DatasetReader.Open(path);
        }
        catch (DatasetException e)
        {
            // (no audio at all is said once, by the caller)
            if (Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Any(DatasetReader.IsAudioFile))
                note = $"{path} looks like {what} but cannot be read as one ({e.Message}), so its files are featurised without labels";
            return null;
        }
    }
}
