using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Mmcs.Core;
using Mmcs.Notebooks.Execution;
using Mmcs.Notebooks.Format;
using Mmcs.Notebooks.Tests.Format;

namespace Mmcs.Notebooks.Tests.Execution;

public sealed class NotebookRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-nb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private NotebookDocument NewNotebook(string name = "test.ipynb") =>
        NotebookDocument.CreateCSharp(Path.Combine(_dir, name));

    private Task<NotebookRunResult> Run(NotebookDocument notebook, Dictionary<string, string>? parameters = null) =>
        NotebookRunner.RunAsync(notebook, new NotebookRunOptions
        {
            OutputDirectory = Path.Combine(_dir, "out"),
            Parameters = parameters ?? new Dictionary<string, string>(),
        });

    private static JsonObject CellOf(string executedPath, int index) =>
        (JsonObject)NotebookDocument.Load(executedPath).Cells[index]!;

    private static List<JsonObject> OutputsOf(JsonObject cell) =>
        ((JsonArray)cell["outputs"]!).Select(o => (JsonObject)o!).ToList();

    private static string PlainResult(JsonObject cell) =>
        NotebookDocument.JoinMultiline(OutputsOf(cell).Single(o => (string)o["output_type"]! == "execute_result")["data"]!["text/plain"]);

    [Fact]
    public async Task Cells_run_in_order_and_share_their_state()
    {
        var nb = NewNotebook();
        nb.AddCode("var log = new List<string>();\nlog.Add(\"first\");");
        nb.AddMarkdown("# a heading between code cells");
        nb.AddCode("int x = 2;\nlog.Add(\"second\");");
        nb.AddCode("log.Add(\"third\");\nstring.Join(\",\", log) + \":\" + (x * 21)");

        var result = await Run(nb);

        Assert.True(result.Succeeded, result.FailureSummary);
        Assert.Equal([CellStatus.Succeeded, CellStatus.Skipped, CellStatus.Succeeded, CellStatus.Succeeded],
            result.Cells.Select(c => c.Status));
        Assert.Equal([1, null, 2, 3], result.Cells.Select(c => c.ExecutionCount));
        Assert.Equal("first,second,third:42", PlainResult(CellOf(result.OutputPath!, 3)));
        Assert.Equal(3, (int)CellOf(result.OutputPath!, 3)["execution_count"]!);
    }

    [Fact]
    public async Task The_executed_notebook_is_written_under_the_same_name_and_is_valid_nbformat_4()
    {
        var nb = NewNotebook("my-analysis.ipynb");
        nb.Metadata["custom_tool"] = new JsonObject { ["keep"] = "me" };
        nb.AddMarkdown("text");
        nb.AddCode("Console.WriteLine(\"out\");\nConsole.Error.WriteLine(\"err\");");
        nb.AddCode("var p = new ScottPlot.Plot();\np.Add.Scatter(new double[] { 1, 2, 3 }, new double[] { 2, 1, 3 });\ndisplay(p);\nDisplay.Table([\"a\", \"b\"], [[1, 2.5]]);\n7 * 6");
        nb.AddCode("throw new InvalidOperationException(\"boom\");");
        nb.AddCode("Console.WriteLine(\"never\");");

        var result = await Run(nb);

        Assert.Equal(Path.Combine(_dir, "out", "my-analysis.ipynb"), result.OutputPath);
        var json = await File.ReadAllTextAsync(result.OutputPath!);
        Assert.Empty(NbformatSchema.Violations(json));
        var root = JsonNode.Parse(json)!;
        Assert.Equal("me", (string)root["metadata"]!["custom_tool"]!["keep"]!);
        Assert.Equal(".net-csharp", (string)root["metadata"]!["kernelspec"]!["name"]!);
        var types = root["cells"]!.AsArray().SelectMany(c => c!["outputs"]?.AsArray() ?? [])
            .Select(o => (string)o!["output_type"]!).ToHashSet();
        Assert.Equal(["display_data", "error", "execute_result", "stream"], types.Order());
        Assert.Null(root["cells"]![4]!["execution_count"]);
    }

    [Fact]
    public async Task A_cell_that_does_not_compile_is_reported_with_its_index_line_and_compiler_error()
    {
        var nb = NewNotebook();
        nb.AddCode("var ok = 1;");
        nb.AddMarkdown("between");
        nb.AddCode("var a = ok;\nvar b = notDefined + 1;");
        nb.AddCode("Console.WriteLine(\"not run\");");

        var result = await Run(nb);

        Assert.False(result.Succeeded);
        var failed = result.FailedCell!;
        Assert.Equal(2, failed.Index);
        Assert.Equal(CellErrorKind.Compilation, failed.Error!.Kind);
        var diagnostic = Assert.Single(failed.Error.Diagnostics);
        Assert.Equal(2, diagnostic.Line);
        Assert.Equal(9, diagnostic.Column);
        Assert.Equal("CS0103", diagnostic.Id);
        Assert.Contains("notDefined", diagnostic.Message);
        Assert.Equal(CellStatus.NotRun, result.Cells[3].Status);
        Assert.Contains("cell 2 (line 2) failed: CS0103", result.FailureSummary);
        var error = OutputsOf(CellOf(result.OutputPath!, 2)).Single();
        Assert.Equal("error", (string)error["output_type"]!);
        Assert.Contains("(line 2, column 9): error CS0103", (string)error["traceback"]![0]!);
    }

    [Fact]
    public async Task A_cell_that_throws_is_reported_with_its_index_exception_and_line()
    {
        var nb = NewNotebook();
        nb.AddCode("Console.WriteLine(\"before\");");
        nb.AddCode("var numbers = new int[1];\n\nvar n = numbers[3];");
        nb.AddCode("Console.WriteLine(\"not run\");");

        var result = await Run(nb);

        var failed = result.FailedCell!;
        Assert.Equal(1, failed.Index);
        Assert.Equal(CellErrorKind.Runtime, failed.Error!.Kind);
        Assert.Equal(typeof(IndexOutOfRangeException).FullName, failed.Error.ExceptionType);
        Assert.Equal(3, failed.Error.Line);
        Assert.Contains("in cell[1]:line 3", failed.Error.StackTrace);
        Assert.DoesNotContain("Microsoft.CodeAnalysis.Scripting", failed.Error.StackTrace);
        Assert.Equal("before\n", result.Cells[0].Stdout);
        Assert.Equal(CellStatus.NotRun, result.Cells[2].Status);
        var error = OutputsOf(CellOf(result.OutputPath!, 1)).Single();
        Assert.Equal("System.IndexOutOfRangeException", (string)error["ename"]!);
        Assert.Equal(new IndexOutOfRangeException().Message, (string)error["evalue"]!);
    }

    [Fact]
    public async Task An_async_cell_that_throws_after_an_await_fails_too()
    {
        var nb = NewNotebook();
        nb.AddCode("await Task.Delay(1);\nthrow new ArgumentException(\"late\");");

        var result = await Run(nb);

        Assert.Equal(CellErrorKind.Runtime, result.FailedCell!.Error!.Kind);
        Assert.Contains("late", result.FailedCell.Error.Message);
    }

    [Fact]
    public async Task Console_output_of_a_cell_becomes_its_stdout_and_stderr_streams_in_order()
    {
        var nb = NewNotebook();
        nb.AddCode("Console.WriteLine(\"line 1\");\nConsole.Write(\"a\");\nConsole.Write(42);\nConsole.WriteLine();\n" +
                   "Console.Error.WriteLine(\"warn\");\nawait Task.Run(() => Console.WriteLine(\"from a task\"));");

        var result = await Run(nb);

        Assert.True(result.Succeeded, result.FailureSummary);
        Assert.Equal("line 1\na42\nfrom a task\n", result.Cells[0].Stdout);
        var outputs = OutputsOf(CellOf(result.OutputPath!, 0));
        Assert.Equal(["stdout", "stderr", "stdout"], outputs.Select(o => (string)o["name"]!));
        Assert.Equal(["line 1\n", "a42\n"], outputs[0]["text"]!.AsArray().Select(l => (string)l!));
    }

    [Fact]
    public async Task Concurrent_runs_keep_their_console_output_apart()
    {
        NotebookDocument Chatty(string word)
        {
            var nb = NewNotebook(word + ".ipynb");
            nb.AddCode($"for (int i = 0; i < 50; i++) {{ Console.WriteLine(\"{word}\"); await Task.Yield(); }}");
            return nb;
        }

        var runs = await Task.WhenAll(Run(Chatty("alpha")), Run(Chatty("beta")));

        Assert.Equal(string.Concat(Enumerable.Repeat("alpha\n", 50)), runs[0].Cells[0].Stdout);
        Assert.Equal(string.Concat(Enumerable.Repeat("beta\n", 50)), runs[1].Cells[0].Stdout);
    }

    [Fact]
    public async Task Parameters_are_injected_after_the_parameters_cell_typed_like_the_defaults()
    {
        var nb = NewNotebook();
        nb.AddCode("// defaults\nstring name = \"default\";\nint count = 1;\ndouble rate = 0.5;\nbool verbose = false;\nvar label = \"x\";\nlong big = 1L;",
            NotebookParameters.ParametersTag);
        nb.AddCode("$\"{name}|{count * 2}|{rate * 2}|{verbose}|{label}|{big + 1}|{count.GetType().Name}|{rate.GetType().Name}\"");

        var result = await Run(nb, new Dictionary<string, string>
        {
            ["name"] = "a \"quoted\" \\ value",
            ["count"] = "21",
            ["rate"] = "0.125",
            ["verbose"] = "true",
            ["label"] = "y",
            ["big"] = "9000000000",
        });

        Assert.True(result.Succeeded, result.FailureSummary);
        Assert.Empty(result.Warnings);
        Assert.Equal([NotebookParameters.InjectedTag], result.Cells[1].Tags);
        Assert.Equal("a \"quoted\" \\ value|42|0.25|True|y|9000000001|Int32|Double", PlainResult(CellOf(result.OutputPath!, 2)));
        var injected = NotebookDocument.SourceOf(CellOf(result.OutputPath!, 1));
        Assert.Contains("int count = 21;", injected);
        Assert.Contains("double rate = 0.125d;", injected);
        Assert.Contains("bool verbose = true;", injected);
    }

    [Fact]
    public async Task A_parameter_value_of_the_wrong_type_is_rejected_before_anything_runs()
    {
        var nb = NewNotebook();
        nb.AddCode("int count = 1;", NotebookParameters.ParametersTag);
        nb.AddCode("File.WriteAllText(\"should-not-exist\", \"\");");

        var e = await Assert.ThrowsAsync<NotebookException>(() => Run(nb, new() { ["count"] = "many" }));

        Assert.Contains("parameter 'count' is an int; 'many' is not one", e.Message);
        Assert.Equal(2, e.ExitCode);
    }

    [Fact]
    public async Task An_undeclared_parameter_is_injected_with_an_inferred_type_and_a_warning()
    {
        var nb = NewNotebook();
        nb.AddCode("int count = 1;", NotebookParameters.ParametersTag);
        nb.AddCode("extra.GetType().Name");

        var result = await Run(nb, new() { ["extra"] = "2.5" });

        Assert.True(result.Succeeded, result.FailureSummary);
        Assert.Equal("Double", PlainResult(CellOf(result.OutputPath!, 2)));
        Assert.Contains(result.Warnings, w => w.Contains("'extra' is not declared"));
    }

    [Fact]
    public async Task Rerunning_an_executed_notebook_replaces_its_injected_cell()
    {
        var nb = NewNotebook();
        nb.AddCode("int count = 1;", NotebookParameters.ParametersTag);
        nb.AddCode("count");
        var first = await Run(nb, new() { ["count"] = "2" });

        var again = await NotebookRunner.RunAsync(first.OutputPath!, Path.Combine(_dir, "again"),
            new Dictionary<string, string> { ["count"] = "3" });

        Assert.Equal(3, again.Cells.Count);
        Assert.Equal("3", PlainResult(CellOf(again.OutputPath!, 2)));
    }

    [Fact]
    public async Task A_plot_and_png_bytes_become_image_png_outputs_and_a_plot_can_be_saved()
    {
        var nb = NewNotebook();
        nb.AddCode("var plot = new ScottPlot.Plot();\nplot.Add.Signal(new double[] { 1, 3, 2, 4 });\n" +
                   "display(plot);\nvar saved = Display.Plot(plot, \"plots/signal.png\", 400, 300);\n" +
                   "Display.Image(File.ReadAllBytes(saved!), \"again\");");
        nb.AddCode("plot");

        var result = await Run(nb);

        Assert.True(result.Succeeded, result.FailureSummary);
        Assert.Equal(3, result.Cells[0].ImageCount);
        Assert.True(File.Exists(Path.Combine(_dir, "out", "plots", "signal.png")));
        var images = OutputsOf(CellOf(result.OutputPath!, 0));
        Assert.All(images, o => Assert.Equal("display_data", (string)o["output_type"]!));
        foreach (var output in images.Append(OutputsOf(CellOf(result.OutputPath!, 1)).Single()))
        {
            var png = Convert.FromBase64String((string)output["data"]!["image/png"]!);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.True(png.Length > 1000);
        }
        Assert.Equal("execute_result", (string)OutputsOf(CellOf(result.OutputPath!, 1)).Single()["output_type"]!);
    }

    [Fact]
    public async Task Display_rejects_bytes_that_are_not_a_png()
    {
        var nb = NewNotebook();
        nb.AddCode("Display.Image(new byte[] { 1, 2, 3 });");

        var result = await Run(nb);

        Assert.Contains("is not a PNG image", result.FailedCell!.Error!.Message);
    }

    [Fact]
    public async Task Csharp_kernel_directives_are_stripped_and_other_kernels_are_rejected()
    {
        var ok = NewNotebook();
        ok.AddCode("#!csharp\n#!time\nvar v = 1;\nv + 1");
        var result = await Run(ok);
        Assert.True(result.Succeeded, result.FailureSummary);
        Assert.Equal("2", PlainResult(CellOf(result.OutputPath!, 0)));
        Assert.Contains("Wall time:", result.Cells[0].Stdout);

        var fsharp = NewNotebook("fs.ipynb");
        fsharp.AddCode("Console.WriteLine(1);");
        fsharp.AddCode("#!fsharp\nlet x = 1");
        var e = await Assert.ThrowsAsync<NotebookException>(() => Run(fsharp));
        Assert.Contains("cell 1, line 1: '#!fsharp' switches to the F# kernel", e.Message);

        var byMetadata = NewNotebook("pwsh.ipynb");
        var cell = byMetadata.AddCode("Get-ChildItem");
        cell["metadata"]!["polyglot_notebook"]!["kernelName"] = "pwsh";
        e = await Assert.ThrowsAsync<NotebookException>(() => Run(byMetadata));
        Assert.Contains("cell 0 is a PowerShell cell", e.Message);
    }

    [Fact]
    public async Task A_python_notebook_is_rejected_with_a_clear_message()
    {
        var nb = NewNotebook("py.ipynb");
        nb.Metadata["kernelspec"] = new JsonObject { ["display_name"] = "Python 3", ["language"] = "python", ["name"] = "python3" };
        nb.AddCode("print(1)");

        var e = await Assert.ThrowsAsync<NotebookException>(() => Run(nb));

        Assert.Contains("written for the python kernel", e.Message);
    }

    [Fact]
    public async Task Nuget_references_are_accepted_for_shipped_packages_and_rejected_otherwise()
    {
        var shipped = NewNotebook();
        shipped.AddCode("#r \"nuget: ScottPlot, 5.1.59\"\nusing ScottPlot;\nnew Plot().GetType().Name");
        var result = await Run(shipped);
        Assert.True(result.Succeeded, result.FailureSummary);
        Assert.Equal("Plot", PlainResult(CellOf(result.OutputPath!, 0)));
        var stderr = OutputsOf(CellOf(result.OutputPath!, 0)).First(o => (string?)o["name"] == "stderr");
        Assert.Contains("using the ScottPlot", NotebookDocument.JoinMultiline(stderr["text"]));

        var missing = NewNotebook("missing.ipynb");
        missing.AddCode("#r \"nuget: Totally.Unknown.Package, 1.0.0\"");
        var e = await Assert.ThrowsAsync<NotebookException>(() => Run(missing));
        Assert.Contains("NuGet packages are not supported offline", e.Message);
        Assert.Equal(3, e.ExitCode);
    }

    [Fact]
    public async Task A_relative_dll_reference_is_resolved_against_the_notebook_folder_and_loaded()
    {
        var lib = Path.Combine(_dir, "lib");
        Directory.CreateDirectory(lib);
        CompileLibrary(Path.Combine(lib, "TinyGreeter.dll"),
            "namespace Tiny { public static class Greeter { public static string Hi(string who) => \"hi \" + who; } }");
        var nb = NewNotebook();
        nb.AddCode("#r \"lib/TinyGreeter.dll\"\nTiny.Greeter.Hi(\"there\")");
        nb.AddCode("#r \"Mmcs.Core.dll\"\nMmcs.Core.Invariant.Format(0.5)");

        var result = await Run(nb);

        Assert.True(result.Succeeded, result.FailureSummary);
        Assert.Equal("hi there", PlainResult(CellOf(result.OutputPath!, 0)));
        Assert.Equal("0.5", PlainResult(CellOf(result.OutputPath!, 1)));

        var broken = NewNotebook("broken.ipynb");
        broken.AddCode("#r \"lib/Nope.dll\"");
        var e = await Assert.ThrowsAsync<NotebookException>(() => Run(broken));
        Assert.Contains(Path.Combine(lib, "Nope.dll"), e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public async Task The_mmcs_libraries_are_referenced_without_any_directive()
    {
        var nb = NewNotebook();
        nb.AddCode("using Mmcs.Core;\nusing Mmcs.Featurize;\nnew FeaturizerOptions().SampleRate + Invariant.Format(0.25).Length");

        var result = await Run(nb);

        Assert.True(result.Succeeded, result.FailureSummary);
        Assert.Equal("22054", PlainResult(CellOf(result.OutputPath!, 0)));
    }

    [Fact]
    public async Task Globals_tell_the_cell_where_the_notebook_and_the_output_are()
    {
        var nb = NewNotebook();
        nb.AddCode("NotebookDirectory + \"|\" + OutputDirectory");

        var result = await Run(nb);

        Assert.Equal($"{_dir}|{Path.Combine(_dir, "out")}", PlainResult(CellOf(result.OutputPath!, 0)));
    }

    [Fact]
    public async Task A_cancelled_run_stops_and_says_so()
    {
        var nb = NewNotebook();
        nb.AddCode("await Task.Delay(TimeSpan.FromSeconds(30), CancellationToken);");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            NotebookRunner.RunAsync(nb, new NotebookRunOptions { OutputDirectory = Path.Combine(_dir, "out") }, null, cts.Token));
    }

    [Fact]
    public async Task A_cell_running_past_the_time_limit_fails_with_a_timeout()
    {
        var nb = NewNotebook();
        nb.AddCode("await Task.Delay(TimeSpan.FromSeconds(20), CancellationToken);");
        nb.AddCode("1");

        var result = await NotebookRunner.RunAsync(nb, new NotebookRunOptions
        {
            OutputDirectory = Path.Combine(_dir, "out"),
            CellTimeout = TimeSpan.FromMilliseconds(200),
        });

        Assert.Equal(CellErrorKind.Timeout, result.FailedCell!.Error!.Kind);
        Assert.Contains("longer than 0.2 s", result.FailureSummary);
        Assert.Equal(CellStatus.NotRun, result.Cells[1].Status);
    }

    [Fact]
    public async Task A_cell_that_blocks_without_awaiting_is_also_stopped_at_the_time_limit()
    {
        var nb = NewNotebook();
        nb.AddCode("System.Threading.Thread.Sleep(8_000);");
        nb.AddCode("1");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await NotebookRunner.RunAsync(nb, new NotebookRunOptions
        {
            OutputDirectory = Path.Combine(_dir, "out"),
            CellTimeout = TimeSpan.FromMilliseconds(300),
        });

        Assert.Equal(CellErrorKind.Timeout, result.FailedCell!.Error!.Kind);
        Assert.Equal(CellStatus.NotRun, result.Cells[1].Status);
        // not a speed figure: before, the run returned only when the 8 s cell had ended
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(7), clock.Elapsed.ToString());
    }

    [Fact]
    public void Values_are_shown_as_invariant_text_and_long_sequences_are_cut()
    {
        Assert.Equal("0.5", Display.FormatText(0.5));
        Assert.Equal("null", Display.FormatText(null));
        Assert.Equal("[1, 2, 3]", Display.FormatText(new[] { 1, 2, 3 }));
        Assert.Equal("a: 1\nb: 2.5", Display.FormatText(new Dictionary<string, double> { ["a"] = 1, ["b"] = 2.5 }));
        Assert.Equal("[0, 1, ... (8 more)]", Display.FormatText(Enumerable.Range(0, 10), maxItems: 2));
    }

    [Fact]
    public async Task A_notebook_file_that_is_not_nbformat_4_is_rejected_naming_the_file()
    {
        var path = Path.Combine(_dir, "old.ipynb");
        await File.WriteAllTextAsync(path, "{\"nbformat\": 3, \"worksheets\": []}");

        var e = await Assert.ThrowsAsync<NotebookException>(() => NotebookRunner.RunAsync(path, _dir));

        Assert.Contains("old.ipynb' is nbformat 3", e.Message);
        Assert.Equal(ErrorCodes.DataInvalid, e.ErrorCode);
    }

    private static void CompileLibrary(string path, string code)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll")
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(Path.GetFileNameWithoutExtension(path),
            [CSharpSyntaxTree.ParseText(code)], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var emit = compilation.Emit(path);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
    }
}
