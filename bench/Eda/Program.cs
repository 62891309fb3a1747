using System.Diagnostics;
using System.Text;
using Mmcs.Core;
using Mmcs.Notebooks.Eda;

namespace Mmcs.Bench.Eda;

/// <summary>
/// The EDA of the 4Q development set: featurises it (seed features, through the feature cache), writes the HTML
/// report, and prints the separability table (top features by ANOVA F and by mutual information) as Markdown for
/// bench/README.md.
///   dotnet run --project bench/Eda -c Release -- [--data DIR] [--out FILE.html] [--top N]
/// Defaults: --data &lt;repo&gt;/../shared/datasets/4q-dev (or $MMCS_SHARED_DIR/datasets/4q-dev), --out bench/out/eda/4q-dev-eda.html.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var repo = RepoRoot();
        string shared = Environment.GetEnvironmentVariable("MMCS_SHARED_DIR") ?? Path.Combine(repo, "..", "shared");
        string data = Arg(args, "--data") ?? Path.Combine(shared, "datasets", "4q-dev");
        string output = Arg(args, "--out") ?? Path.Combine(repo, "bench", "out", "eda", "4q-dev-eda.html");
        int top = int.Parse(Arg(args, "--top") ?? "15", Invariant.Culture);
        if (!Directory.Exists(data))
        {
            Console.Error.WriteLine($"the 4Q development set is not at {Path.GetFullPath(data)} (give --data DIR or set MMCS_SHARED_DIR)");
            return 3;
        }
        var clock = Stopwatch.StartNew();
        var progress = new Progress<ProgressUpdate>(p =>
        {
            if (p.Total > 0 && (p.Completed == p.Total || (int)p.Completed % 50 == 0))
                Console.Error.WriteLine($"[{p.Task}] {p.Completed}/{p.Total} {p.Message}");
        });
        var (analysis, notices) = await EdaInputs.WriteReportAsync(data, output, title: "EDA of the 4Q development set", progress: progress);
        var elapsed = clock.Elapsed;
        foreach (var n in notices) Console.Error.WriteLine($"note: {n}");

        var md = new StringBuilder();
        var t = analysis.Table;
        md.AppendLine($"{t.RowCount} clips ({string.Join(", ", t.Classes.Select((c, i) => $"{c} {analysis.ClassCounts[i]}"))}), " +
                      $"{t.FeatureNames.Count} seed features; report {Path.GetFileName(output)} ({new FileInfo(output).Length / 1024} KiB) " +
                      $"in {elapsed.TotalSeconds:F0} s.");
        md.AppendLine();
        md.AppendLine($"Top {top} by ANOVA F:");
        md.AppendLine();
        md.AppendLine("| rank | feature | ANOVA F | p-value | MI (nats) | MI rank |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|");
        foreach (var r in analysis.Separability.Take(top))
            md.AppendLine($"| {r.FRank} | {r.Feature} | {r.Anova.F.ToString("F1", Invariant.Culture)} | {EdaReport.FormatP(r.Anova.PValue)} | " +
                          $"{r.MutualInformation.ToString("F3", Invariant.Culture)} | {r.MiRank} |");
        md.AppendLine();
        md.AppendLine($"Top {top} by mutual information:");
        md.AppendLine();
        md.AppendLine("| MI rank | feature | MI (nats) | ANOVA F | F rank |");
        md.AppendLine("|---:|---|---:|---:|---:|");
        foreach (var r in analysis.Separability.OrderBy(r => r.MiRank).Take(top))
            md.AppendLine($"| {r.MiRank} | {r.Feature} | {r.MutualInformation.ToString("F3", Invariant.Culture)} | " +
                          $"{r.Anova.F.ToString("F1", Invariant.Culture)} | {r.FRank} |");
        md.AppendLine();
        md.AppendLine($"Least separating (F): {string.Join(", ", analysis.Separability.TakeLast(5).Select(r => $"{r.Feature} ({r.Anova.F.ToString("F2", Invariant.Culture)}, p {EdaReport.FormatP(r.Anova.PValue)})"))}.");
        var strong = analysis.StronglyCorrelated(0.9);
        md.AppendLine($"{strong.Count} feature pairs with |r| >= 0.9" +
                      (strong.Count > 0 ? ": " + string.Join(", ", strong.Take(8).Select(s => $"{s.A}~{s.B} ({s.R.ToString("F2", Invariant.Culture)})")) : "") + ".");
        Console.Out.Write(md.ToString());
        File.WriteAllText(Path.ChangeExtension(output, ".separability.md"), md.ToString());
        return 0;
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MmcsTraining.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
