using Mmcs.Train.Plots;

namespace Mmcs.Train.Tests.Plots;

public sealed class ChartsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-charts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertPng(string path, int minBytes)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > minBytes, $"{path} has only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Fact]
    public void A_confusion_matrix_chart_is_written_as_a_png()
    {
        string path = Path.Combine(_dir, "confusion.png");
        Charts.ConfusionMatrix(path, [[5, 1, 0, 0], [2, 4, 0, 0], [0, 0, 6, 1], [0, 1, 1, 5]],
            ["happy", "angry", "sad", "relaxed"], "test");
        AssertPng(path, 2000);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp*"));
    }

    [Fact]
    public void Training_curves_and_bars_are_written_as_pngs()
    {
        string curves = Path.Combine(_dir, "curves.png");
        Charts.Curves(curves, "loss", "epoch", "loss",
            new Dictionary<string, IReadOnlyList<double>> { ["train"] = [1.2, 0.9, 0.7], ["validation"] = [1.3, 1.0, 1.05] }, 2);
        AssertPng(curves, 2000);
        string bars = Path.Combine(_dir, "bars.png");
        Charts.Bars(bars, "leaderboard", "accuracy", [("LightGbm", 0.61), ("FastTree", 0.58)]);
        AssertPng(bars, 1000);
    }
}
