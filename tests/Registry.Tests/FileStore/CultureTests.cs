using System.Globalization;

namespace Mmcs.Registry.Tests.FileStore;

/// <summary>Numbers are written and read in the invariant culture even when the process runs under a comma-decimal culture.</summary>
public sealed class CultureTests
{
    [Fact]
    public void Metrics_are_written_with_a_decimal_point_under_de_DE()
    {
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        using var temp = new TempDir();
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("de-DE");
            Assert.Equal("0,5", 0.5.ToString(CultureInfo.CurrentCulture)); // the culture really is comma-decimal
            var store = new Registry.FileStore.FileStore(temp.File("mlruns"));
            string exp = store.CreateExperiment("e");
            var run = store.CreateRun(exp, "r", 1_700_000_000_000, null, "u");
            store.LogMetric(run.Info.RunId, new Metric("acc", 1234.5, 1_700_000_000_000, 3));
            store.LogParam(run.Info.RunId, new Param("lr", Tracking.ActiveRun.Format(0.25)));
            string line = File.ReadAllText(Path.Combine(temp.File("mlruns"), exp, run.Info.RunId, "metrics", "acc"));
            Assert.Equal("1700000000000 1234.5 3\n", line);
            Assert.Equal(1234.5, store.GetRun(run.Info.RunId).Data.Metrics["acc"].Value);
            Assert.Equal("0.25", store.GetRun(run.Info.RunId).Data.Params["lr"]);
            Assert.Equal(1234.5, store.SearchRuns(new RunQuery([exp], "metrics.acc > 1000.5")).Items.Single().Data.Metrics["acc"].Value);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
        }
    }
}
