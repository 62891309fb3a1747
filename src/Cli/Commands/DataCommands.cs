using System.CommandLine;
using Mmcs.Cli.Output;
using Mmcs.Featurize.Synthesis;

namespace Mmcs.Cli.Commands;

/// <summary>`mmcs data …`: datasets.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Datasets: generate the synthetic mood corpus.");
        data.Subcommands.Add(Synth());
        return data;
    }

    private static Command Synth()
    {
        var defaults = new SyntheticCorpusOptions();
        var output = new Option<string>("--out") { Description = "Folder to write happy/ angry/ sad/ relaxed/ into.", Required = true };
        var perClass = new Option<int>("--per-class") { Description = "Clips per mood.", DefaultValueFactory = _ => defaults.PerClass };
        var seconds = new Option<double>("--seconds") { Description = "Length of each clip in seconds.", DefaultValueFactory = _ => defaults.Seconds };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed gives the same bytes.", DefaultValueFactory = _ => defaults.Seed };
        var json = CommonOptions.Json();
        var command = new Command("synth",
            "Generate a deterministic synthetic mood corpus (WAV clips whose tempo, mode, loudness, dynamics, brightness, " +
            "distortion, noise and note density differ by mood, with per-clip variation).")
        {
            output, perClass, seconds, seed, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new SyntheticCorpusOptions
            {
                PerClass = parse.GetValue(perClass),
                Seconds = parse.GetValue(seconds),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            string outDir = parse.GetValue(output)!;
            // a corpus written over another would mix their clips (other lengths, other counts) under one folder
            CommonOptions.CheckNewOutputFolder(outDir);
            bool asJson = parse.GetValue(json);
            var summary = await CliConsole.WithProgressAsync(asJson, progress =>
                Task.Run(() => SyntheticCorpus.Generate(outDir, options, progress, ct), ct));
            if (asJson) CliConsole.WriteJson(summary);
            else CliConsole.Info($"Wrote {summary.Clips} clips ({options.PerClass} per mood, {options.Seconds} s each) to {summary.Directory}");
            return 0;
        });
        return command;
    }
}
