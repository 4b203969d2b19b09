using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary>Window function calls: <c>f(…) OVER (PARTITION BY … ORDER BY … frame)</c> and named windows (<c>WINDOW w AS (…)</c>).</summary>
internal sealed partial class QueryBinder
{
    /// <summary>Ranking and value window functions: how many arguments each takes.</summary>
    private static readonly Dictionary<string, (int Min, int Max)> WindowFunctions = new()
    {
        ["row_number"] = (0, 0), ["rank"] = (0, 0), ["dense_rank"] = (0, 0), ["percent_rank"] = (0, 0), ["cume_dist"] = (0, 0),
        ["ntile"] = (1, 1), ["lag"] = (1, 3), ["lead"] = (1, 3), ["first_value"] = (1, 1), ["last_value"] = (1, 1), ["nth_value"] = (2, 2),
    };

    /// <summary>
    /// Functions whose value for a row depends on where it falls among its peers (rows equal in PARTITION BY and ORDER
    /// BY): the position, the neighbours, the order an aggregate reads its rows in.
    /// </summary>
    private static readonly HashSet<string> OrderSensitive =
    [
        "row_number", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
        "string_agg", "array_agg", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg",
    ];

    private static bool IsWindowCall(Expression expression) => expression is FunctionCall { Over: not null } or FunctionCall { OverWindowName: not null };

    private static bool ContainsWindowCall(Expression expression) => Descendants(expression).Any(IsWindowCall);

    /// <summary>
    /// Binds one window call of the select list and returns the reference that stands for its value; the call itself
    /// joins <paramref name="calls"/>, which become the query's window operator.
    /// </summary>
    /// <param name="groupKeys">in an aggregate query, its GROUP BY keys: the window runs over groups, and its arguments
    /// and ordering may read aggregates</param>
    private BoundExpression BindWindowCall(FunctionCall call, List<WindowCall> calls, ExpressionBinder binder, SelectCore select,
        IReadOnlyList<BoundExpression>? groupKeys = null)
    {
        var name = call.Name.Last.Value;
        var isAggregate = name is "count" or "sum" or "avg" or "min" or "max" || RecomputedAggregates.ContainsKey(name);
        BoundExpression Invalid(string message)
        {
            diagnostics.Error(DiagnosticCode.InvalidWindow, filePath, call.Span, message);
            return new BoundLiteral(call.Span, SqlType.Unknown, "NULL");
        }
        if (!isAggregate && !WindowFunctions.ContainsKey(name))
            return binder.Unsupported(call, BuiltinFunctions.Find(name) is null && !BuiltinFunctions.KnownAggregates.Contains(name)
                ? $"function {name}() is not a window function Trickle knows"
                : $"{name}() OVER (…) is not supported yet");
        if (call.Distinct) return Invalid("DISTINCT is not implemented for window functions");
        if (call.OrderBy.Count > 0) return Invalid("aggregate ORDER BY is not implemented for window functions");
        if (call.WithinGroup.Count > 0) return Invalid($"{name}(…) WITHIN GROUP cannot be a window function");
        if (call.Filter is not null && !isAggregate) return Invalid("FILTER is not implemented for non-aggregate window functions");
        if (call.Arguments.Any(a => a.Name is not null || a.Variadic)) return binder.Unsupported(call, "named and VARIADIC arguments are not supported yet");
        foreach (var nested in call.Arguments.SelectMany(a => Descendants(a.Value)).Where(e => IsWindowCall(e) || groupKeys is null && e is FunctionCall f && IsAggregateCall(f)))
            return Invalid(IsWindowCall(nested) ? "window function calls cannot be nested" : "aggregate function calls cannot be nested inside a window function");
        if (call.Star && name != "count") return Invalid($"{name}(*) is not valid; only count(*) takes *");
        var (min, max) = isAggregate ? (call.Star ? 0 : 1, name is "string_agg" or "json_object_agg" or "jsonb_object_agg" ? 2 : call.Star ? 0 : 1)
            : WindowFunctions[name];
        if (call.Arguments.Count < min || call.Arguments.Count > max)
        {
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, call.Span, min == max
                ? $"{name}() takes {(min == 0 ? "no arguments" : min == 1 ? "exactly one argument" : $"{min} arguments")}"
                : $"{name}() takes {min} to {max} arguments");
            return new BoundLiteral(call.Span, SqlType.Unknown, "NULL");
        }

