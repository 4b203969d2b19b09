using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Production databases separate roles: a migration role installs stream tables, an application role writes the
/// sources and has no rights on schema trickle. The application's writes must keep working in every mode (the
/// trigger functions run with the installer's rights), stay correct, and give the writer no way to read or forge
/// change rows, stored rows or refreshes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WriterRoleTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL);
        CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers ON DELETE CASCADE, amount int NOT NULL);
        """;

    private const string Seed = """
        INSERT INTO customers SELECT g, 'r' || (g % 3) FROM generate_series(1, 9) AS g;
        INSERT INTO orders SELECT g, g % 9 + 1, g * 10 FROM generate_series(1, 30) AS g;
        """;

    private const string Query =
        "SELECT c.region, count(*) AS orders, sum(o.amount) AS revenue FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.region";

    // The application's statements: single-table DML, a foreign-key cascade, MERGE, and one statement writing both sources.
    private static readonly string[] WriterStatements =
    [
        "INSERT INTO orders VALUES (100, 1, 5), (101, 2, 7)",
        "UPDATE orders SET amount = amount + 1 WHERE customer_id IN (1, 2)",
        "DELETE FROM customers WHERE id = 3",
        "MERGE INTO orders o USING (VALUES (100, 50), (102, 60)) AS v(id, amount) ON o.id = v.id WHEN MATCHED THEN UPDATE SET amount = v.amount WHEN NOT MATCHED THEN INSERT VALUES (v.id, 4, v.amount)",
        "WITH c AS (INSERT INTO customers VALUES (20, 'r9') RETURNING id) INSERT INTO orders SELECT 200, id, 1000 FROM c",
        "UPDATE customers SET region = 'r0' WHERE id = 20",
    ];

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    [InlineData(TrickleCompiler.ImmediateAtCommit)]
    [InlineData("auto")]
    [InlineData("full")]
    public async Task WriterWithOnlyDmlOnSources_KeepsWriting_AndCannotTouchTheRuntime(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("writer_role");
        var installerRole = database.Name + "_installer";
        var writerRole = database.Name + "_writer";
        await database.ExecuteAsync($"""
            CREATE ROLE "{installerRole}" LOGIN NOSUPERUSER;
            CREATE ROLE "{writerRole}" LOGIN NOSUPERUSER;
            GRANT CREATE ON DATABASE "{database.Name}" TO "{installerRole}";
            GRANT CREATE ON SCHEMA public TO "{installerRole}";
            """);
        var asInstaller = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = installerRole }.ConnectionString;
        var asWriter = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = writerRole }.ConnectionString;
        try
        {
            await using var installer = await PostgresCluster.OpenConnectionAsync(asInstaller);
            await Execute(installer, Schema + Seed);
            var installed = await cluster.RunPsqlScriptAsync(asInstaller, TrickleCompiler.CompileScript(Schema, Query, "revenue", mode));
            Assert.True(installed.Succeeded, installed.Describe());
            // The application's grant: DML on its tables, nothing on schema trickle.
            await Execute(installer, $"""
                GRANT SELECT, INSERT, UPDATE, DELETE ON customers, orders TO "{writerRole}";
                """);
            // With a change feed too: its staging triggers and the append at commit run as the installer.
            await Execute(installer, "SELECT trickle.alter_stream_table('revenue', outbox => 'on')");

            await using var writer = await PostgresCluster.OpenConnectionAsync(asWriter);
            foreach (var statement in WriterStatements)
            {
                await Execute(writer, statement);
                if (TrickleCompiler.ParseMode(mode) != RefreshMode.Immediate)
                    await Execute(installer, "SELECT trickle.refresh('revenue')");
                var comparison = await ResultComparer.CompareAsync(installer, "revenue", Query);
                Assert.True(comparison.IsMatch, $"{mode}, after: {statement}\n{comparison.Describe()}");
            }
            output.WriteLine($"{mode}: {WriterStatements.Length} writer statements, each matched the recomputation");

            // Everything the runtime keeps is out of the writer's reach: change buffers, storage, the refresh.
            var runtimeTables = await Strings(installer, """
                SELECT format('%I.%I', n.nspname, c.relname)
                FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                WHERE n.nspname = 'trickle' AND c.relkind IN ('r', 'p') ORDER BY 1
                """);
            Assert.NotEmpty(runtimeTables);
            foreach (var table in runtimeTables)
            {
                await AssertDenied(writer, $"SELECT * FROM {table}");
                await AssertDenied(writer, $"DELETE FROM {table}");
            }
            await AssertDenied(writer, "SELECT trickle.refresh('revenue')");
            // Applied at COMMIT: the writer cannot queue, forge or apply pending changes of any transaction, its own
            // included; only the capture functions (SECURITY DEFINER) write the queue and the buffers.
            await AssertDenied(writer, "INSERT INTO trickle.commit_queue VALUES (pg_current_xact_id(), 'public.revenue', 'trickle.refresh(text)')");
            await AssertDenied(writer, "INSERT INTO trickle.revenue__changes_1 (__weight) VALUES (1)");
            if (mode == TrickleCompiler.ImmediateAtCommit)
                await AssertDenied(writer, "SELECT trickle.revenue__apply_at_commit(false)");
            await AssertDenied(writer, "SELECT * FROM trickle.read_changes('revenue')");
            // The initial rows and at least one change per writer statement that changed the stream table.
            Assert.True(long.Parse((await Strings(installer, "SELECT count(*)::text FROM trickle.read_changes('revenue', 0, 100000)"))[0]) > 3);
        }
        finally
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asInstaller));
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asWriter));
        }
    }

    private static async Task AssertDenied(NpgsqlConnection connection, string sql)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => Execute(connection, sql));
        Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {error.SqlState} {error.MessageText}");
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> Strings(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
            values.Add(reader.GetString(0));
        return values;
    }
}
