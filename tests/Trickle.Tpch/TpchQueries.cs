using System.Reflection;

namespace Trickle.Tpch;

/// <summary>One of the 22 TPC-H queries: its standard text with the validation parameters substituted.</summary>
/// <param name="Number">1 to 22.</param>
/// <param name="Sql">
/// The query as the specification writes it, changed only where PostgreSQL's syntax differs: <c>interval '90 day'</c>
/// for <c>interval '90' day (3)</c>, Q15's view <c>revenue0</c> as a CTE, <c>limit n</c> for the row-count clauses.
/// Starts with a comment line naming the query and its parameters; no trailing semicolon.
/// </param>
public sealed record TpchQuery(int Number, string Sql)
{
    /// <summary>"Q1" … "Q22", as the specification and the expectation tables name them.</summary>
    public string Name => $"Q{Number}";

    /// <summary>A stream table name for the query: <c>tpch_q01</c> … <c>tpch_q22</c>.</summary>
    public string StreamTableName => $"tpch_q{Number:00}";

    public override string ToString() => Name;
}

/// <summary>The 22 queries, read from the <c>Queries/qNN.sql</c> files embedded in this assembly.</summary>
public static class TpchQueries
{
    public const int Count = 22;

    public static IReadOnlyList<TpchQuery> All { get; } = Enumerable.Range(1, Count).Select(Load).ToList();

    public static TpchQuery Get(int number) => All[number - 1];

    private static TpchQuery Load(int number) => new(number, TpchResources.Read($"q{number:00}.sql").TrimEnd());
}

internal static class TpchResources
{
    public static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Trickle.Tpch has no embedded resource {name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