        var specification = ResolveWindow(call, select);
        if (specification is null) return new BoundLiteral(call.Span, SqlType.Unknown, "NULL");
        var (partitionBy, orderBy, frame) = specification.Value;
        var arguments = call.Arguments.Select(a => binder.Bind(a.Value)).ToList();
        var filter = call.Filter is null ? null : binder.Bind(call.Filter);
        var partition = partitionBy.Select(p => binder.Bind(ResolveOutputReference(p, select))).ToList();
        var order = orderBy.Select(o => new AggregateOrder(binder.Bind(o.Expression), SortSuffix(o))).ToList();
        foreach (var key in partition.Concat(order.Select(o => o.Expression)).Where(k => k.Type.LacksEquality))
            diagnostics.Error(DiagnosticCode.UnsupportedType, filePath, key.Span,
                $"values of type {key.Type} have no equality operator, so partitions cannot be matched to their changes; cast to jsonb or text");
        var frameText = frame is null ? "" : FrameSql(frame, binder);

        var type = name switch
        {
            "row_number" or "rank" or "dense_rank" => SqlType.BigInt,
            "ntile" => SqlType.Integer,
            "percent_rank" or "cume_dist" => SqlType.DoublePrecision,
            "lag" or "lead" or "first_value" or "last_value" or "nth_value" => TypeRules.Plain(arguments[0].Type),
            "count" => SqlType.BigInt,
            "sum" or "avg" or "min" or "max" => AggregateResultType(Enum.Parse<AggregateFunction>(name, ignoreCase: true), arguments[0].Type),
            _ => RecomputedAggregates[name](arguments[0].Type),
        };

        // A function that reads the order of peers gives tied rows values that depend on the order PostgreSQL happens
        // to read them in; a recomputation of the partition could then disagree with the query. The tie must not show.
        var rowsFrame = frame is { Units: FrameUnits.Rows }
            && !(frame.Start.Kind == FrameBoundKind.UnboundedPreceding && frame.End?.Kind == FrameBoundKind.UnboundedFollowing);
        var floatAggregate = isAggregate && name is not ("count" or "min" or "max") && arguments.Any(a => a.Type.Category == TypeCategory.Float);
        if ((OrderSensitive.Contains(name) || rowsFrame || floatAggregate) && groupKeys is not null)
            RequireTotalOrderOfGroups(call, name, partition, order, groupKeys, select);
        else if (OrderSensitive.Contains(name) || rowsFrame || floatAggregate)
            RequireTotalOrder(call, name, partition, order, binder.Scope, select, binder);

