using Mmcs.Core;
using YamlDotNet.RepresentationModel;

namespace Mmcs.Pipelines.Definition;

/// <summary>A validated pipeline with the folder its relative paths are resolved against.</summary>
public sealed record LoadedPipeline(PipelineDefinition Definition, string File, string BaseDirectory)
{
    /// <summary>The dataset folder: <paramref name="dataOverride"/> (--data) if given, else dataset.path against the file's folder.</summary>
    public string ResolveDataPath(string? dataOverride)
    {
        if (!string.IsNullOrWhiteSpace(dataOverride)) return Path.GetFullPath(dataOverride);
        var path = Definition.Dataset.Path
                   ?? throw new MmcsException(ErrorCodes.InvalidParameterValue,
                       $"{File}: dataset.path is not set; give the data folder with --data DIR");
        return Path.GetFullPath(Path.Combine(BaseDirectory, path));
    }
}

/// <summary>Reads pipeline YAML files: parse, apply --set overrides, validate against the schema, bind.</summary>
public static class PipelineLoader
{
    public static LoadedPipeline Load(string path, IEnumerable<string>? overrides = null)
    {
        if (Directory.Exists(path))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"'{path}' is a folder, not a pipeline file (e.g. {Path.Combine(path, "4q.yaml")})");
        if (!System.IO.File.Exists(path))
            throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"pipeline file '{path}' does not exist");
        return Parse(System.IO.File.ReadAllText(path), path, Path.GetDirectoryName(Path.GetFullPath(path))!, overrides);
    }

    public static LoadedPipeline Parse(string yaml, string file, string baseDirectory, IEnumerable<string>? overrides = null)
    {
        var root = YamlBinder.Parse(yaml, file);
        foreach (var assignment in overrides ?? []) YamlBinder.ApplyOverride(root, assignment);
        var definition = YamlBinder.Bind<PipelineDefinition>(root, file);
        var issues = new List<PipelineIssue>();
        // the name also names the pipeline's lock and schedule state files: no path separators, no leading dot
        if (!PipelineDefinition.IsFileSafeName(definition.Name))
            issues.Add(new PipelineIssue(file, Line(root, "name"), 1, "name",
                $"'{definition.Name}' cannot name the pipeline's lock and schedule files: not empty, no '/' or '\\', not starting with '.', at most 200 characters"));
        CheckSize(definition.Features.Images.Spectrogram, "features.images.spectrogram", root, file, issues);
        CheckSize(definition.Features.Images.Mfcc, "features.images.mfcc", root, file, issues);
        CheckSize(definition.Features.Images.Mel, "features.images.mel", root, file, issues);
        if (definition.Train.Cnn.Models.Distinct().Count() != definition.Train.Cnn.Models.Length)
            issues.Add(new PipelineIssue(file, Line(root, "train.cnn.models"), 1, "train.cnn.models", "a model is listed twice"));
        var clip = definition.Clip;
        if (clip.WindowSeconds is { } window)
        {
            if (window > clip.ExcerptSeconds)
                issues.Add(new PipelineIssue(file, Line(root, "clip.window_seconds"), 1, "clip.window_seconds",
                    $"a {window} s window is longer than the {clip.ExcerptSeconds} s excerpt it is cut from"));
            if (clip.PadShort)
                issues.Add(new PipelineIssue(file, Line(root, "clip.pad_short"), 1, "clip.pad_short",
                    "zero-padded clips would give silent training windows (prediction drops silent windows); pad_short is not for texture windows"));
            if (definition.Train.Cnn.Enabled && definition.Train.Cnn.Models.Length > 0)
                issues.Add(new PipelineIssue(file, Line(root, "clip.window_seconds"), 1, "clip.window_seconds",
                    "texture windows are for the 1D models; the CNNs take whole excerpts (set train.cnn.enabled: false)"));
        }
        else if (clip.WindowHopSeconds != null)
        {
            issues.Add(new PipelineIssue(file, Line(root, "clip.window_hop_seconds"), 1, "clip.window_hop_seconds",
                "a window hop needs clip.window_seconds"));
        }
        var augmentation = definition.Augmentation;
        if (augmentation.Use != "train" && augmentation.Plan != "original" && augmentation.Copies == 0)
            issues.Add(new PipelineIssue(file, Line(root, "augmentation.use"), 1, "augmentation.use",
                $"test-time augmentation ('{augmentation.Use}') needs copies (augmentation.copies >= 1 or plan: original)"));
        // the evaluation cuts a copy of the excerpt into windows, the registered model a copy of the song (a minute at a
        // time): the same for gain, noise and pitch, not for a circular shift or a stretch (which would wrap or pad the
        // song, not the excerpt)
        if (augmentation.Use != "train" && clip.WindowSeconds != null && (augmentation.Plan == "original" || augmentation.ShiftSeconds > 0 || augmentation.Stretch > 0))
            issues.Add(new PipelineIssue(file, Line(root, "augmentation.use"), 1, "augmentation.use",
                "with texture windows, test-time copies may use gain, noise and pitch only (a shift or a stretch of each window is not the window of a shifted or stretched excerpt)"));
        if (definition.Train.Automl.Trainers is { } trainers && definition.Train.Automl.TopTrainers > trainers.Distinct(StringComparer.OrdinalIgnoreCase).Count())
            issues.Add(new PipelineIssue(file, Line(root, "train.automl.top_trainers"), 1, "train.automl.top_trainers",
                $"a vote of {definition.Train.Automl.TopTrainers} trainers needs at least that many in train.automl.trainers ({trainers.Length} listed)"));
        if (definition.Train.Automl.PairSpecialists is { } pair &&
            (pair.Length != 2 || pair.Any(string.IsNullOrWhiteSpace) || string.Equals(pair[0], pair[1], StringComparison.Ordinal)))
            issues.Add(new PipelineIssue(file, Line(root, "train.automl.pair_specialists"), 1, "train.automl.pair_specialists",
                $"two different labels are needed, e.g. [sad, relaxed] ({pair.Length} given: [{string.Join(", ", pair)}])"));
        else if (definition.Train.Automl.PairSpecialists != null && !definition.Train.Automl.Enabled)
            issues.Add(new PipelineIssue(file, Line(root, "train.automl.pair_specialists"), 1, "train.automl.pair_specialists",
                "pair specialists are fitted with the 1D models' vote; train.automl is disabled"));
        if (definition.Train.Automl.LeastTypicalTwice != null && clip.WindowSeconds == null)
            issues.Add(new PipelineIssue(file, Line(root, "train.automl.least_typical_twice"), 1, "train.automl.least_typical_twice",
                "the least typical windows need texture windows (clip.window_seconds)"));
        if (augmentation.RefitTrainers is { Length: > 0 } refitTrainers)
        {
            string[] names = definition.Train.Automl.Trainers ?? [.. Mmcs.Train.Tabular.Trainers.TrainerCatalog.Names];
            if (augmentation.Use != "test" || augmentation.Copies == 0 || augmentation.Plan != "custom")
                issues.Add(new PipelineIssue(file, Line(root, "augmentation.refit_trainers"), 1, "augmentation.refit_trainers",
                    "refit_trainers needs use: test and custom copies (with use: train or both every trainer trains on the copies)"));
            else if (refitTrainers.FirstOrDefault(t => !names.Contains(t, StringComparer.OrdinalIgnoreCase)) is { } missing)
                issues.Add(new PipelineIssue(file, Line(root, "augmentation.refit_trainers"), 1, "augmentation.refit_trainers",
                    $"'{missing}' is not among the trainers searched ({string.Join(", ", names)})"));
        }
        // the same checks as the search makes: known trainers (a misspelt one would fail the run only after ingest and
        // featurisation), then the starting points: trainers among those searched, known parameters, values in range
        var searched = new Mmcs.Train.Tabular.AutoMlOptions { Trainers = definition.Train.Automl.Trainers };
        if (Refusal(searched.Validate) is { } badTrainers)
            issues.Add(new PipelineIssue(file, Line(root, "train.automl.trainers"), 1, "train.automl.trainers", badTrainers));
        else
        {
            if (definition.Train.Automl.Start is { } starts &&
                Refusal(() => (searched with { StartingPoints = starts.Select(Mmcs.Train.Tabular.Search.StartingPoint.Parse).ToArray() }).Validate()) is { } refused)
                issues.Add(new PipelineIssue(file, Line(root, "train.automl.start"), 1, "train.automl.start", refused));
            if (definition.Train.Automl.DropColumns is { } drops &&
                Refusal(() => (searched with { DropColumns = Mmcs.Train.Tabular.AutoMlOptions.ParseDropColumns(drops) }).Validate()) is { } dropRefused)
                issues.Add(new PipelineIssue(file, Line(root, "train.automl.drop_columns"), 1, "train.automl.drop_columns", dropRefused));
        }
        if (issues.Count > 0) throw new PipelineValidationException(issues);
        return new LoadedPipeline(definition, file, baseDirectory);
    }

    /// <summary>The message of the <see cref="MmcsException"/> a check throws, or null when it passes.</summary>
    private static string? Refusal(Action check)
    {
        try
        {
            check();
            return null;
        }
        catch (MmcsException e)
        {
            return e.Message;
        }
    }

    private static void CheckSize(int[]? size, string key, YamlMappingNode root, string file, List<PipelineIssue> issues)
    {
        if (size is { Length: not 2 })
            issues.Add(new PipelineIssue(file, Line(root, key), 1, key, $"expected [rows, cols], got {size.Length} numbers"));
    }

    private static int Line(YamlMappingNode root, string dotted)
    {
        YamlNode node = root;
        foreach (var part in dotted.Split('.'))
        {
            if (node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(part), out var child)) node = child;
            else break;
        }
        return (int)node.Start.Line;
    }
}
