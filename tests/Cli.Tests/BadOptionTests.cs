using System.Net;
using System.Net.Sockets;

namespace Mmcs.Cli.Tests;

/// <summary>Bad option values are a one-line reason naming the option and exit code 2, never "unexpected …" or a stack trace.</summary>
public sealed class BadOptionTests : IDisposable
{
    private static readonly IDictionary<string, string>? NoEnv = null;
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-cli-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Song()
    {
        string path = Path.Combine(_dir, "song.wav");
        if (!File.Exists(path))
            Mmcs.Featurize.Audio.WavWriter.Write(path, Enumerable.Range(0, 22050 * 2).Select(i => (float)(0.3 * Math.Sin(i * 0.05))).ToArray(), 1, 22050);
        return path;
    }

    private static void AssertOneLineRefusal(CliProcess.Result r, string mentions)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.StdErr}");
        Assert.Contains(mentions, r.StdErr);
        Assert.DoesNotContain("unexpected", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr + r.StdOut);
        Assert.DoesNotContain("System.", r.StdErr);
    }

    [Theory]
    [InlineData("predict", "--hop", "0")]
    [InlineData("predict", "--hop", "-3")]
    [InlineData("predict", "--hop", "abc")]
    [InlineData("evaluate", "--hop", "0")]
    [InlineData("serve", "--hop", "NaN")]
    [InlineData("features", "--excerpt", "0")]
    [InlineData("features", "--excerpt", "-1")]
    public void A_window_hop_or_excerpt_that_is_not_a_positive_number_of_seconds_is_refused_naming_the_option(string command, string option, string value)
    {
        string[] args = command switch
        {
            "predict" => ["predict", Song(), option, value],
            "evaluate" => ["evaluate", "--data", _dir, option, value],
            "serve" => ["serve", "--urls", "http://127.0.0.1:0", option, value],
            _ => ["features", "extract", Song(), "--out", Path.Combine(_dir, "t.csv"), option, value],
        };
        var r = CliProcess.Run(_dir, NoEnv, args);
        AssertOneLineRefusal(r, option);
        Assert.Contains(value, r.StdErr);
    }

    [Fact]
    public void Serving_on_a_port_that_is_taken_or_on_an_address_that_is_not_one_is_a_one_line_refusal()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var busy = CliProcess.Run(_dir, NoEnv, "serve", "--urls", $"http://127.0.0.1:{port}", "--tracking-uri", Path.Combine(_dir, "mlruns"), "--quiet");
        AssertOneLineRefusal(busy, "cannot listen");
        var garbage = CliProcess.Run(_dir, NoEnv, "serve", "--urls", "garbage", "--tracking-uri", Path.Combine(_dir, "mlruns"), "--quiet");
        AssertOneLineRefusal(garbage, "--urls garbage: not an address");
        // Kestrel alone would listen on port 80 of every interface for this one
        var noPort = CliProcess.Run(_dir, NoEnv, "serve", "--urls", "http://127.0.0.1:notaport", "--tracking-uri", Path.Combine(_dir, "mlruns"), "--quiet");
        AssertOneLineRefusal(noPort, "the port 'notaport' is not a number from 0 to 65535");
        var foreign = CliProcess.Run(_dir, NoEnv, "serve", "--urls", "http://192.0.2.1:0", "--tracking-uri", Path.Combine(_dir, "mlruns"), "--quiet");
        AssertOneLineRefusal(foreign, "cannot listen");
    }

    [Theory]
    [InlineData("data", "--per-class", "abc", "--per-class: 'abc' is not a whole number.")]
    [InlineData("data", "--per-class", "99999999999", "--per-class: 99999999999 is out of range.")]
    [InlineData("data", "--seconds", "1,5", "--seconds: '1,5' is not a number (numbers are written with a point: 0.5, not 0,5).")]
    [InlineData("serve", "--max-queue", "x", "--max-queue: 'x' is not a whole number.")]
    public void A_value_of_the_wrong_kind_is_refused_in_words_not_with_dotnet_type_names(string command, string option, string value, string message)
    {
        string[] args = command == "data"
            ? ["data", "synth", "--out", Path.Combine(_dir, "corpus"), option, value]
            : ["serve", "--urls", "http://127.0.0.1:0", option, value];
        var r = CliProcess.Run(_dir, NoEnv, args);
        AssertOneLineRefusal(r, message);
        Assert.DoesNotContain("expected type", r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "corpus")));
    }

    [Theory]
    [InlineData("predict")]
    [InlineData("features")]
    [InlineData("notebook")]
    public void A_mistyped_option_after_commands_that_take_paths_is_refused_as_unrecognised_not_taken_for_a_path(string command)
    {
        string table = Path.Combine(_dir, "t.csv");
        string[] args = command switch
        {
            "predict" => ["predict", Song(), "--no-ttaa"],
            // taken for a second input, it made the dataset unlabelled: a table of rows without labels, and exit 0
            "features" => ["features", "extract", Song(), "--no-ttaa", "--out", table],
            _ => ["notebook", "run", "missing.ipynb", "--no-ttaa"],
        };
        var r = CliProcess.Run(_dir, NoEnv, args);
        AssertOneLineRefusal(r, "Unrecognized command or argument '--no-ttaa'.");
        Assert.False(File.Exists(table));
    }

    [Fact]
    public void An_existing_file_whose_name_starts_with_a_dash_is_still_an_input()
    {
        File.Copy(Song(), Path.Combine(_dir, "-song.wav"));
        var r = CliProcess.Run(_dir, NoEnv, "features", "extract", "-song.wav", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("mfcc_mean", r.StdOut);
    }

    [Theory]
    [InlineData("synth below a file")]
    [InlineData("table below a file")]
    [InlineData("table that is a folder")]
    [InlineData("arrays that is a file")]
    public void An_output_path_that_cannot_be_written_is_refused_before_any_work_naming_it(string kind)
    {
        string file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "a file");
        Directory.CreateDirectory(Path.Combine(_dir, "folder.csv"));
        var (args, message) = kind switch
        {
            "synth below a file" => (new[] { "data", "synth", "--out", Path.Combine(file, "corpus") }, $"'{file}' is a file, not a folder"),
            "table below a file" => (["features", "extract", Song(), "--out", Path.Combine(file, "t.csv")], $"'{file}' is a file, not a folder"),
            "table that is a folder" => (["features", "extract", Song(), "--out", Path.Combine(_dir, "folder.csv")], "is a folder; give a file"),
            _ => (["features", "extract", Song(), "--arrays", file], "is a file; give a folder"),
        };
        var r = CliProcess.Run(_dir, NoEnv, args);
        AssertOneLineRefusal(r, message);
        Assert.Equal("a file", File.ReadAllText(file));
    }

    [Theory]
    [InlineData("Cannot parse argument 'x' for option '--max-queue' as expected type 'System.Nullable`1[System.Int32]'.", "--max-queue: 'x' is not a whole number.")]
    [InlineData("Cannot parse argument '2.5' for option '--cv' as expected type 'System.Int32'.", "--cv: '2.5' is not a whole number.")]
    [InlineData("Cannot parse argument 'soon' for option '--time' as expected type 'System.Double'.", "--time: 'soon' is not a number.")]
    [InlineData("Cannot parse argument 'x' for option '--when' as expected type 'System.DateTime'.", "--when: 'x' is not a valid value.")]
    [InlineData("Unrecognized command or argument 'x'.", "Unrecognized command or argument 'x'.")]
    public void Parse_errors_that_name_a_dotnet_type_are_reworded_and_others_are_kept(string message, string expected)
    {
        Assert.Equal(expected, MmcsCli.ParseErrorText(message));
    }
}
