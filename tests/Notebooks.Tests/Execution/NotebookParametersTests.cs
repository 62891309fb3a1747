using Mmcs.Notebooks.Execution;
using Mmcs.Notebooks.Format;

namespace Mmcs.Notebooks.Tests.Execution;

public sealed class NotebookParametersTests
{
    [Fact]
    public void Declared_parameters_are_typed_from_their_declaration_or_their_literal()
    {
        var declared = NotebookParameters.Declared(
            "var count = -3;\nvar name = $\"x\";\nvar rate = 1e-3;\nvar big = 5L;\ndouble? maybe = null;\nvar path = Path.Combine(\"a\", \"b\");\nfloat f = 1, g = 2;\nConsole.WriteLine();")
            .ToDictionary(p => p.Name);

        Assert.Equal(ParameterType.Int, declared["count"].Type);
        Assert.Equal(ParameterType.String, declared["name"].Type);
        Assert.Equal(ParameterType.Double, declared["rate"].Type);
        Assert.Equal(ParameterType.Long, declared["big"].Type);
        Assert.Equal(ParameterType.Double, declared["maybe"].Type);
        Assert.Null(declared["path"].Type);
        Assert.Equal(ParameterType.Float, declared["g"].Type);
        Assert.Equal(8, declared.Count);
    }

    [Theory]
    [InlineData("42", ParameterType.Int)]
    [InlineData("-7", ParameterType.Int)]
    [InlineData("9000000000", ParameterType.Long)]
    [InlineData("0.25", ParameterType.Double)]
    [InlineData("1e-3", ParameterType.Double)]
    [InlineData("true", ParameterType.Bool)]
    [InlineData("../data", ParameterType.String)]
    [InlineData("NaN", ParameterType.String)]
    public void A_value_for_an_undeclared_parameter_gets_the_type_it_looks_like(string text, ParameterType type) =>
        Assert.Equal(type, NotebookParameters.Infer(text));

    [Fact]
    public void Literals_are_invariant_and_escaped()
    {
        Assert.Equal("0.5d", NotebookParameters.Literal("x", "0.5", ParameterType.Double));
        Assert.Equal("double.NaN", NotebookParameters.Literal("x", "NaN", ParameterType.Double));
        Assert.Equal("\"a\\\"b\\\\c\\n\"", NotebookParameters.Literal("x", "a\"b\\c\n", ParameterType.String));
        Assert.Equal("1.5m", NotebookParameters.Literal("x", "1.5", ParameterType.Decimal));
        var e = Assert.Throws<NotebookException>(() => NotebookParameters.Literal("flag", "yes", ParameterType.Bool));
        Assert.Contains("parameter 'flag' is a bool (true or false); 'yes' is not one", e.Message);
    }

    [Fact]
    public void Without_a_parameters_cell_the_injected_cell_comes_first_with_a_warning()
    {
        var notebook = NotebookDocument.CreateCSharp("plain.ipynb");
        notebook.AddCode("Console.WriteLine(1);");

        var warnings = NotebookParameters.Inject(notebook, new Dictionary<string, string> { ["n"] = "2" });

        Assert.Contains("has no cell tagged \"parameters\"", Assert.Single(warnings));
        Assert.Equal([NotebookParameters.InjectedTag], NotebookDocument.TagsOf((System.Text.Json.Nodes.JsonObject)notebook.Cells[0]!));
        Assert.Contains("int n = 2;", NotebookDocument.SourceOf((System.Text.Json.Nodes.JsonObject)notebook.Cells[0]!));
    }

    [Fact]
    public void A_parameter_whose_type_cannot_be_told_cannot_be_overridden()
    {
        var notebook = NotebookDocument.CreateCSharp("p.ipynb");
        notebook.AddCode("var folder = Path.GetTempPath();", NotebookParameters.ParametersTag);

        var e = Assert.Throws<NotebookException>(() =>
            NotebookParameters.Inject(notebook, new Dictionary<string, string> { ["folder"] = "/x" }));

        Assert.Contains("declare it with an explicit type", e.Message);
    }
}
