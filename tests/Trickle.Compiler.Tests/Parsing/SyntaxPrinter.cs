using System.Text;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Tests.Parsing;

/// <summary>
/// Prints a syntax tree as a compact S-expression so tests can state the expected structure in one line. Only
/// non-default parts are printed: <c>SELECT a FROM t</c> is <c>(select (items a) (from t))</c>.
/// </summary>
internal static class SyntaxPrinter
{
    public static string Print(SyntaxNode node) => node switch
    {
        Query query => Query(query),
        QueryBody body => Body(body),
        Expression expression => Expression(expression),
        TableReference table => Table(table),
        TypeName type => Type(type),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static string Query(Query query)
    {
        if (query is { With: null, OrderBy.Count: 0, Limit: null, Offset: null })
            return Body(query.Body);
        var parts = new List<string>();
        if (query.With is { } with)
            parts.Add(List(with.Recursive ? "with-recursive" : "with", with.Tables.Select(Cte)));
        parts.Add(Body(query.Body));
        if (query.OrderBy.Count > 0)
            parts.Add(List("order-by", query.OrderBy.Select(Sort)));
        if (query.Limit is { } limit)
            parts.Add($"({(query.LimitWithTies ? "limit-with-ties" : "limit")} {Expression(limit)})");
        if (query.Offset is { } offset)
            parts.Add($"(offset {Expression(offset)})");
        return List("query", parts);
    }

    private static string Cte(CommonTableExpression cte)
    {
        var parts = new List<string> { Name(cte.Name) };
        if (cte.ColumnNames.Count > 0)
            parts.Add(List("columns", cte.ColumnNames.Select(Name)));
        if (cte.Materialization != Materialization.Default)
            parts.Add(cte.Materialization == Materialization.Materialized ? "materialized" : "not-materialized");
        parts.Add(Query(cte.Query));
        return List("cte", parts);
    }

    private static string Body(QueryBody body) => body switch
    {
        SelectCore select => Select(select),
        SetOperation set => List(set.Operator.ToString().ToLowerInvariant() + (set.All ? "-all" : ""), [Body(set.Left), Body(set.Right)]),
        NestedQuery nested => $"(nested {Query(nested.Query)})",
        ValuesBody values => List("values", values.Rows.Select(row => List("row", row.Select(Expression)))),
        _ => throw new NotSupportedException(body.GetType().Name),
    };

    private static string Select(SelectCore select)
    {
        var parts = new List<string>();
        if (select.Distinct == DistinctKind.Distinct)
            parts.Add("distinct");
        if (select.Distinct == DistinctKind.DistinctOn)
            parts.Add(List("distinct-on", select.DistinctOn.Select(Expression)));
        parts.Add(List("items", select.Items.Select(Item)));
        if (select.From.Count > 0)
            parts.Add(List("from", select.From.Select(Table)));
        if (select.Where is { } where)
            parts.Add($"(where {Expression(where)})");
        if (select.GroupBy is { } groupBy)
            parts.Add(List(groupBy.Distinct ? "group-by-distinct" : "group-by", groupBy.Elements.Select(Grouping)));
        if (select.Having is { } having)
            parts.Add($"(having {Expression(having)})");
        if (select.Windows.Count > 0)
            parts.Add(List("windows", select.Windows.Select(w => $"(define {Name(w.Name)} {Window(w.Specification)})")));
        return List("select", parts);
    }

    private static string Item(SelectItem item) => item switch
    {
        StarItem { Qualifier: null } => "*",
        StarItem star => QualifiedName(star.Qualifier!) + ".*",
        ExpressionItem { Alias: null } expression => Expression(expression.Expression),
        ExpressionItem aliased => $"(as {Expression(aliased.Expression)} {Name(aliased.Alias!)})",
        _ => throw new NotSupportedException(item.GetType().Name),
    };

    private static string Grouping(GroupingElement element) => element switch
    {
        GroupingExpression expression => Expression(expression.Expression),
        EmptyGroupingSet => "()",
        GroupingSets sets => List("grouping-sets", sets.Sets.Select(Grouping)),
        Rollup rollup => List("rollup", rollup.Elements.Select(Expression)),
        Cube cube => List("cube", cube.Elements.Select(Expression)),
        _ => throw new NotSupportedException(element.GetType().Name),
    };

    // ---- FROM -------------------------------------------------------------------------------------------------

    private static string Table(TableReference table) => table switch
    {
        NamedTable { Alias: null, Only: false } named => QualifiedName(named.Name),
        NamedTable named => List("table", [QualifiedName(named.Name), named.Only ? "only" : null, Alias(named.Alias)]),
        DerivedTable derived => List("derived", [derived.Lateral ? "lateral" : null, Query(derived.Query), Alias(derived.Alias)]),
        FunctionTable function => List("function", [
            function.Lateral ? "lateral" : null, function.WithOrdinality ? "ordinality" : null,
            .. function.Calls.Select(Expression), Alias(function.Alias)]),
        JoinedTable join => List((join.Natural ? "natural-" : "") + join.Kind.ToString().ToLowerInvariant() + "-join", [
            Table(join.Left), Table(join.Right),
            join.On is null ? null : $"(on {Expression(join.On)})",
            join.Using.Count == 0 ? null : List("using", join.Using.Select(Name))]),
        ParenthesizedTable parenthesized => List("paren", [Table(parenthesized.Inner), Alias(parenthesized.Alias)]),
        _ => throw new NotSupportedException(table.GetType().Name),
    };

    private static string? Alias(TableAlias? alias) =>
        alias is null ? null : List("alias", [Name(alias.Name), .. alias.ColumnNames.Select(Name)]);

    // ---- Expressions ------------------------------------------------------------------------------------------

    private static string Expression(Expression expression) => expression switch
    {
        ColumnReference column => string.Join(".", column.Parts.Select(Name)) + (column.Star ? ".*" : ""),
        NumericLiteral number => number.Text,
        StringLiteral text => Quote(text.Value),
        BitStringLiteral bits => bits.Text,
        BooleanLiteral boolean => boolean.Value ? "true" : "false",
        NullLiteral => "null",
        TypedLiteral typed => List("typed", [Type(typed.Type), Quote(typed.Value), typed.IntervalFields]),
        ParameterReference parameter => "$" + parameter.Number,
        UnaryExpression unary => $"({unary.Operator} {Expression(unary.Operand)})",
        BinaryExpression binary => $"({binary.Operator} {Expression(binary.Left)} {Expression(binary.Right)})",
        IsNullExpression isNull => $"({(isNull.Negated ? "is-not-null" : "is-null")} {Expression(isNull.Operand)})",
        IsTruthExpression truth =>
            $"(is-{(truth.Negated ? "not-" : "")}{truth.Value.ToString().ToLowerInvariant()} {Expression(truth.Operand)})",
        IsDistinctFromExpression distinct =>
            $"(is-{(distinct.Negated ? "not-" : "")}distinct-from {Expression(distinct.Left)} {Expression(distinct.Right)})",
        BetweenExpression between =>
            $"({(between.Negated ? "not-" : "")}between{(between.Symmetric ? "-symmetric" : "")} {Expression(between.Operand)} {Expression(between.Low)} {Expression(between.High)})",
        InListExpression inList =>
            $"({(inList.Negated ? "not-in" : "in")} {Expression(inList.Operand)} {List("list", inList.Values.Select(Expression))})",
        InSubqueryExpression inQuery =>
            $"({(inQuery.Negated ? "not-in" : "in")} {Expression(inQuery.Operand)} {Query(inQuery.Query)})",
        PatternMatchExpression pattern => List(
            (pattern.Negated ? "not-" : "") + pattern.Kind switch { PatternKind.Like => "like", PatternKind.ILike => "ilike", _ => "similar-to" },
            [Expression(pattern.Operand), Expression(pattern.Pattern), pattern.Escape is null ? null : $"(escape {Expression(pattern.Escape)})"]),
        QuantifiedComparison quantified =>
            $"({quantified.Operator} {quantified.Quantifier.ToString().ToLowerInvariant()} {Expression(quantified.Operand)} {(quantified.Query is { } q ? Query(q) : Expression(quantified.Array!))})",
        ExistsExpression exists => $"(exists {Query(exists.Query)})",
        ScalarSubquery subquery => $"(subquery {Query(subquery.Query)})",
        ArraySubquery arraySubquery => $"(array-subquery {Query(arraySubquery.Query)})",
        CaseExpression caseExpression => List("case", [
            caseExpression.Operand is null ? null : Expression(caseExpression.Operand),
            .. caseExpression.Whens.Select(w => $"(when {Expression(w.Condition)} {Expression(w.Result)})"),
            caseExpression.Else is null ? null : $"(else {Expression(caseExpression.Else)})"]),
        CastExpression cast => $"({(cast.Syntax == CastSyntax.DoubleColon ? "::" : "cast")} {Expression(cast.Operand)} {Type(cast.Type)})",
        FunctionCall call => Call(call),
        ArrayConstructor array => List("array", array.Elements.Select(Expression)),
        Subscript { Slice: false } subscript => $"(subscript {Expression(subscript.Operand)} {Expression(subscript.Index!)})",
        Subscript slice => $"(slice {Expression(slice.Operand)} {Optional(slice.Index)} {Optional(slice.Upper)})",
        RowConstructor row => List(row.ExplicitRow ? "row" : "implicit-row", row.Fields.Select(Expression)),
        FieldSelection field => $"(field {Expression(field.Operand)} {(field.Field is null ? "*" : Name(field.Field))})",
        CollateExpression collate => $"(collate {Expression(collate.Operand)} {QualifiedName(collate.Collation)})",
        AtTimeZoneExpression atTimeZone => $"(at-time-zone {Expression(atTimeZone.Operand)} {Expression(atTimeZone.Zone)})",
        ParenthesizedExpression parenthesized => $"(paren {Expression(parenthesized.Inner)})",
        GroupingOperation grouping => List("grouping", grouping.Arguments.Select(Expression)),
        _ => throw new NotSupportedException(expression.GetType().Name),
    };

    private static string Optional(Expression? expression) => expression is null ? "_" : Expression(expression);

    private static string Call(FunctionCall call) => List("call", [
        QualifiedName(call.Name),
        call.NoParentheses ? "no-parens" : null,
        call.Distinct ? "distinct" : null,
        call.Star ? "*" : null,
        .. call.Arguments.Select(Argument),
        call.OrderBy.Count == 0 ? null : List("order-by", call.OrderBy.Select(Sort)),
        call.WithinGroup.Count == 0 ? null : List("within-group", call.WithinGroup.Select(Sort)),
        call.Filter is null ? null : $"(filter {Expression(call.Filter)})",
        call.Over is { } over ? $"(over {Window(over)})" : null,
        call.OverWindowName is { } windowName ? $"(over {Name(windowName)})" : null]);

    private static string Argument(FunctionArgument argument)
    {
        var value = Expression(argument.Value);
        if (argument.Variadic)
            value = $"(variadic {value})";
        return argument.Name is null ? value : $"(=> {Name(argument.Name)} {value})";
    }

    private static string Sort(SortItem item)
    {
        if (item is { Direction: SortDirection.Default, Nulls: NullsOrder.Default, UsingOperator: null })
            return Expression(item.Expression);
        return List("sort", [
            Expression(item.Expression),
            item.Direction == SortDirection.Default ? null : item.Direction == SortDirection.Ascending ? "asc" : "desc",
            item.Nulls == NullsOrder.Default ? null : item.Nulls == NullsOrder.First ? "nulls-first" : "nulls-last",
            item.UsingOperator is null ? null : "using " + item.UsingOperator]);
    }

    private static string Window(WindowSpecification window) => List("window", [
        window.ExistingWindow is null ? null : Name(window.ExistingWindow),
        window.PartitionBy.Count == 0 ? null : List("partition-by", window.PartitionBy.Select(Expression)),
        window.OrderBy.Count == 0 ? null : List("order-by", window.OrderBy.Select(Sort)),
        window.Frame is { } frame ? Frame(frame) : null]);

    private static string Frame(WindowFrame frame) => List(frame.Units.ToString().ToLowerInvariant(), [
        Bound(frame.Start),
        frame.End is null ? null : Bound(frame.End),
        frame.Exclusion == FrameExclusion.None ? null : "exclude-" + frame.Exclusion.ToString().ToLowerInvariant()]);

    private static string Bound(FrameBound bound) => bound.Kind switch
    {
        FrameBoundKind.UnboundedPreceding => "unbounded-preceding",
        FrameBoundKind.UnboundedFollowing => "unbounded-following",
        FrameBoundKind.CurrentRow => "current-row",
        FrameBoundKind.Preceding => $"(preceding {Expression(bound.Offset!)})",
        _ => $"(following {Expression(bound.Offset!)})",
    };

    public static string Type(TypeName type)
    {
        var text = new StringBuilder("{");
        if (type.Schema is { } schema)
            text.Append(QualifiedName(schema)).Append('.');
        text.Append(type.Name);
        if (type.Modifiers.Count > 0)
            text.Append('(').Append(string.Join(",", type.Modifiers)).Append(')');
        for (var i = 0; i < type.ArrayDimensions; i++)
            text.Append("[]");
        return text.Append('}').ToString();
    }

    // ---- Names ------------------------------------------------------------------------------------------------

    public static string Name(Identifier identifier) =>
        identifier.Quoted ? "\"" + identifier.Value.Replace("\"", "\"\"") + "\"" : identifier.Value;

    public static string QualifiedName(QualifiedName name) => string.Join(".", name.Parts.Select(Name));

    private static string Quote(string value) => "'" + value.Replace("'", "''") + "'";

    private static string List(string head, IEnumerable<string?> parts)
    {
        var present = parts.Where(p => p is not null).ToArray();
        return present.Length == 0 ? $"({head})" : $"({head} {string.Join(" ", present)})";
    }
}
