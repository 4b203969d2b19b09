using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary>
/// Checks that every operator a query writes exists. Any run of operator characters lexes as an operator, so without this
/// check <c>quantity == 2</c> compiled and only failed when the script ran (PostgreSQL: "operator does not exist").
/// </summary>
internal static class KnownOperators
{
    /// <summary>
    /// The operator names of a PostgreSQL 15 installation without extensions (<c>SELECT DISTINCT oprname FROM
    /// pg_operator</c>, infix and prefix). Later versions only add to it; a live catalog adds what extensions define.
    /// </summary>
    private static readonly HashSet<string> BuiltIn = new(StringComparer.Ordinal)
    {
        "!~", "!~*", "!~~", "!~~*", "#", "##", "#-", "#>", "#>>", "%", "&", "&&", "&<", "&<|", "&>", "*", "*<", "*<=",
        "*<>", "*=", "*>", "*>=", "+", "-", "->", "->>", "-|-", "/", "<", "<->", "<<", "<<=", "<<|", "<=", "<>", "<@",
        "<^", "=", ">", ">=", ">>", ">>=", ">^", "?", "?#", "?&", "?-", "?-|", "?|", "?||", "@>", "@?", "@@", "@@@",
        "^", "^@", "|", "|&>", "|>>", "||", "~", "~*", "~<=~", "~<~", "~=", "~>=~", "~>~", "~~", "~~*",
        "!!", "@", "@-@", "|/", "||/", "!=",
    };

    public static void Check(IReadOnlyList<OperatorUse> operators, SourceCatalog catalog, string filePath, DiagnosticBag diagnostics)
    {
        foreach (var use in operators)
        {
            var builtIn = use.Schema is null or "pg_catalog" && BuiltIn.Contains(use.Name);
            if (builtIn || catalog.Operators.Contains(use.Name))
                continue;
            var written = use.Schema is null ? use.Name : $"OPERATOR({use.Schema}.{use.Name})";
            var where = catalog.Operators.Count == 0
                ? "PostgreSQL has no operator of that name (an operator an extension defines is known when compiling with --connection)"
                : "the database has no operator of that name";
            diagnostics.Error(DiagnosticCode.UnknownFunction, filePath, use.Span, $"operator does not exist: {written}: {where}");
        }
    }
}
