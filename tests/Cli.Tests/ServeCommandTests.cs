using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mmcs.Cli.Tests;

/// <summary>`mmcs serve` as a user starts it: a process that listens, says where, answers and stops on SIGTERM.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-cli-serve-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Serve_listens_where_it_says_answers_health_and_refuses_promotion_without_MMCS_ADMIN_TOKEN()
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "mmcs.dll"), "serve", "--urls", "http://127.0.0.1:0", "--tracking-uri",
                     Path.Combine(_dir, "mlruns"), "--max-upload-mb", "5", "--quiet" })
            psi.ArgumentList.Add(a);
        psi.Environment["MMCS_PLAIN"] = "1";
        psi.Environment.Remove("MMCS_ADMIN_TOKEN");
        psi.Environment.Remove("MLFLOW_TRACKING_URI");
        using var process = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            lock (output) output.AppendLine(e.Data);
            var m = Regex.Match(e.Data, @"serving on (http://127\.0\.0\.1:\d+)");
            if (m.Success) listening.TrySetResult(m.Groups[1].Value);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null) lock (output) output.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            string address = await listening.Task.WaitAsync(TimeSpan.FromMinutes(2));
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            using (var health = await http.GetAsync("/healthz"))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                var json = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(5L * 1024 * 1024, json.GetProperty("max_upload_bytes").GetInt64());
            }
            using (var promote = await http.PostAsync("/api/models/mood/versions/1/promote?alias=champion", null))
                Assert.Equal(HttpStatusCode.Forbidden, promote.StatusCode);
            using (var page = await http.GetAsync("/"))
                Assert.Contains("What mood is this song?", await page.Content.ReadAsStringAsync());
            string text;
            lock (output) text = output.ToString();
            Assert.Contains("models:/mood@champion is not available yet", text);
            Assert.Contains("promotion:      disabled over HTTP (set MMCS_ADMIN_TOKEN", text);

            // a service manager stops it with SIGTERM
            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "mmcs serve did not stop on SIGTERM");
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
