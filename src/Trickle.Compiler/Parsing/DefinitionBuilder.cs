using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Syntax;
using P = Trickle.Compiler.Parsing.Generated.TrickleSqlParser;

namespace Trickle.Compiler.Parsing;

/// <summary>
/// Recognises which of the four definition forms a file uses. The call forms are ordinary SELECTs syntactically:
/// they are recognised on the built tree, and the query inside their string literal is parsed in a second pass.
/// </summary>
internal sealed class DefinitionBuilder
{
    private readonly SourceText _source;
    private readonly SourceMap _sourceMap;
    private readonly DiagnosticBag _diagnostics;
    private readonly NameBuilder _names;
    private readonly QueryBuilder _queries;

    public DefinitionBuilder(SourceText source, SourceMap sourceMap, DiagnosticBag diagnostics)
    {
        _source = source;
        _sourceMap = sourceMap;
        _diagnostics = diagnostics;
        _names = new NameBuilder(sourceMap, diagnostics: diagnostics, filePath: source.Path);
        _queries = new QueryBuilder(_names);
    }

    public StreamTableDefinition? Build(P.DefinitionFileContext context) =>
        BuildForm(context) is { } definition ? definition with { Operators = _names.Operators.ToArray() } : null;

    private StreamTableDefinition? BuildForm(P.DefinitionFileContext context)
    {
        var span = _names.Span(context);
        if (context.createStreamTable() is { } create)
        {
            var options = create.definitionOption().Select(DefinitionOption).ToArray();
            return new StreamTableDefinition(
                span, DefinitionForm.CreateStreamTable, _names.QualifiedName(create.qualifiedName()), options,
                _queries.Query(create.query()), SourceSlice(create.query())) { Written = Written(create.query()) };
        }

        var query = _queries.Query(context.query());
        if (AsCallForm(query) is not ({ } call, { } form))
            return new StreamTableDefinition(span, DefinitionForm.BareQuery, null, [], query, SourceSlice(context.query())) { Written = Written(context.query()) };
        return BuildCallForm(span, call, form);
    }

    private DefinitionOption DefinitionOption(P.DefinitionOptionContext context)
    {
        var valueContext = context.definitionOptionValue();
        var value = valueContext.stringLiteral() is { } text
            ? StringLiteralDecoder.Decode(text.Start.Text).Value
            : valueContext.columnLabel() is { } word ? _names.Identifier(word).Value
            : valueContext.GetText();
        return new DefinitionOption(_names.Span(context), _names.Identifier(context.columnLabel()), value, _names.Span(valueContext));
    }

    /// <summary>A lone <c>SELECT [schema.]create_stream_table(…)</c> or <c>SELECT [schema.]create_immv(…)</c>.</summary>
    private static (FunctionCall? Call, DefinitionForm? Form) AsCallForm(Query query)
    {
        if (query is not { With: null, OrderBy.Count: 0, Limit: null, Offset: null, Body: SelectCore core })
            return (null, null);
        if (core is not { From.Count: 0, Where: null, GroupBy: null, Having: null, Items: [ExpressionItem { Expression: FunctionCall call }] })
            return (null, null);
        var parts = call.Name.Parts.Select(p => p.Value).ToArray();
        DefinitionForm? form = parts switch
        {
            ["create_stream_table"] or ["pgtrickle", "create_stream_table"] => DefinitionForm.PgTrickleCall,
            ["create_immv"] or ["pgivm", "create_immv"] => DefinitionForm.CreateImmvCall,
            _ => null,
        };
        return form is null ? (null, null) : (call, form);
    }