        calls.Add(new WindowCall(call.Span, name, arguments, call.Star, filter, partition, order, frameText, type));
        return new BoundWindowRef(call.Span, type, calls.Count - 1);
    }

    /// <summary>
    /// The window a call uses: its own specification, a named window (<c>OVER w</c>, frame included), or a named window
    /// extended (<c>OVER (w ORDER BY …)</c>), with PostgreSQL's rules on what may be overridden.
    /// </summary>
    private (IReadOnlyList<Expression> PartitionBy, IReadOnlyList<SortItem> OrderBy, WindowFrame? Frame)? ResolveWindow(FunctionCall call, SelectCore select)
    {
        WindowSpecification? Named(Identifier name)
        {
            var definition = select.Windows.FirstOrDefault(w => w.Name.Value == name.Value);
            if (definition is null)
                diagnostics.Error(DiagnosticCode.InvalidWindow, filePath, name.Span, $"window \"{name.Value}\" does not exist");
            return definition?.Specification;
        }
        (IReadOnlyList<Expression>, IReadOnlyList<SortItem>, WindowFrame?)? Resolve(WindowSpecification specification, int depth)
        {
            if (specification.ExistingWindow is not { } existing)
                return (specification.PartitionBy, specification.OrderBy, specification.Frame);
            if (depth > select.Windows.Count || Named(existing) is not { } baseSpecification || Resolve(baseSpecification, depth + 1) is not { } resolved)
                return null;
            var (partition, order, frame) = resolved;
            string? error = specification.PartitionBy.Count > 0 ? $"cannot override PARTITION BY clause of window \"{existing.Value}\""
                : specification.OrderBy.Count > 0 && order.Count > 0 ? $"cannot override ORDER BY clause of window \"{existing.Value}\""
                : frame is not null ? $"cannot copy window \"{existing.Value}\" because it has a frame clause"
                : null;
            if (error is not null)
            {
                diagnostics.Error(DiagnosticCode.InvalidWindow, filePath, existing.Span, error);
                return null;
            }
            return (partition, specification.OrderBy.Count > 0 ? specification.OrderBy : order, specification.Frame);
        }
        if (call.OverWindowName is { } windowName)
            return Named(windowName) is { } named ? Resolve(named, 0) : null;
        return Resolve(call.Over!, 0);
    }

    /// <summary>The frame clause as PostgreSQL reads it; its offsets must be constants.</summary>
    private string FrameSql(WindowFrame frame, ExpressionBinder binder)
    {
        string Bound(FrameBound bound)
        {
            var offset = "";
            if (bound.Offset is not null)
            {
                var value = binder.Bind(bound.Offset);
                if (ColumnsRead(value).Count > 0)
                    diagnostics.Error(DiagnosticCode.InvalidWindow, filePath, bound.Offset.Span, "a frame offset must be a constant: it cannot read columns");
                offset = SqlExpressionPrinter.Canonical(value) + " ";
            }
            return bound.Kind switch
            {
                FrameBoundKind.UnboundedPreceding => "UNBOUNDED PRECEDING",
                FrameBoundKind.Preceding => offset + "PRECEDING",
                FrameBoundKind.CurrentRow => "CURRENT ROW",
                FrameBoundKind.Following => offset + "FOLLOWING",
                _ => "UNBOUNDED FOLLOWING",
            };
        }
        var units = frame.Units.ToString().ToUpperInvariant();
        var extent = frame.End is null ? Bound(frame.Start) : $"BETWEEN {Bound(frame.Start)} AND {Bound(frame.End)}";
        var exclusion = frame.Exclusion switch
        {
            FrameExclusion.CurrentRow => " EXCLUDE CURRENT ROW",
            FrameExclusion.Group => " EXCLUDE GROUP",
            FrameExclusion.Ties => " EXCLUDE TIES",
            FrameExclusion.NoOthers => " EXCLUDE NO OTHERS",
            _ => "",
        };
        return $"{units} {extent}{exclusion}";
    }

    /// <summary>
    /// Peers (rows equal in PARTITION BY and ORDER BY) must be interchangeable: the order lists every primary-key column
    /// of every table (no two rows are peers), or every column the select list reads (peers are identical in all of it).
    /// </summary>
    private void RequireTotalOrder(FunctionCall call, string name, IReadOnlyList<BoundExpression> partition, IReadOnlyList<AggregateOrder> order,
        BindingScope scope, SelectCore select, ExpressionBinder binder)
    {
        var ordered = partition.Concat(order.Select(o => o.Expression)).OfType<BoundColumn>().Select(c => (c.Relation, c.ColumnName)).ToHashSet();
        var everyRowOrdered = scope.Relations.All(r => r.Table.HasPrimaryKey && r.Table.PrimaryKey.All(column => ordered.Contains((r.Name, column))));
        if (everyRowOrdered) return;
        var probe = new ExpressionBinder(scope, filePath, new DiagnosticBag(), mode)
        {
            Interceptor = node => node is FunctionCall f && IsWindowCall(f)
                ? new BoundFunctionCall(f.Span, SqlType.Unknown, "window", f.Arguments.Select(a => binder.Bind(a.Value)).ToList())
                : null,
        };
        var read = select.Items.OfType<ExpressionItem>().SelectMany(i => ColumnPairs(probe.Bind(i.Expression))).ToHashSet();
        if (read.Count > 0 && read.IsSubsetOf(ordered) && select.Items.All(i => i is ExpressionItem)) return;
        diagnostics.Error(DiagnosticCode.AmbiguousTies, filePath, call.Span,
            $"{name}() gives rows that tie in PARTITION BY and ORDER BY values that depend on the order PostgreSQL reads them in, so a recomputation could disagree: "
            + "add to ORDER BY every primary-key column of " + string.Join(", ", scope.Relations.Select(r => r.Name)) + ", or every column the query selects");
    }

    private static HashSet<(string Relation, string Column)> ColumnPairs(BoundExpression expression)
    {
        var pairs = new HashSet<(string, string)>();
        new LeafRewriter(e =>
        {
            if (e is BoundColumn column) pairs.Add((column.Relation, column.ColumnName));
            return e;
        }).Rewrite(expression);
        return pairs;
    }
}
