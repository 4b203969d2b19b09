using System.Data;
using System.Text;
using Npgsql;

namespace Trickle.Database.Tests.Infrastructure;

/// <summary>Compares a stream table with a recomputation of its defining query as multisets.</summary>
public static class ResultComparer
{
    public const int MaxRowsShownPerSide = 50;

    /// <summary>
    /// Checks column names (and types) first, then both EXCEPT ALL directions in a single statement so that both
    /// sides are read under one snapshot. Rows are compared as their text, so values must be equal byte for byte:
    /// 1.50 and 1.5 are equal numerics but different results (a numeric's display scale is part of its value).
    /// </summary>
    /// <param name="streamTable">Already quoted SQL name, e.g. <c>public."order totals"</c>.</param>
    public static async Task<ComparisonResult> CompareAsync(
        NpgsqlConnection connection,
        string streamTable,
        string definingQuery,
        CancellationToken cancellationToken = default)
    {
        var query = SqlText.AsSubquery(definingQuery);
        var streamColumns = await DescribeAsync(connection, $"SELECT * FROM {streamTable}", cancellationToken);
        var queryColumns = await DescribeAsync(connection, query, cancellationToken);
        if (!streamColumns.SequenceEqual(queryColumns))
            return new ComparisonResult(streamColumns, queryColumns, [], [], 0, 0);

        var sql = $"""
            SELECT side, row_text, total
            FROM (
                SELECT side, row_text,
                       count(*) OVER (PARTITION BY side) AS total,
                       row_number() OVER (PARTITION BY side ORDER BY row_text COLLATE "C") AS position
                FROM (
                    SELECT 1 AS side, row_text
                    FROM (SELECT ROW(st.*)::text AS row_text FROM {streamTable} AS st EXCEPT ALL SELECT ROW(q.*)::text FROM ({query}) AS q) AS d
                    UNION ALL
                    SELECT 2 AS side, row_text
                    FROM (SELECT ROW(q.*)::text AS row_text FROM ({query}) AS q EXCEPT ALL SELECT ROW(st.*)::text FROM {streamTable} AS st) AS d
                ) AS differences
            ) AS numbered
            WHERE position <= {MaxRowsShownPerSide}
            ORDER BY side, position
            """;
        var onlyInStreamTable = new List<string>();
        var onlyInQuery = new List<string>();
        long streamTotal = 0, queryTotal = 0;
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var rowText = reader.IsDBNull(1) ? "NULL" : reader.GetString(1);
            if (reader.GetInt32(0) == 1)
            {
                onlyInStreamTable.Add(rowText);
                streamTotal = reader.GetInt64(2);
            }
            else
            {
                onlyInQuery.Add(rowText);
                queryTotal = reader.GetInt64(2);
            }
        }
        return new ComparisonResult(streamColumns, queryColumns, onlyInStreamTable, onlyInQuery, streamTotal, queryTotal);
    }

    private static async Task<IReadOnlyList<ResultColumn>> DescribeAsync(
        NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        // SchemaOnly asks the server to describe the statement without running it.
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken);
        var schema = await reader.GetColumnSchemaAsync(cancellationToken);
        return schema.Select(column => new ResultColumn(column.ColumnName, column.DataTypeName ?? "unknown")).ToList();
    }
}

public sealed record ResultColumn(string Name, string DataTypeName)
{
    public override string ToString() => $"{SqlText.Identifier(Name)} {DataTypeName}";
}

public sealed record ComparisonResult(
    IReadOnlyList<ResultColumn> StreamTableColumns,
    IReadOnlyList<ResultColumn> QueryColumns,
    IReadOnlyList<string> OnlyInStreamTable,
    IReadOnlyList<string> OnlyInQuery,
    long OnlyInStreamTableCount,
    long OnlyInQueryCount)
{
    public bool ColumnsMatch => StreamTableColumns.SequenceEqual(QueryColumns);

    public bool IsMatch => ColumnsMatch && OnlyInStreamTableCount == 0 && OnlyInQueryCount == 0;

    public string Describe()
    {
        var builder = new StringBuilder();
        if (!ColumnsMatch)
        {
            builder.AppendLine("Column mismatch (name and type, in order):");
            builder.AppendLine($"  stream table:  {string.Join(", ", StreamTableColumns)}");
            builder.AppendLine($"  recomputation: {string.Join(", ", QueryColumns)}");
            return builder.ToString();
        }
        AppendRows(builder, "Rows only in the stream table", OnlyInStreamTable, OnlyInStreamTableCount);
        AppendRows(builder, "Rows only in the recomputation", OnlyInQuery, OnlyInQueryCount);
        return builder.ToString();
    }

    private static void AppendRows(StringBuilder builder, string title, IReadOnlyList<string> rows, long total)
    {
        builder.AppendLine(total > rows.Count ? $"{title} ({total}, first {rows.Count} shown):" : $"{title} ({total}):");
        foreach (var row in rows)
            builder.AppendLine("  " + row);
    }
}