    private StreamTableDefinition? BuildCallForm(SourceSpan span, FunctionCall call, DefinitionForm form)
    {
        // pgtrickle.create_stream_table(name, query, schedule, refresh_mode, …) and create_immv(name, query).
        string[] positionalNames = form == DefinitionForm.PgTrickleCall
            ? ["name", "query", "schedule", "refresh_mode", "initialize"]
            : ["name", "query"];
        StringLiteral? nameLiteral = null;
        StringLiteral? queryLiteral = null;
        var options = new List<DefinitionOption>();
        var position = 0;
        foreach (var argument in call.Arguments)
        {
            var parameter = argument.Name?.Value ?? (position < positionalNames.Length ? positionalNames[position] : null);
            // pg_ivm 1.15 names create_immv's parameters, and its get_create_immv_commands() writes them by name.
            if (form == DefinitionForm.CreateImmvCall)
                parameter = parameter switch { "immv" => "name", "view_definition" => "query", _ => parameter };
            position++;
            if (parameter is null)
                return Unrecognized(argument.Span, $"{call.Name} takes at most {positionalNames.Length} arguments");
            var value = ConstantText(argument.Value);
            if (value is null)
                return Unrecognized(argument.Value.Span, $"the {parameter} argument of {call.Name} must be a constant");
            switch (parameter)
            {
                case "name" when argument.Value is StringLiteral literal:
                    nameLiteral = literal;
                    break;
                case "query" when argument.Value is StringLiteral literal:
                    queryLiteral = literal;
                    break;
                case "name" or "query":
                    return Unrecognized(argument.Value.Span, $"the {parameter} argument of {call.Name} must be a string literal");
                default:
                    var optionName = argument.Name ?? new Identifier(argument.Span, parameter, Quoted: false);
                    options.Add(new DefinitionOption(argument.Span, optionName, value, argument.Value.Span));
                    break;
            }
        }
        if (nameLiteral is null || queryLiteral is null)
            return Unrecognized(call.Span, $"{call.Name} needs a name and a query");

        var name = NameFromString(nameLiteral);
        IReadOnlyList<Identifier> columns = [];
        if (form == DefinitionForm.CreateImmvCall)
        {
            var (nameText, nameMap, _) = ExtractStringContent(nameLiteral);
            if (ImmvNameParser.Parse(nameText, nameMap, _source.Path, _diagnostics) is not { } immv)
                return null;
            (name, columns) = (immv.Name, immv.Columns);
        }
        var (queryText, queryMap, queryOffsets) = ExtractStringContent(queryLiteral);
        var query = SqlParser.ParseEmbeddedQuery(queryText, queryMap, _source.Path, _diagnostics, _names.Operators);
        if (query is null)
            return null;
        return new StreamTableDefinition(span, form, name, options, query, columns.Count == 0 ? queryText : RenamedQueryText(queryText, columns))
        {
            ColumnNames = columns,
            Written = new WrittenQuery(queryText, queryOffsets[0], queryOffsets),
        };
    }

    /// <summary>
    /// The query as the stream table's catalog row, source guard and verbatim recomputation run it: its output columns
    /// renamed by the column list, as CREATE TABLE AS renames them (the first ones; the rest keep their names).
    /// </summary>
    internal static string RenamedQueryText(string queryText, IReadOnlyList<Identifier> columns) =>
        $"SELECT * FROM (\n{queryText.Trim().TrimEnd(';').TrimEnd()}\n) AS \"immv\"({string.Join(", ", columns.Select(c => SqlQuoting.Identifier(c.Value)))})";

    private static string? ConstantText(Expression expression) => expression switch
    {
        StringLiteral text => text.Value,
        NumericLiteral number => number.Text,
        BooleanLiteral boolean => boolean.Value ? "true" : "false",
        _ => null,
    };

    /// <summary>
    /// The literal's content and a map from its characters to file offsets. The map is exact for every quoting
    /// style, including doubled quotes and E'…' escapes: each content character maps to the escape it came from.
    /// </summary>
    private (string Text, SourceMap Map, int[] FileOffsets) ExtractStringContent(StringLiteral literal)
    {
        var tokenText = _source.Text.Substring(literal.Span.Start, literal.Span.Length);
        var decoded = StringLiteralDecoder.Decode(tokenText);
        var fileOffsets = decoded.TokenOffsets.Select(offset => literal.Span.Start + offset).ToArray();
        return (decoded.Value, _sourceMap.ForExtractedText(fileOffsets), fileOffsets);
    }

    /// <summary>'analytics."Order Totals"' → analytics, Order Totals; unquoted parts fold like identifiers.</summary>
    private static QualifiedName NameFromString(StringLiteral literal)
    {
        var parts = new List<Identifier>();
        var text = literal.Value;
        var i = 0;
        while (i <= text.Length)
        {
            string part;
            bool quoted;
            if (i < text.Length && text[i] == '"')
            {
                var builder = new System.Text.StringBuilder();
                i++;
                while (i < text.Length && !(text[i] == '"' && (i + 1 >= text.Length || text[i + 1] != '"')))
                {
                    builder.Append(text[i]);
                    i += text[i] == '"' ? 2 : 1;
                }
                i++;
                part = builder.ToString();
                quoted = true;
            }
            else
            {
                var end = text.IndexOf('.', i);
                if (end < 0)
                    end = text.Length;
                part = NameBuilder.FoldCase(text[i..end].Trim());
                i = end;
                quoted = false;
            }
            parts.Add(new Identifier(literal.Span, part, quoted));
            if (i >= text.Length || text[i] != '.')
                break;
            i++;
        }
        return new QualifiedName(literal.Span, parts);
    }

    private WrittenQuery Written(P.QueryContext context) => new(SourceSlice(context), _names.Span(context).Start);

    private string SourceSlice(P.QueryContext context)
    {
        var span = _names.Span(context);
        return _source.Text.Substring(span.Start, span.Length);
    }

    private StreamTableDefinition? Unrecognized(SourceSpan span, string message)
    {
        _diagnostics.Error(DiagnosticCode.UnrecognizedInput, _source.Path, span, message);
        return null;
    }
}
