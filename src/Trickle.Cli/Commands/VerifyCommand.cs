using System.CommandLine;
using System.Data;
using System.Globalization;
using Npgsql;
using Npgsql.Schema;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Verification;

namespace Trickle.Cli.Commands;

/// <summary>
/// <c>trickle verify NAME [--against OTHER] --connection CONNSTR</c>: compares a stream table with its defining query
/// (from the runtime's catalog), or any relation with another, as multisets in one snapshot, and prints the rows that
/// differ. Exit code 0 only when equal, 1 when they differ, 2 when it could not compare (usage, connection, a missing
/// relation or runtime, a failing query).
/// </summary>
internal sealed class VerifyCommand
{
    private readonly Argument<string> _name = new("NAME") { Description = "The stream table (or, with --against, any table or view): name or schema.name." };
    private readonly Option<string?> _against = new("--against")
    {
        Description = "Compare with this relation instead of the defining query: by column name, ignoring pg_ivm's hidden __ivm_* columns.",
        HelpName = "OTHER",
    };
    private readonly Option<int> _limit = new("--limit")
    {
        Description = "Print at most this many differing rows (the count of all is printed too).",
        DefaultValueFactory = _ => 20,
        HelpName = "N",
    };
    private readonly Option<bool> _noRefresh = new("--no-refresh")
    {
        Description = "Compare the stored rows as they are. By default a stream table is first brought up to date inside the comparison's transaction, which is then rolled back.",
    };
    private readonly Option<string> _connection = DatabaseConnection.Option();

    public VerifyCommand()
    {
        Command = new Command("verify", "Compare a stream table with its defining query (or a relation with another) as multisets, NULL-safe, and print the rows that differ. Exit 0 when equal, 1 when different, 2 when it could not compare.")
        {
            _name, _against, _limit, _noRefresh, _connection,
        };
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    /// <summary>What could not be compared, as opposed to what compared unequal.</summary>
    private sealed class CannotCompare(string message) : Exception(message);

    private sealed record Column(string Name, uint TypeOid, string TypeName);

    private sealed record Side(string Display, string FromSql);

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var stdout = parseResult.InvocationConfiguration.Output;
        var stderr = parseResult.InvocationConfiguration.Error;
        var limit = parseResult.GetValue(_limit);
        if (limit < 0)
            return Usage(stderr, "--limit must be zero or more");
        try
        {
            await using var connection = await DatabaseConnection.OpenAsync(parseResult.GetRequiredValue(_connection), cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            var name = parseResult.GetRequiredValue(_name);
            var against = parseResult.GetValue(_against);
            var refresh = !parseResult.GetValue(_noRefresh);
            var equal = against is null
                ? await VerifyDefiningQueryAsync(connection, name, refresh, limit, stdout, cancellationToken)
                : await VerifyAgainstAsync(connection, name, against, refresh, limit, stdout, cancellationToken);
            // Nothing verify did stays: a refresh it ran is undone with the rest.
            await transaction.RollbackAsync(cancellationToken);
            return equal ? CliApp.ExitSuccess : CliApp.ExitFailure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("trickle: canceled");
            return CliApp.ExitCanceled;
        }
        catch (CannotCompare problem)
        {
            return Usage(stderr, problem.Message);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            DatabaseConnection.Fail(stderr, exception);
            return CliApp.ExitUsage;
        }
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"trickle: error: {DiagnosticPrinter.OneLine(message)}");
        return CliApp.ExitUsage;
    }

