using Mmcs.Registry.FileStore;

namespace Mmcs.Registry.Tests.FileStore;

public sealed class MetaYamlTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "''")]
    [InlineData("0", "'0'")]
    [InlineData("123456789012345678", "'123456789012345678'")]
    [InlineData("1.5", "'1.5'")]
    [InlineData("true", "'true'")]
    [InlineData("null", "'null'")]
    [InlineData("None", "None")]
    [InlineData("a: b", "'a: b'")]
    [InlineData("it's", "it's")]
    [InlineData("'quoted'", "'''quoted'''")]
    [InlineData(" padded", "' padded'")]
    [InlineData("#hash", "'#hash'")]
    [InlineData("runs:/abc/model", "runs:/abc/model")]
    [InlineData("file:///tmp/x", "file:///tmp/x")]
    [InlineData("two\nlines", "\"two\\nlines\"")]
    [InlineData("Müsik", "\"M\\xFCsik\"")]
    [InlineData("2024-01-01", "'2024-01-01'")]
    public void Strings_are_quoted_the_way_PyYAML_safe_dump_quotes_them(string value, string expected) =>
        Assert.Equal(expected, MetaYaml.Scalar(value));

    [Theory]
    [InlineData("plain")]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("a: b #c")]
    [InlineData("two\nlines\ttab \"q\" \\ end")]
    [InlineData("Müsik 🎵")]
    [InlineData("it's")]
    public void Every_string_reads_back_unchanged(string value)
    {
        string yaml = MetaYaml.Write([new("name", value)]);
        Assert.Equal(value, MetaYaml.Read(yaml, "test")["name"]);
    }

    [Fact]
    public void Null_integers_empty_lists_and_nested_mappings_are_written_in_sorted_key_order()
    {
        string yaml = MetaYaml.Write([
            new("b", null), new("a", 5L), new("c", MetaYaml.EmptyList.Instance),
            new("d", new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" }), new("e", new Dictionary<string, string>())]);
        Assert.Equal("a: 5\nb: null\nc: []\nd:\n  x: '1'\n  y: '2'\ne: {}\n", yaml);
        var back = MetaYaml.Read(yaml, "t");
        Assert.Null(back["b"]);
        Assert.Equal("5", back["a"]);
        Assert.Equal("1", ((Dictionary<string, string>)back["d"]!)["x"]);
    }

    [Fact]
    public void Invalid_yaml_is_an_error_naming_the_file()
    {
        var e = Assert.Throws<MlflowException>(() => MetaYaml.Read("a: [unclosed", "/x/meta.yaml"));
        Assert.Contains("/x/meta.yaml", e.Message, StringComparison.Ordinal);
    }
}

public sealed class PythonFloatTests
{
    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(100.0, "100.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1.2345678901234567e19, "1.2345678901234567e+19")]
    [InlineData(-2.5e-10, "-2.5e-10")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(123456789.125, "123456789.125")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(5e-324, "5e-324")]
    public void Doubles_are_written_as_python_repr(double value, string expected)
    {
        Assert.Equal(expected, PythonFloat.Format(value));
        Assert.True(PythonFloat.TryParse(expected, out double back));
        Assert.Equal(value, back);
    }

    [Fact]
    public void Special_values_are_nan_inf_and_minus_inf()
    {
        Assert.Equal("nan", PythonFloat.Format(double.NaN));
        Assert.Equal("inf", PythonFloat.Format(double.PositiveInfinity));
        Assert.Equal("-inf", PythonFloat.Format(double.NegativeInfinity));
        Assert.True(PythonFloat.TryParse("-inf", out double n) && double.IsNegativeInfinity(n));
        Assert.True(PythonFloat.TryParse("NaN", out double nan) && double.IsNaN(nan));
    }
}
