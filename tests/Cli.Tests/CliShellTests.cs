using System.Text.Json;

namespace Mmcs.Cli.Tests;

public class CliShellTests
{
    [Fact]
    public void Help_lists_the_commands()
    {
        var r = CliProcess.Run("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("doctor", r.StdOut);
    }

    [Fact]
    public void An_unknown_command_fails_with_a_one_line_reason()
    {
        var r = CliProcess.Run("no-such-command");
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("no-such-command", lines[0]);
    }

    [Fact]
    public void Doctor_reports_libtorch_ok_on_this_machine_as_json()
    {
        var r = CliProcess.Run("doctor", "--json");
        using var doc = JsonDocument.Parse(r.StdOut);
        var checks = doc.RootElement.GetProperty("checks").EnumerateArray().ToList();
        var torch = checks.Single(c => c.GetProperty("name").GetString() == "libtorch");
        Assert.Equal("ok", torch.GetProperty("status").GetString());
        Assert.Contains("conv forward+backward ran", torch.GetProperty("detail").GetString());
        bool ok = doc.RootElement.GetProperty("ok").GetBoolean();
        Assert.Equal(ok ? 0 : 1, r.ExitCode);
    }

    [Fact]
    public void Doctor_checks_the_ffmpeg_the_decoder_would_start_and_a_missing_one_is_exit_code_3()
    {
        var r = CliProcess.Run(Path.GetTempPath(), new Dictionary<string, string> { ["MMCS_FFMPEG"] = "/nonexistent/ffmpeg" }, "doctor", "--json");
        Assert.Equal(3, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StdOut);
        var ffmpeg = doc.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "ffmpeg");
        Assert.Equal("missing", ffmpeg.GetProperty("status").GetString());
        Assert.Contains("MMCS_FFMPEG=/nonexistent/ffmpeg cannot be started", ffmpeg.GetProperty("detail").GetString());
    }
}
