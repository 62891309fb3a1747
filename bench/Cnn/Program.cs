using System.Diagnostics;
using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Bench.Cnn;

/// <summary>
/// Benchmarks of the 2D CNNs and the ensemble (bench/README.md, "2D CNNs and ensemble on 4q-dev").
///   timing [--clips N] [--epochs E] [--scale F]   seconds per epoch of each preset on synthetic images
///   fourq [--data DIR] [--epochs E] [--folds K] [--patience P] [--scale F] [--lr R] [--tabular-seconds S]
///         [--seed N] [--limit N] [--out DIR] [--cache DIR] [--kinds mel,...] [--variant gap+all]
///         [--windows S [--mel-rows R] [--mel-cols C] [--filters a,b,c,d]]
///                                                 artist-grouped CV of the three 2D CNNs and the ensembles on 4Q
///                                                 (default data: ../shared/datasets/4q-dev; exit 3 when absent)
/// </summary>
public static class Program
{
    private const string Usage =
        "usage: Mmcs.Bench.Cnn timing [--clips N] [--epochs E] [--scale F]\n" +
        "       Mmcs.Bench.Cnn fourq [--data DIR] [--epochs E] [--folds K] [--patience P] [--scale F] [--lr R] " +
        "[--tabular-seconds S] [--seed N] [--limit N] [--out DIR] [--cache DIR] [--kinds mfcc,spectrogram,mel] [--variant NAME] " +
        "[--windows S [--mel-rows R] [--mel-cols C] [--filters a,b,c,d]]";

    public static async Task<int> Main(string[] args)
    {
        try
        {
            var options = Args.Parse(args.Skip(1));
            switch (args.FirstOrDefault())
            {
                case "timing":
                    Timing(options);
                    return 0;
                case "fourq":
                    return await FourQ.RunAsync(options);
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (MmcsException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
    }

    /// <summary>Seconds per epoch (training + validation) of each preset at the original sizes scaled by --scale.</summary>
    private static void Timing(Args args)
    {
        int clips = args.Int("clips", 360);
        int epochs = args.Int("epochs", 2);
        double scale = args.Double("scale", 1.0);
        Console.WriteLine($"{Environment.ProcessorCount} cores, {clips} training clips + {clips / 4} validation, batch 32, {epochs} epochs");
        Console.WriteLine("| input | size | head | s/epoch |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (kind, original) in Sizes(ImageOptions.OriginalStudy))
        {
            var size = new ImageSize((int)Math.Round(original.Rows * scale), (int)Math.Round(original.Cols * scale));
            var train = Synthetic(kind, size, clips, 1);
            var validation = Synthetic(kind, size, clips / 4, 2);
            foreach (var head in new[] { Cnn2dHead.Flatten, Cnn2dHead.GlobalAveragePooling })
            {
                var architecture = Cnn2dArchitecture.Original(kind) with { Head = head };
                using var result = Cnn2dTrainer.Train(train, validation, architecture,
                    new Cnn2dTrainingOptions { MaxEpochs = epochs, Patience = 0 });
                // the first epoch warms libtorch up; report the rest when there are more
                var timed = result.History.Count > 1 ? result.History.Skip(1) : result.History;
                Console.WriteLine($"| {kind} | {size.Rows}x{size.Cols} | {head} | {timed.Average(h => h.Seconds).ToString("F2", Invariant.Culture)} |");
            }
        }
    }

    internal static IEnumerable<(ImageKind Kind, ImageSize Size)> Sizes(ImageOptions options)
    {
        if (options.Spectrogram is { } s) yield return (ImageKind.Spectrogram, s);
        if (options.Mfcc is { } m) yield return (ImageKind.Mfcc, m);
        if (options.Mel is { } l) yield return (ImageKind.Mel, l);
    }

    private static InMemoryImageSource Synthetic(ImageKind kind, ImageSize size, int count, int seed)
    {
        var rng = new Random(seed);
        var items = Enumerable.Range(0, count).Select(i =>
        {
            var m = new FeatureMatrix(size.Rows, size.Cols);
            for (int k = 0; k < m.Data.Length; k++) m.Data[k] = (float)rng.NextDouble();
            return new ImageItem($"clip{i}", null, i % 4, m);
        });
        return new InMemoryImageSource(kind, size, ["happy", "angry", "sad", "relaxed"], items);
    }
}

/// <summary>--name value pairs.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Args Parse(IEnumerable<string> args)
    {
        var result = new Args();
        string? key = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (key != null) result._values[key] = "true";
                key = a[2..];
            }
            else if (key != null)
            {
                result._values[key] = a;
                key = null;
            }
            else
            {
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"unexpected argument '{a}'");
            }
        }
        if (key != null) result._values[key] = "true";
        return result;
    }

    public string? String(string name) => _values.GetValueOrDefault(name);

    public bool Flag(string name) => _values.ContainsKey(name);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) ? int.Parse(v, Invariant.Culture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? Invariant.ParseDouble(v) : fallback;
}
