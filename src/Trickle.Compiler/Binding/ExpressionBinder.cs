using System.Runtime.CompilerServices;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary>
/// Resolves names and types in expressions over one table. An optional <see cref="Interceptor"/> sees every node first:
/// the query binder uses it after GROUP BY to turn aggregate calls and grouped expressions into references.
/// </summary>
internal sealed class ExpressionBinder(BindingScope scope, string filePath, DiagnosticBag diagnostics, RefreshMode mode)
{
    public Func<Expression, BoundExpression?>? Interceptor { get; init; }

    public BindingScope Scope => scope;

    public BoundExpression Bind(Expression expression)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (Interceptor?.Invoke(expression) is { } intercepted)
            return intercepted;
        return expression switch
        {
            ParenthesizedExpression p => Bind(p.Inner),
            ColumnReference c => BindColumn(c),
            NumericLiteral n => new BoundLiteral(n.Span, TypeRules.OfNumericLiteral(n.Text), n.Text.Replace("_", "")),
            StringLiteral s => new BoundLiteral(s.Span, SqlType.Unknown, SqlQuoting.Literal(s.Value)),
            BitStringLiteral b => new BoundLiteral(b.Span, new SqlType("bit varying"), b.Text),
            BooleanLiteral b => new BoundLiteral(b.Span, SqlType.Boolean, b.Value ? "TRUE" : "FALSE"),
            NullLiteral n => new BoundLiteral(n.Span, SqlType.Unknown, "NULL"),
            TypedLiteral t => BindTypedLiteral(t),
            UnaryExpression u => BindUnary(u),
            BinaryExpression b => BindBinary(b),
            IsNullExpression i => Form(i.Span, SqlType.Boolean, "is null", ["", i.Negated ? " IS NOT NULL" : " IS NULL"], Bind(i.Operand)),
            IsTruthExpression t => Form(t.Span, SqlType.Boolean, "is truth",
                ["", $" IS {(t.Negated ? "NOT " : "")}{t.Value.ToString().ToUpperInvariant()}"], Bind(t.Operand)),
            IsDistinctFromExpression d => Form(d.Span, SqlType.Boolean, "is distinct",
                ["", d.Negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ", ""], Bind(d.Left), Bind(d.Right)),
            BetweenExpression b => Form(b.Span, SqlType.Boolean, "between",
                ["", $"{(b.Negated ? " NOT" : "")} BETWEEN {(b.Symmetric ? "SYMMETRIC " : "")}", " AND ", ""], Bind(b.Operand), Bind(b.Low), Bind(b.High)),
            InListExpression i => BindInList(i),
            PatternMatchExpression p => BindPattern(p),
            CaseExpression c => BindCase(c),
            CastExpression c => BindCast(c),
            FunctionCall f => BindFunction(f),
            QuantifiedComparison { Array: not null } q => Form(q.Span, SqlType.Boolean, "quantified",
                ["", $" {q.Operator} {q.Quantifier.ToString().ToUpperInvariant()} (", ")"], Bind(q.Operand), Bind(q.Array)),
            ArrayConstructor a => BindArray(a),
            Subscript s => BindSubscript(s),
            RowConstructor r => Form(r.Span, new SqlType("record"), "row",
                ["ROW(", .. Enumerable.Repeat(", ", Math.Max(0, r.Fields.Count - 1)), ")"], [.. r.Fields.Select(Bind)]),
            CollateExpression c => BindCollate(c),
            AtTimeZoneExpression a => Form(a.Span, SqlType.Unknown, "at time zone", ["", " AT TIME ZONE ", ""], Bind(a.Operand), Bind(a.Zone)),
            ParameterReference p => Unsupported(p, $"parameter ${p.Number}: a stream table's query cannot take parameters"),
            ScalarSubquery scalar when scope.ScalarSubqueries.TryGetValue(scalar, out var value) => value,
            ExistsExpression or InSubqueryExpression or ScalarSubquery or ArraySubquery or QuantifiedComparison =>
                Unsupported(expression, "subqueries are not supported yet"),
            FieldSelection => Unsupported(expression, "field selection from a composite value is not supported yet"),
            GroupingOperation => Unsupported(expression, "GROUPING() is supported only in the select list and HAVING of a query with GROUPING SETS, ROLLUP or CUBE"),
            _ => Unsupported(expression, $"{expression.GetType().Name} is not supported yet"),
        };
    }

    public BoundExpression Unsupported(SyntaxNode node, string message)
    {
        diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, node.Span, message);
        return new BoundLiteral(node.Span, SqlType.Unknown, "NULL");
    }

