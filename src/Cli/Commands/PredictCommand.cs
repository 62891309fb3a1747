using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Core;
using Mmcs.Featurize.Datasets;
using Mmcs.Train.Predict;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs predict`: the mood of songs.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Audio files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string?>("--model") { Description = $"Model URI: models:/NAME@ALIAS, models:/NAME/VERSION, models:/NAME/STAGE, runs:/ID/model or a folder (default {ModelLoading.DefaultModelUri})." };
        var hop = CommonOptions.Hop();
        var timeline = new Option<bool>("--timeline") { Description = "Also print the mood of each window of long songs." };
        var noTta = CommonOptions.NoTestTimeAugmentation();
        var tracking = CommonOptions.TrackingUri();
        var json = CommonOptions.Json();
        var command = new Command("predict",
            "Predict the mood (happy, angry, sad, relaxed) of songs. A clip up to the model's excerpt length is analysed " +
            "once; a longer song in excerpt-length windows whose probabilities are averaged.")
        {
            inputs, model, hop, timeline, noTta, tracking, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            var files = ExpandInputs(parse.GetValue(inputs)!);
            var (loaded, answering) = ModelLoading.Load(parse.GetValue(model), parse.GetValue(tracking));
            using var _ = loaded;
            var predictor = new MoodPredictor(loaded, new PredictOptions { HopSeconds = parse.GetValue(hop), TestTimeAugmentation = !parse.GetValue(noTta) });
            var results = new List<SongPrediction>();
            var errors = new List<(string File, MmcsException Error)>();
            await CliConsole.WithProgressAsync(asJson, progress => Task.Run(() =>
            {
                for (int i = 0; i < files.Count; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    progress.Report(new ProgressUpdate("predict", i, files.Count, Path.GetFileName(files[i])));
                    try
                    {
                        results.Add(predictor.Predict(files[i], ct));
                    }
                    catch (MmcsException e) when (e.ErrorCode != ErrorCodes.MissingDependency)
                    {
                        // one bad file is reported and the others go on; a missing ffmpeg stops the run (exit 3)
                        errors.Add((files[i], e));
                    }
                }
                progress.Report(new ProgressUpdate("predict", files.Count, files.Count));
                return 0;
            }, ct));
            if (asJson)
            {
                CliConsole.WriteJson(new
                {
                    model = answering,
                    predictions = results.Select(r => Json(r, answering)).ToArray(),
                    errors = errors.Select(e => new { file = e.File, error_code = e.Error.ErrorCode, message = e.Error.Message }).ToArray(),
                });
            }
            else
            {
                if (results.Count > 0) Print(results, loaded.Labels, answering, parse.GetValue(timeline));
                foreach (var (file, error) in errors)
                    CliConsole.FileError(file, error.Message);
            }
            if (errors.Count == 0) return 0;
            return errors.Count == files.Count && files.Count == 1 ? errors[0].Error.ExitCode : 2;
        });
        return command;
    }

    internal static object Json(SongPrediction r, string model) => new
    {
        file = r.Path,
        mood = r.Mood,
        probabilities = r.Probabilities,
        model,
        seconds = r.SongSeconds,
        members = r.Members,
        windows = r.Windows.Select(w => new { start = w.Start, mood = w.Mood, probabilities = w.Probabilities }).ToArray(),
    };

    internal static IReadOnlyList<string> ExpandInputs(IReadOnlyList<string> inputs)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal); // a file named and inside a named folder: predicted once
        void Add(string file)
        {
            if (seen.Add(Path.GetFullPath(file))) files.Add(file);
        }
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                var found = DatasetReader.ExpandAudioPaths([input]);
                if (found.Count == 0)
                    throw new MmcsException(ErrorCodes.InvalidParameterValue, $"folder '{input}' holds no audio files");
                foreach (var f in found) Add(f);
            }
            else if (File.Exists(input))
            {
                Add(input);
            }
            else
            {
                throw new MmcsException(ErrorCodes.ResourceDoesNotExist, $"'{input}' does not exist");
            }
        }
        return files;
    }

    /// <summary>m:ss, or h:mm:ss from an hour on (a mix's windows must not wrap to 00:00).</summary>
    internal static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Floor(seconds));
        return t.TotalHours >= 1
            ? ((int)t.TotalHours).ToString(Invariant.Culture) + t.ToString("\\:mm\\:ss", Invariant.Culture)
            : t.ToString("mm\\:ss", Invariant.Culture);
    }

    private static void Print(IReadOnlyList<SongPrediction> results, IReadOnlyList<string> labels, string model, bool timeline)
    {
        string P(double v) => v.ToString("0.00", Invariant.Culture);
        var rows = results.Select(r => (IReadOnlyList<string>)new[] { Path.GetFileName(r.Path), r.Mood }
            .Concat(labels.Select(l => P(r.Probabilities[l])))
            .Append(r.Windows.Count.ToString(Invariant.Culture)).ToArray());
        CliConsole.Table($"Moods by {model}", new[] { "file", "mood" }.Concat(labels).Append("windows").ToArray(), rows);
        if (!timeline) return;
        foreach (var r in results.Where(r => r.Windows.Count > 1))
        {
            CliConsole.Info($"{Path.GetFileName(r.Path)}:");
            foreach (var w in r.Windows)
                CliConsole.Info($"  {Clock(w.Start)}  {w.Mood,-8} " +
                                string.Join(" ", labels.Select(l => $"{l} {P(w.Probabilities[l])}")));
        }
    }
}
