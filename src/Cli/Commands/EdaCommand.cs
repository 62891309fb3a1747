using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Featurize.Storage;
using Mmcs.Notebooks.Eda;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs eda`: the exploratory analysis of a dataset or feature table as one self-contained HTML report.</summary>
internal static class EdaCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input")
        {
            Description = "A feature table (.csv, .parquet, .xlsx with a label column) or a dataset folder (featurised first).",
        };
        var output = new Option<string>("--out")
        {
            Description = "The HTML report to write.",
            DefaultValueFactory = _ => "eda-report.html",
        };
        var label = new Option<string?>("--label")
        {
            Description = $"Label column of a table (default: the first of {string.Join(", ", EdaInputs.LabelCandidates)}).",
        };
        var title = new Option<string?>("--title") { Description = "Heading of the report." };
        var top = new Option<int>("--top")
        {
            Description = "How many of the most separating features to list on the console.",
            DefaultValueFactory = _ => 10,
        };
        var defaults = new FeaturizerOptions();
        var excerpt = new Option<double>("--excerpt")
        {
            Description = "Dataset folder: seconds of each clip featurised (shorter clips are skipped unless --pad-short).",
            DefaultValueFactory = _ => defaults.ExcerptSeconds,
        };
        var offset = new Option<double>("--offset")
        {
            Description = "Dataset folder: where the excerpt starts, in seconds.",
            DefaultValueFactory = _ => defaults.ExcerptOffsetSeconds,
        };
        var padShort = new Option<bool>("--pad-short") { Description = "Dataset folder: zero-pad clips shorter than the excerpt." };
        var set = new Option<string>("--set")
        {
            Description = "Dataset folder: the feature set described, seed (the original study's 57) or full.",
            DefaultValueFactory = _ => "seed",
        };
        set.AcceptOnlyFromAmong("seed", "full");
        var cache = new Option<string?>("--cache")
        {
            Description = $"Dataset folder: the feature cache (default: $MMCS_CACHE_DIR or {FeatureCache.DefaultDirectory}).",
        };
        var noCache = new Option<bool>("--no-cache") { Description = "Dataset folder: featurise without the cache." };
        var json = CommonOptions.Json();
        var command = new Command("eda", "Exploratory data analysis as one self-contained HTML report: class balance, " +
                                         "per-mood box plots and histograms of every feature, correlation heatmap, " +
                                         "separability table (ANOVA F with p-values, mutual information).")
        {
            input, output, label, title, top, excerpt, offset, padShort, set, cache, noCache, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            var path = parse.GetValue(input)!;
            var outPath = parse.GetValue(output)!;
            var dataset = new EdaDatasetOptions
            {
                Set = parse.GetValue(set) == "full" ? FeatureSetKind.Full : FeatureSetKind.Seed,
                Featurizer = defaults with
                {
                    ExcerptSeconds = parse.GetValue(excerpt),
                    ExcerptOffsetSeconds = parse.GetValue(offset),
                    PadShortClips = parse.GetValue(padShort),
                },
                CacheDirectory = parse.GetValue(noCache) ? null : parse.GetValue(cache) ?? FeatureCache.DefaultDirectory,
            };
            if (!(dataset.Featurizer.ExcerptSeconds > 0))
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--excerpt must be positive, got {dataset.Featurizer.ExcerptSeconds}");
            if (!(dataset.Featurizer.ExcerptOffsetSeconds >= 0))
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"--offset must not be negative, got {dataset.Featurizer.ExcerptOffsetSeconds}");
            EdaReport.CheckOutputPath(outPath); // before featurising a whole folder
            var (analysis, readNotices) = await CliConsole.WithProgressAsync(asJson, progress => EdaInputs.WriteReportAsync(path,
                outPath, parse.GetValue(label), parse.GetValue(title), progress, ct, dataset));
            var notices = readNotices.ToList();
            if (analysis.Table.Classes.Count < 2)
                notices.Add($"only one class ({string.Join("", analysis.Table.Classes)}): separability (ANOVA F, mutual information) needs two or more; its figures are NaN");
            var rows = analysis.Separability.Take(Math.Max(0, parse.GetValue(top))).ToList();
            if (asJson)
            {
                CliConsole.WriteJson(new
                {
                    report = Path.GetFullPath(outPath),
                    clips = analysis.Table.RowCount,
                    features = analysis.Table.FeatureNames.Count,
                    classes = analysis.Table.Classes.Select((c, i) => new { name = c, count = analysis.ClassCounts[i] }),
                    notices,
                    separability = analysis.Separability.Select(r => new
                    {
                        feature = r.Feature,
                        anova_f = r.Anova.F,
                        p_value = r.Anova.PValue,
                        mutual_information = r.MutualInformation,
                        f_rank = r.FRank,
                        mi_rank = r.MiRank,
                    }),
                });
                return 0;
            }
            foreach (var notice in notices) Console.Error.WriteLine($"note: {notice}");
            CliConsole.Table($"Most separating features ({analysis.Table.RowCount} clips, {analysis.Table.FeatureNames.Count} features)",
                ["rank", "feature", "ANOVA F", "p-value", "MI (nats)", "MI rank"],
                rows.Select(r => (IReadOnlyList<string>)
                [
                    r.FRank.ToString(Invariant.Culture), r.Feature, r.Anova.F.ToString("F2", Invariant.Culture),
                    EdaReport.FormatP(r.Anova.PValue), r.MutualInformation.ToString("F4", Invariant.Culture),
                    r.MiRank.ToString(Invariant.Culture),
                ]));
            CliConsole.Info($"report: {Path.GetFullPath(outPath)}");
            return 0;
        });
        return command;
    }
}