    private static BoundSyntaxForm Form(SourceSpan span, SqlType type, string kind, IReadOnlyList<string> parts, params BoundExpression[] operands) =>
        new(span, type, kind, parts, operands);

    private BoundExpression BindColumn(ColumnReference reference)
    {
        if (reference.Star)
            return Unsupported(reference, $"{string.Join(".", reference.Parts.Select(p => p.Value))}.* is only supported directly in the select list");
        var name = reference.Parts[^1].Value;
        var qualifier = reference.Parts.Take(reference.Parts.Count - 1).Select(p => p.Value).ToList();
        if (qualifier.Count > 0)
        {
            var relation = scope.FindRelation(qualifier) ?? scope.Parent?.FindRelation(qualifier);
            if (relation is null)
            {
                diagnostics.Error(DiagnosticCode.UnknownTable, filePath, reference.Span,
                    $"missing FROM-clause entry for table \"{string.Join(".", qualifier)}\"");
                return new BoundLiteral(reference.Span, SqlType.Unknown, "NULL");
            }
            if (relation.DerivedColumns is { } derived)
            {
                var output = derived.FirstOrDefault(c => c.Name == name);
                if (output is not null) return output.Definition!;
                diagnostics.Error(DiagnosticCode.UnknownColumn, filePath, reference.Span, $"column {relation.Name}.{name} does not exist");
                return new BoundLiteral(reference.Span, SqlType.Unknown, "NULL");
            }
            var column = relation.Table.FindColumn(name);
            if (column is null)
            {
                diagnostics.Error(DiagnosticCode.UnknownColumn, filePath, reference.Span,
                    $"column {relation.Name}.{name} does not exist ({relation.Table.Schema}.{relation.Table.Name} has no column \"{name}\")");
                return new BoundLiteral(reference.Span, SqlType.Unknown, "NULL");
            }
            return new BoundColumn(reference.Span, column.Type, relation.Name, column.Name);
        }
        var candidates = scope.FindUnqualified(name);
        // A name the subquery does not have is looked up in the enclosing query: a correlated reference.
        if (candidates.Count == 0 && scope.Parent is not null)
            candidates = scope.Parent.FindUnqualified(name);
        if (candidates.Count == 1 && candidates[0].Definition is { } definition)
            return definition;
        if (candidates.Count == 1)
            return new BoundColumn(reference.Span, candidates[0].Column.Type, candidates[0].Relation.Name, candidates[0].Column.Name);
        if (candidates.Count > 1)
        {
            diagnostics.Error(DiagnosticCode.AmbiguousColumn, filePath, reference.Span,
                $"column reference \"{name}\" is ambiguous: it exists in {string.Join(" and ", candidates.Select(c => c.Relation.Name))}");
            return new BoundLiteral(reference.Span, SqlType.Unknown, "NULL");
        }
        diagnostics.Error(DiagnosticCode.UnknownColumn, filePath, reference.Span,
            scope.Relations.Count == 1
                ? $"column \"{name}\" does not exist in {scope.Relations[0].Table.Schema}.{scope.Relations[0].Table.Name}"
                : $"column \"{name}\" does not exist in any table of the FROM clause");
        return new BoundLiteral(reference.Span, SqlType.Unknown, "NULL");
    }

    private BoundExpression BindArray(ArrayConstructor array)
    {
        var elements = array.Elements.Select(Bind).ToArray();
        var type = elements.Length > 0 ? elements[0].Type with { ArrayDimensions = 1 } : SqlType.Unknown;
        return Form(array.Span, type, "array", ["ARRAY[", .. Enumerable.Repeat(", ", Math.Max(0, elements.Length - 1)), "]"], elements);
    }

    private BoundExpression BindCollate(CollateExpression collate)
    {
        var operand = Bind(collate.Operand);
        return Form(collate.Span, operand.Type, "collate",
            ["", " COLLATE " + string.Join(".", collate.Collation.Parts.Select(p => SqlQuoting.Identifier(p.Value)))], operand);
    }

