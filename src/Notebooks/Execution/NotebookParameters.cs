using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mmcs.Core;
using Mmcs.Notebooks.Format;

namespace Mmcs.Notebooks.Execution;

/// <summary>The C# type of a notebook parameter.</summary>
public enum ParameterType
{
    String,
    Bool,
    Int,
    Long,
    Double,
    Float,
    Decimal,
}

/// <summary>A parameter declared in the notebook's "parameters" cell.</summary>
/// <param name="Name">The variable name.</param>
/// <param name="Type">Its type (declared, or inferred from a literal initialiser of <c>var</c>).</param>
/// <param name="DefaultText">The initialiser as written.</param>
public sealed record DeclaredParameter(string Name, ParameterType? Type, string DefaultText);

/// <summary>
/// Papermill-style parameters: the cell tagged "parameters" declares defaults; the runner inserts after it a cell
/// tagged "injected-parameters" that re-declares the overridden ones with the given values, typed like the
/// originals (string, number, bool).
/// </summary>
public static class NotebookParameters
{
    public const string ParametersTag = "parameters";
    public const string InjectedTag = "injected-parameters";

    /// <summary>The variables declared by a parameters cell's code, in order.</summary>
    public static IReadOnlyList<DeclaredParameter> Declared(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, CSharpParseOptions.Default.WithKind(SourceCodeKind.Script));
        var root = (CompilationUnitSyntax)tree.GetRoot();
        var result = new List<DeclaredParameter>();
        foreach (var member in root.Members)
        {
            VariableDeclarationSyntax? declaration = member switch
            {
                FieldDeclarationSyntax field => field.Declaration,
                GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax local } => local.Declaration,
                _ => null,
            };
            if (declaration is null) continue;
            foreach (var variable in declaration.Variables)
            {
                var init = variable.Initializer?.Value;
                var type = TypeOf(declaration.Type, init);
                result.Add(new DeclaredParameter(variable.Identifier.ValueText, type, init?.ToString() ?? ""));
            }
        }
        return result;
    }

    /// <summary>
    /// Inserts the injected-parameters cell into <paramref name="notebook"/> (after the parameters cell, or first
    /// when there is none; replacing an earlier injected cell). Returns warnings (e.g. a parameter the notebook does
    /// not declare). Throws when a value does not fit its parameter's type.
    /// </summary>
    public static IReadOnlyList<string> Inject(NotebookDocument notebook, IReadOnlyDictionary<string, string> values)
    {
        var warnings = new List<string>();
        if (values.Count == 0) return warnings;
        var cells = notebook.Cells;
        for (int i = cells.Count - 1; i >= 0; i--)
        {
            if (NotebookDocument.TagsOf((JsonObject)cells[i]!).Contains(InjectedTag)) cells.RemoveAt(i);
        }
        int parametersIndex = -1;
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = (JsonObject)cells[i]!;
            if (NotebookDocument.CellType(cell) == "code" && NotebookDocument.TagsOf(cell).Contains(ParametersTag))
            {
                parametersIndex = i;
                break;
            }
        }
        var declared = parametersIndex < 0
            ? new Dictionary<string, DeclaredParameter>()
            : Declared(NotebookDocument.SourceOf((JsonObject)cells[parametersIndex]!)).GroupBy(p => p.Name)
                .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        if (parametersIndex < 0)
            warnings.Add($"notebook '{notebook.Source}' has no cell tagged \"{ParametersTag}\"; parameters are injected in a first cell");

        var code = new StringBuilder("// Injected parameters\n");
        foreach (var (name, text) in values)
        {
            if (!SyntaxFacts.IsValidIdentifier(name))
                throw new NotebookException(ErrorCodes.InvalidParameterValue, $"parameter name '{name}' is not a C# identifier");
            ParameterType type;
            if (declared.TryGetValue(name, out var parameter))
            {
                type = parameter.Type ?? throw new NotebookException(ErrorCodes.InvalidParameterValue,
                    $"parameter '{name}' of notebook '{notebook.Source}' is initialised with '{parameter.DefaultText}', " +
                    "whose type cannot be told; declare it with an explicit type (string, bool, int, long, double, float, decimal)");
            }
            else
            {
                type = Infer(text);
                if (parametersIndex >= 0)
                    warnings.Add($"parameter '{name}' is not declared in the parameters cell of '{notebook.Source}'; injected as {Keyword(type)}");
            }
            code.Append(Keyword(type)).Append(' ').Append(name).Append(" = ")
                .Append(Literal(name, text, type)).Append(";\n");
        }
        var injected = NotebookDocument.NewCodeCell(code.ToString(), InjectedTag);
        cells.Insert(parametersIndex + 1, injected);
        return warnings;
    }

    /// <summary>The C# literal of <paramref name="text"/> as a <paramref name="type"/>; throws when it does not parse.</summary>
    public static string Literal(string name, string text, ParameterType type)
    {
        var inv = CultureInfo.InvariantCulture;
        string Fail(string what) => throw new NotebookException(ErrorCodes.InvalidParameterValue,
            $"parameter '{name}' is {what}; '{text}' is not one");
        switch (type)
        {
            case ParameterType.String:
                return SymbolDisplay.FormatLiteral(text, quote: true);
            case ParameterType.Bool:
                return text.Trim().ToLowerInvariant() switch
                {
                    "true" => "true",
                    "false" => "false",
                    _ => Fail("a bool (true or false)"),
                };
            case ParameterType.Int:
                return int.TryParse(text, NumberStyles.Integer, inv, out var i) ? i.ToString(inv) : Fail("an int");
            case ParameterType.Long:
                return long.TryParse(text, NumberStyles.Integer, inv, out var l) ? l.ToString(inv) + "L" : Fail("a long");
            case ParameterType.Double:
                if (!double.TryParse(text, NumberStyles.Float, inv, out var d)) return Fail("a double");
                return double.IsNaN(d) ? "double.NaN"
                    : double.IsPositiveInfinity(d) ? "double.PositiveInfinity"
                    : double.IsNegativeInfinity(d) ? "double.NegativeInfinity"
                    : d.ToString("R", inv) + "d";
            case ParameterType.Float:
                if (!float.TryParse(text, NumberStyles.Float, inv, out var f) || !float.IsFinite(f)) return Fail("a float");
                return f.ToString("R", inv) + "f";
            case ParameterType.Decimal:
                return decimal.TryParse(text, NumberStyles.Float, inv, out var m) ? m.ToString(inv) + "m" : Fail("a decimal");
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>The type a value given on the command line looks like: bool, int, long, double, else string.</summary>
    public static ParameterType Infer(string text)
    {
        var inv = CultureInfo.InvariantCulture;
        if (text is "true" or "false" or "True" or "False") return ParameterType.Bool;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, inv, out _)) return ParameterType.Int;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, inv, out _)) return ParameterType.Long;
        if (double.TryParse(text, NumberStyles.Float, inv, out var d) && double.IsFinite(d)) return ParameterType.Double;
        return ParameterType.String;
    }

    /// <summary>The C# keyword of a parameter type.</summary>
    public static string Keyword(ParameterType type) => type switch
    {
        ParameterType.String => "string",
        ParameterType.Bool => "bool",
        ParameterType.Int => "int",
        ParameterType.Long => "long",
        ParameterType.Double => "double",
        ParameterType.Float => "float",
        ParameterType.Decimal => "decimal",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static ParameterType? TypeOf(TypeSyntax type, ExpressionSyntax? init)
    {
        if (type is NullableTypeSyntax nullable) type = nullable.ElementType;
        if (type is PredefinedTypeSyntax predefined)
        {
            return predefined.Keyword.Kind() switch
            {
                SyntaxKind.StringKeyword => ParameterType.String,
                SyntaxKind.BoolKeyword => ParameterType.Bool,
                SyntaxKind.IntKeyword => ParameterType.Int,
                SyntaxKind.LongKeyword => ParameterType.Long,
                SyntaxKind.DoubleKeyword => ParameterType.Double,
                SyntaxKind.FloatKeyword => ParameterType.Float,
                SyntaxKind.DecimalKeyword => ParameterType.Decimal,
                _ => null,
            };
        }
        if (type is IdentifierNameSyntax { Identifier.ValueText: var name })
        {
            switch (name)
            {
                case "var":
                    return init is null ? null : TypeOfLiteral(init);
                case "String":
                    return ParameterType.String;
                case "Boolean":
                    return ParameterType.Bool;
                case "Int32":
                    return ParameterType.Int;
                case "Int64":
                    return ParameterType.Long;
                case "Double":
                    return ParameterType.Double;
                case "Single":
                    return ParameterType.Float;
                case "Decimal":
                    return ParameterType.Decimal;
            }
        }
        return null;
    }

    private static ParameterType? TypeOfLiteral(ExpressionSyntax init)
    {
        if (init is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression or (int)SyntaxKind.UnaryPlusExpression } unary)
            init = unary.Operand;
        if (init is ParenthesizedExpressionSyntax parenthesized) return TypeOfLiteral(parenthesized.Expression);
        if (init is InterpolatedStringExpressionSyntax) return ParameterType.String;
        if (init is not LiteralExpressionSyntax literal) return null;
        return literal.Token.Value switch
        {
            string => ParameterType.String,
            bool => ParameterType.Bool,
            int => ParameterType.Int,
            long => ParameterType.Long,
            double => ParameterType.Double,
            float => ParameterType.Float,
            decimal => ParameterType.Decimal,
            _ => null,
        };
    }
}