    /// <summary>The stream table against its defining query, column by column in order: names and types must agree too.</summary>
    private static async Task<bool> VerifyDefiningQueryAsync(NpgsqlConnection connection, string name, bool refresh, int limit, TextWriter stdout, CancellationToken token)
    {
        if (!await RuntimeInstalledAsync(connection, token))
            throw new CannotCompare("this database has no trickle runtime (schema trickle): nothing is installed to verify");
        string schema, table, query, searchPath;
        await using (var command = new NpgsqlCommand("""
            SELECT e.schema_name, e.table_name, e.defining_query,
                   COALESCE(to_jsonb(e) ->> 'defining_search_path', format('pg_catalog, %I, public, pg_temp', e.schema_name))
            FROM trickle.find_stream_table($1) AS e
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = name });
            try
            {
                await using var reader = await command.ExecuteReaderAsync(token);
                await reader.ReadAsync(token);
                (schema, table, query, searchPath) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                throw new CannotCompare(e.MessageText);
            }
        }
        var display = $"{schema}.{table}";
        if (refresh)
            await RefreshAsync(connection, display, token);

        var streamColumns = await RelationColumnsAsync(connection, await RegclassAsync(connection, SqlQuoting.Qualified(schema, table), token), hideIvm: false, token);
        // The query's names resolve as they did when it was compiled and installed.
        await ExecuteAsync(connection, "SELECT pg_catalog.set_config('search_path', $1, true)", token, searchPath);
        // Under that search_path a role that may create in one of its schemas could capture a name of the query and run
        // code with this connection's rights: refused as a recompute as written is (runtimes that have the check).
        if (await ScalarAsync<bool>(connection, "SELECT pg_catalog.to_regprocedure('trickle.refuse_writable_search_path(text,text[])') IS NOT NULL", token))
        {
            try
            {
                await ExecuteAsync(connection, "SELECT trickle.refuse_writable_search_path($1, pg_catalog.current_schemas(false)::text[])", token, display);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                throw new CannotCompare(e.MessageText + (e.Hint is null ? "" : $" ({e.Hint})"));
            }
        }
        var queryColumns = await QueryColumnsAsync(connection, query, token);

        var mismatches = new List<string>();
        for (var i = 0; i < Math.Max(streamColumns.Count, queryColumns.Count); i++)
        {
            var mine = i < streamColumns.Count ? streamColumns[i] : null;
            var theirs = i < queryColumns.Count ? queryColumns[i] : null;
            if (mine?.Name == theirs?.Name && mine?.TypeOid == theirs?.TypeOid) continue;
            mismatches.Add($"column {i + 1}: {Describe(mine)} in the stream table, {Describe(theirs)} in the query");
        }
        if (mismatches.Count > 0)
        {
            stdout.WriteLine($"{display} differs from its defining query in its columns:");
            foreach (var mismatch in mismatches)
                stdout.WriteLine("  " + mismatch);
            return false;
        }

        var columns = await ComparedColumnsAsync(connection, streamColumns.Select(c => (c, c)).ToList(), token);
        return await CompareAsync(connection,
            new Side(display, SqlQuoting.Qualified(schema, table)),
            new Side("its defining query", RelationComparison.QueryAsFromItem(query)),
            columns, limit, stdout, token);
    }

    /// <summary>Two relations by column name; pg_ivm's hidden columns (<c>__ivm_count__</c>, …) are not what readers see.</summary>
    private static async Task<bool> VerifyAgainstAsync(NpgsqlConnection connection, string name, string against, bool refresh, int limit, TextWriter stdout, CancellationToken token)
    {
        var left = await RegclassAsync(connection, name, token);
        var right = await RegclassAsync(connection, against, token);
        var leftName = await QualifiedNameAsync(connection, left, token);
        var rightName = await QualifiedNameAsync(connection, right, token);
        if (refresh && await RuntimeInstalledAsync(connection, token))
            foreach (var relation in new[] { left, right }.Distinct())
                if (await StreamTableNameAsync(connection, relation, token) is { } streamTable)
                    await RefreshAsync(connection, streamTable, token);

        var leftColumns = await RelationColumnsAsync(connection, left, hideIvm: true, token);
        var rightColumns = await RelationColumnsAsync(connection, right, hideIvm: true, token);
        var onlyLeft = leftColumns.Where(l => rightColumns.All(r => r.Name != l.Name)).Select(c => c.Name).ToList();
        var onlyRight = rightColumns.Where(r => leftColumns.All(l => l.Name != r.Name)).Select(c => c.Name).ToList();
        var leftDisplay = Display(leftName);
        var rightDisplay = Display(rightName);
        if (onlyLeft.Count > 0 || onlyRight.Count > 0)
        {
            stdout.WriteLine($"{leftDisplay} and {rightDisplay} have different columns:");
            if (onlyLeft.Count > 0) stdout.WriteLine($"  only in {leftDisplay}: {string.Join(", ", onlyLeft)}");
            if (onlyRight.Count > 0) stdout.WriteLine($"  only in {rightDisplay}: {string.Join(", ", onlyRight)}");
            return false;
        }
        var pairs = leftColumns.Select(l => (l, rightColumns.Single(r => r.Name == l.Name))).ToList();
        foreach (var (l, r) in pairs.Where(p => p.l.TypeOid != p.Item2.TypeOid))
            stdout.WriteLine($"note: column {l.Name} is {l.TypeName} in {leftDisplay} and {r.TypeName} in {rightDisplay}: compared as text");
        var columns = await ComparedColumnsAsync(connection, pairs, token);
        return await CompareAsync(connection,
            new Side(leftDisplay, SqlQuoting.Qualified(leftName.Schema, leftName.Name)),
            new Side(rightDisplay, SqlQuoting.Qualified(rightName.Schema, rightName.Name)),
            columns, limit, stdout, token);
    }

    /// <summary>
    /// Each column compared natively when both sides have its type and PostgreSQL can compare it; as text otherwise
    /// (json, point, xml have no equality; two different types compare by how they print).
    /// </summary>
    private static async Task<List<ComparedColumn>> ComparedColumnsAsync(NpgsqlConnection connection, IReadOnlyList<(Column Left, Column Right)> pairs, CancellationToken token)
    {
        var comparable = new Dictionary<uint, bool>();
        var columns = new List<ComparedColumn>();
        foreach (var (left, right) in pairs)
        {
            var asText = left.TypeOid != right.TypeOid;
            if (!asText)
            {
                if (!comparable.TryGetValue(left.TypeOid, out var canCompare))
                    comparable[left.TypeOid] = canCompare = await HasEqualityAsync(connection, left.TypeOid, token);
                asText = !canCompare;
            }
            columns.Add(new ComparedColumn(left.Name, RelationComparison.ColumnOfRow(left.Name, asText), RelationComparison.ColumnOfRow(right.Name, asText)));
        }
        return columns;
    }

    private static async Task<bool> HasEqualityAsync(NpgsqlConnection connection, uint typeOid, CancellationToken token)
    {
        string typeSql;
        await using (var command = new NpgsqlCommand("SELECT pg_catalog.format_type($1, NULL)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = typeOid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
            typeSql = (string)(await command.ExecuteScalarAsync(token))!;
        }
        await ExecuteAsync(connection, "SAVEPOINT trickle_verify_probe", token);
        try
        {
            await ExecuteAsync(connection, RelationComparison.EqualityProbeSql(typeSql), token);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedFunction)
        {
            return false;
        }
        finally
        {
            await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT trickle_verify_probe", token);
        }
    }

    private static async Task<bool> CompareAsync(NpgsqlConnection connection, Side left, Side right, IReadOnlyList<ComparedColumn> columns,
        int limit, TextWriter stdout, CancellationToken token)
    {
        var rows = new List<string[]>();
        long differingRows = 0, differingCopies = 0, leftCount = 0, rightCount = 0;
        await using (var command = new NpgsqlCommand(RelationComparison.Sql(left.FromSql, right.FromSql, columns, Math.Max(limit, 1)), connection) { CommandTimeout = 0 })
        await using (var reader = await command.ExecuteReaderAsync(token))
        {
            while (await reader.ReadAsync(token))
            {
                (leftCount, rightCount) = (reader.GetInt64(3), reader.GetInt64(4));
                if (reader.IsDBNull(0)) continue;
                (differingRows, differingCopies) = (reader.GetInt64(1), Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture));
                if (rows.Count >= limit) continue;
                var difference = reader.GetInt64(0);
                rows.Add(Enumerable.Range(5, columns.Count)
                    .Select(i => reader.IsDBNull(i) ? "NULL" : DiagnosticPrinter.OneLine(reader.GetString(i)))
                    .Prepend(difference > 0 ? "+" + difference : difference.ToString(CultureInfo.InvariantCulture))
                    .ToArray());
            }
        }
        if (differingRows == 0)
        {
            stdout.WriteLine($"{left.Display} equals {right.Display} ({leftCount} rows)");
            return true;
        }
        stdout.WriteLine($"{left.Display} differs from {right.Display}: {differingRows} distinct rows differ, {differingCopies} copies in all ({left.Display} has {leftCount} rows, {right.Display} {rightCount})");
        WriteTable(stdout, columns.Select(c => c.Name).Prepend("diff").ToArray(), rows);
        if (differingRows > rows.Count)
            stdout.WriteLine($"… and {differingRows - rows.Count} more differing rows (--limit {limit})");
        stdout.WriteLine($"diff +n: n more copies of the row in {left.Display}; -n: n more in {right.Display}");
        return false;
    }

    private static string Describe(Column? column) => column is null ? "nothing" : $"\"{column.Name}\" {column.TypeName}";

    private static string Display((string Schema, string Name) name) => $"{name.Schema}.{name.Name}";

    private static async Task<bool> RuntimeInstalledAsync(NpgsqlConnection connection, CancellationToken token) =>
        await ScalarAsync<bool>(connection, "SELECT pg_catalog.to_regclass('trickle.stream_table_catalog') IS NOT NULL", token);

    private static async Task RefreshAsync(NpgsqlConnection connection, string streamTable, CancellationToken token) =>
        await ExecuteAsync(connection, "SELECT trickle.refresh($1)", token, streamTable);

    private static async Task<uint> RegclassAsync(NpgsqlConnection connection, string name, CancellationToken token)
    {
        await using var command = new NpgsqlCommand("SELECT pg_catalog.to_regclass($1)::oid", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        try
        {
            return await command.ExecuteScalarAsync(token) is uint oid ? oid : throw new CannotCompare($"relation {name} does not exist");
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidName or PostgresErrorCodes.InvalidSchemaName or PostgresErrorCodes.SyntaxError)
        {
            throw new CannotCompare($"{name} is not a relation name: {e.MessageText}");
        }
    }

    private static async Task<(string Schema, string Name)> QualifiedNameAsync(NpgsqlConnection connection, uint relation, CancellationToken token)
    {
        await using var command = new NpgsqlCommand(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace WHERE c.oid = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = relation, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        await using var reader = await command.ExecuteReaderAsync(token);
        await reader.ReadAsync(token);
        return (reader.GetString(0), reader.GetString(1));
    }

    private static async Task<string?> StreamTableNameAsync(NpgsqlConnection connection, uint relation, CancellationToken token)
    {
        await using var command = new NpgsqlCommand("""
            SELECT format('%I.%I', c.schema_name, c.table_name) FROM trickle.stream_table_catalog AS c
            WHERE pg_catalog.to_regclass(format('%I.%I', c.schema_name, c.table_name)) = $1::regclass
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = relation, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        return await command.ExecuteScalarAsync(token) as string;
    }

    private static async Task<List<Column>> RelationColumnsAsync(NpgsqlConnection connection, uint relation, bool hideIvm, CancellationToken token)
    {
        await using var command = new NpgsqlCommand("""
            SELECT a.attname, a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod)
            FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
              AND NOT ($2 AND a.attname LIKE '\_\_ivm\_%')
            ORDER BY a.attnum
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = relation, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        command.Parameters.Add(new NpgsqlParameter { Value = hideIvm });
        await using var reader = await command.ExecuteReaderAsync(token);
        var columns = new List<Column>();
        while (await reader.ReadAsync(token))
            columns.Add(new Column(reader.GetString(0), reader.GetFieldValue<uint>(1), reader.GetString(2)));
        return columns;
    }

    /// <summary>The defining query's output columns, from PostgreSQL's description of the statement (it is not run).</summary>
    private static async Task<List<Column>> QueryColumnsAsync(NpgsqlConnection connection, string query, CancellationToken token)
    {
        IReadOnlyList<NpgsqlDbColumn> schema;
        await using (var command = new NpgsqlCommand(query.Trim().TrimEnd(';'), connection))
        await using (var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, token))
            schema = reader.GetColumnSchema();
        var columns = new List<Column>();
        foreach (var column in schema)
        {
            await using var command = new NpgsqlCommand("SELECT pg_catalog.format_type($1, NULL)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = column.TypeOID, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
            columns.Add(new Column(column.ColumnName, column.TypeOID, (string)(await command.ExecuteScalarAsync(token))!));
        }
        return columns;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken token, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var parameter in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await command.ExecuteNonQueryAsync(token);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken token)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)(await command.ExecuteScalarAsync(token))!;
    }

    /// <summary>Columns padded to their widest cell.</summary>
    private static void WriteTable(TextWriter output, string[] headers, List<string[]> rows)
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(headers));
        foreach (var row in rows)
            output.WriteLine(Line(row));
    }
}