    private BoundExpression BindTypedLiteral(TypedLiteral literal)
    {
        var type = scope.Types.Resolve(literal.Type);
        var text = literal.IntervalFields is null
            ? $"CAST({SqlQuoting.Literal(literal.Value)} AS {type.ToSql()})"
            : $"INTERVAL {SqlQuoting.Literal(literal.Value)} {literal.IntervalFields.ToUpperInvariant()}";
        return new BoundLiteral(literal.Span, type, text);
    }

    private BoundExpression BindUnary(UnaryExpression unary)
    {
        var operand = Bind(unary.Operand);
        var op = unary.Operator.ToUpperInvariant();
        var type = op == "NOT" ? SqlType.Boolean : op is "-" or "+" or "@" or "~" ? TypeRules.Plain(operand.Type) : SqlType.Unknown;
        return new BoundUnary(unary.Span, type, op, operand);
    }

    private BoundExpression BindBinary(BinaryExpression binary)
    {
        var left = Bind(binary.Left);
        var right = Bind(binary.Right);
        var type = binary.Operator switch
        {
            "AND" or "OR" or "=" or "<>" or "<" or ">" or "<=" or ">=" or "~" or "~*" or "!~" or "!~*" or "@>" or "<@" or "&&" or "?" or "?|" or "?&" => SqlType.Boolean,
            "+" or "-" or "*" or "/" or "%" => TypeRules.Arithmetic(left.Type, right.Type),
            "^" => left.Type.Name == "numeric" || right.Type.Name == "numeric" ? SqlType.NumericType : SqlType.DoublePrecision,
            "||" => left.Type.IsArray ? left.Type : right.Type.IsArray ? right.Type : SqlType.Text,
            "->>" or "#>>" => SqlType.Text,
            "->" or "#>" => left.Type.Name == "json" ? new SqlType("json") : new SqlType("jsonb"),
            _ => SqlType.Unknown,
        };
        return new BoundBinary(binary.Span, type, left, binary.Operator, right);
    }

    private BoundExpression BindInList(InListExpression inList)
    {
        var operands = new List<BoundExpression> { Bind(inList.Operand) };
        operands.AddRange(inList.Values.Select(Bind));
        var parts = new List<string> { "", inList.Negated ? " NOT IN (" : " IN (" };
        parts.AddRange(Enumerable.Repeat(", ", inList.Values.Count - 1));
        parts.Add(")");
        return new BoundSyntaxForm(inList.Span, SqlType.Boolean, "in list", parts, operands);
    }

    private BoundExpression BindPattern(PatternMatchExpression pattern)
    {
        var keyword = (pattern.Negated ? " NOT " : " ") + pattern.Kind switch
        {
            PatternKind.Like => "LIKE ",
            PatternKind.ILike => "ILIKE ",
            _ => "SIMILAR TO ",
        };
        return pattern.Escape is null
            ? Form(pattern.Span, SqlType.Boolean, "pattern", ["", keyword, ""], Bind(pattern.Operand), Bind(pattern.Pattern))
            : Form(pattern.Span, SqlType.Boolean, "pattern", ["", keyword, " ESCAPE ", ""], Bind(pattern.Operand), Bind(pattern.Pattern), Bind(pattern.Escape));
    }

    private BoundExpression BindCase(CaseExpression caseExpression)
    {
        var operands = new List<BoundExpression>();
        var parts = new List<string>();
        var text = "CASE";
        if (caseExpression.Operand is not null)
        {
            parts.Add(text + " ");
            operands.Add(Bind(caseExpression.Operand));
            text = "";
        }
        var results = new List<SqlType>();
        foreach (var when in caseExpression.Whens)
        {
            parts.Add(text + " WHEN ");
            operands.Add(Bind(when.Condition));
            parts.Add(" THEN ");
            var result = Bind(when.Result);
            results.Add(result.Type);
            operands.Add(result);
            text = "";
        }
        if (caseExpression.Else is not null)
        {
            parts.Add(" ELSE ");
            var result = Bind(caseExpression.Else);
            results.Add(result.Type);
            operands.Add(result);
        }
        parts.Add(" END");
        return new BoundSyntaxForm(caseExpression.Span, TypeRules.Common(results), "case", parts, operands);
    }

    private BoundExpression BindCast(CastExpression cast)
    {
        if (cast.Syntax == CastSyntax.TryCast)
            return Unsupported(cast, "TRY_CAST is not PostgreSQL syntax");
        return new BoundCast(cast.Span, scope.Types.Resolve(cast.Type), Bind(cast.Operand));
    }

    private BoundExpression BindSubscript(Subscript subscript)
    {
        var operand = Bind(subscript.Operand);
        var elementType = operand.Type.IsArray && !subscript.Slice ? operand.Type with { ArrayDimensions = operand.Type.ArrayDimensions - 1 } : operand.Type;
        if (!subscript.Slice)
            return Form(subscript.Span, elementType, "subscript", ["", "[", "]"], operand, Bind(subscript.Index!));
        var lower = subscript.Index is null ? new BoundLiteral(subscript.Span, SqlType.Integer, "") : Bind(subscript.Index);
        var upper = subscript.Upper is null ? new BoundLiteral(subscript.Span, SqlType.Integer, "") : Bind(subscript.Upper);
        return Form(subscript.Span, elementType, "slice", ["", "[", ":", "]"], operand, lower, upper);
    }

    private BoundExpression BindFunction(FunctionCall call)
    {
        var name = call.Name.Last.Value;
        var schema = call.Name.Parts.Count > 1 ? call.Name.Parts[^2].Value : null;
        if (schema is not null && schema != "pg_catalog")
        {
            diagnostics.Error(DiagnosticCode.UnknownFunction, filePath, call.Name.Span,
                $"function {call.Name} is not a built-in function; only built-in functions can be checked for volatility offline");
            return new BoundLiteral(call.Span, SqlType.Unknown, "NULL");
        }
        if (BuiltinFunctions.NonDeterministic.TryGetValue(name, out var reason))
        {
            if (mode != RefreshMode.Full)
            {
                diagnostics.Error(DiagnosticCode.VolatileFunction, filePath, call.Span,
                    $"{name}() {reason}: its result can change without any write to the source tables, so it cannot be maintained incrementally (use --mode full)");
                return new BoundLiteral(call.Span, SqlType.Unknown, "NULL");
            }
        }
        if (call.Over is not null || call.OverWindowName is not null)
        {
            diagnostics.Error(DiagnosticCode.InvalidWindow, filePath, call.Span,
                $"{name}() OVER (…) is not allowed here: window functions belong in the select list of a query that does not aggregate");
            return new BoundLiteral(call.Span, SqlType.Unknown, "NULL");
        }
        if (BuiltinFunctions.KnownAggregates.Contains(name))
            return call.Arguments.Count == 0 && !call.Star && name is "count" or "sum" or "avg" or "min" or "max"
                ? Unsupported(call, $"{name}() needs an argument")
                : Unsupported(call, $"aggregate {name}() is not allowed here");
        if (call.Star || call.Distinct || call.OrderBy.Count > 0 || call.WithinGroup.Count > 0 || call.Filter is not null)
            return Unsupported(call, $"{name}() is not an aggregate: DISTINCT, ORDER BY, FILTER and WITHIN GROUP do not apply");
        if (call.Arguments.Any(a => a.Name is not null || a.Variadic))
            return Unsupported(call, "named and VARIADIC arguments are not supported yet");

        var arguments = call.Arguments.Select(a => Bind(a.Value)).ToList();
        if (BuiltinFunctions.NonDeterministic.ContainsKey(name))
            return call.NoParentheses
                ? new BoundLiteral(call.Span, SqlType.Unknown, name.ToUpperInvariant())
                : new BoundFunctionCall(call.Span, SqlType.Unknown, name, arguments);
        var function = BuiltinFunctions.Find(name);
        if (function is null)
        {
            diagnostics.Error(DiagnosticCode.UnknownFunction, filePath, call.Name.Span,
                $"function {name}() is not known to Trickle; only built-in functions whose volatility is known can be used");
            return new BoundLiteral(call.Span, SqlType.Unknown, "NULL");
        }
        // EXTRACT(f FROM x) arrives as extract('f', x). EXTRACT is a keyword in PostgreSQL's grammar, so only its own
        // syntax reaches the function: print it back that way, the field as a string (which EXTRACT accepts for any field).
        if (name == "extract" && call.Arguments is [{ Value: StringLiteral field }, _])
            return Form(call.Span, function.ResultType(arguments.Select(a => a.Type).ToList()), "extract",
                ["EXTRACT(" + SqlQuoting.Literal(field.Value) + " FROM ", ")"], arguments[1]);
        return new BoundFunctionCall(call.Span, function.ResultType(arguments.Select(a => a.Type).ToList()), name, arguments);
    }
}
