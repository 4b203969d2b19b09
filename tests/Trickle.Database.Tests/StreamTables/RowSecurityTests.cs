using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Trickle.Database.Tests.Lifecycle;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Row-level security, with real roles. A stream table is computed with its owner's rights, as a materialized view is:
/// a source whose policies would filter what the owner sees is refused (at install, and at refresh when it changed
/// since), a source the owner sees entirely is maintained with that visibility in every mode whoever writes, and a
/// stream table WITH (row_security = on) filters its own readers by policies on its storage.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RowSecurityTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = "CREATE TABLE o (id int PRIMARY KEY, grp int NOT NULL, writer text NOT NULL, v int NOT NULL);";

    // The maximum of a group is recomputed from the source when its row is deleted: the case that went wrong when
    // IMMEDIATE maintenance read the source with the writer's rights.
    private const string Query = "SELECT grp, max(v) AS top, count(*) AS n, sum(v) AS total FROM o GROUP BY grp";

    private sealed record Roles(string Installer, string Writer1, string Writer2, string AsInstaller, string AsWriter1, string AsWriter2);

    /// <summary>An installer owning o, with RLS enabled on it: each writer sees and writes only its own rows.</summary>
    private async Task<Roles> SetUpAsync(TestDatabase database, bool installerOwnsSource = true)
    {
        var roles = new Roles(database.Name + "_installer", database.Name + "_w1", database.Name + "_w2", "", "", "");
        roles = roles with
        {
            AsInstaller = As(database, roles.Installer),
            AsWriter1 = As(database, roles.Writer1),
            AsWriter2 = As(database, roles.Writer2),
        };
        var tableOwner = installerOwnsSource ? roles.Installer : database.Name + "_app";
        await database.ExecuteAsync($"""
            CREATE ROLE "{roles.Installer}" LOGIN NOSUPERUSER;
            CREATE ROLE "{roles.Writer1}" LOGIN NOSUPERUSER;
            CREATE ROLE "{roles.Writer2}" LOGIN NOSUPERUSER;
            {(installerOwnsSource ? "" : $"CREATE ROLE \"{tableOwner}\" NOLOGIN NOSUPERUSER;")}
            GRANT CREATE ON DATABASE "{database.Name}" TO "{roles.Installer}";
            GRANT CREATE ON SCHEMA public TO "{roles.Installer}";
            {Schema}
            ALTER TABLE o OWNER TO "{tableOwner}";
            INSERT INTO o VALUES (1, 1, '{roles.Writer1}', 50), (2, 1, '{roles.Writer1}', 120), (3, 1, '{roles.Writer2}', 100),
                                 (4, 2, '{roles.Writer2}', 7), (5, 2, '{roles.Writer1}', 9), (6, 3, '{roles.Writer2}', 30);
            ALTER TABLE o ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own_rows ON o USING (writer = current_user);
            GRANT SELECT, INSERT, UPDATE, DELETE ON o TO "{roles.Writer1}", "{roles.Writer2}";
            GRANT SELECT, TRIGGER ON o TO "{roles.Installer}";
            """);
        return roles;
    }

    private static string As(TestDatabase database, string role) =>
        new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role }.ConnectionString;

    private static void ClearPools(Roles roles, params string[] more)
    {
        foreach (var connectionString in new[] { roles.AsInstaller, roles.AsWriter1, roles.AsWriter2 }.Concat(more))
            NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
    }

    [Theory]
    [InlineData("installer is not the table's owner", false, false)]
    [InlineData("FORCE ROW LEVEL SECURITY on the installer's own table", true, true)]
    public async Task SourceWhoseRowSecurityFiltersTheInstaller_IsRefusedAtInstall(string why, bool installerOwnsSource, bool force)
    {
        await using var database = await cluster.CreateDatabaseAsync("rls_refused");
        var roles = await SetUpAsync(database, installerOwnsSource);
        try
        {
            if (force)
                await database.ExecuteAsync("ALTER TABLE o FORCE ROW LEVEL SECURITY");
            foreach (var mode in new[] { "differential", "immediate", "auto", "full" })
            {
                var installed = await cluster.RunPsqlScriptAsync(roles.AsInstaller, TrickleCompiler.CompileScript(Schema, Query, "tops", mode));
                Assert.False(installed.Succeeded, $"{why}, {mode}: installed");
                var error = installed.StandardError.Split('\n').First(line => line.Contains("ERROR:"));
                output.WriteLine($"{why}, {mode}: {error.Trim()}");
                Assert.Contains("is computed with its owner's rights", error);
                Assert.Contains("row-level security on public.o filters the rows role", error);
                Assert.Contains(force ? "FORCE ROW LEVEL SECURITY applies its policies to its owner too" : "is not its owner and has no BYPASSRLS", error);
                // Nothing is left behind: the install is one transaction.
                Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE 'tops%'"));
            }

            // The way out the message names: a role that sees every row (here BYPASSRLS) installs it.
            await database.ExecuteAsync($"ALTER ROLE \"{roles.Installer}\" BYPASSRLS");
            var bypassing = await cluster.RunPsqlScriptAsync(roles.AsInstaller, TrickleCompiler.CompileScript(Schema, Query, "tops", "differential"));
            Assert.True(bypassing.Succeeded, bypassing.Describe());
            await using var installer = await PostgresCluster.OpenConnectionAsync(roles.AsInstaller);
            var comparison = await ResultComparer.CompareAsync(installer, "tops", Query);
            Assert.True(comparison.IsMatch, comparison.Describe());
        }
        finally
        {
            ClearPools(roles);
        }
    }

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    [InlineData("auto")]
    [InlineData("full")]
    public async Task SourceWithRowSecurityTheOwnerSeesEntirely_IsMaintainedWithTheOwnersVisibility(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("rls_owner");
        var roles = await SetUpAsync(database);
        try
        {
            var installed = await cluster.RunPsqlScriptAsync(roles.AsInstaller, TrickleCompiler.CompileScript(Schema, Query, "tops", mode));
            Assert.True(installed.Succeeded, installed.Describe());
            await using var installer = await PostgresCluster.OpenConnectionAsync(roles.AsInstaller);
            await using var writer1 = await PostgresCluster.OpenConnectionAsync(roles.AsWriter1);
            await using var writer2 = await PostgresCluster.OpenConnectionAsync(roles.AsWriter2);
            (NpgsqlConnection Writer, string Sql)[] writes =
            [
                // writer 1 deletes group 1's maximum (120): the new maximum (100) is writer 2's row, which writer 1 cannot see.
                (writer1, "DELETE FROM o WHERE id = 2"),
                (writer2, "INSERT INTO o SELECT 100 + g, g % 3 + 1, current_user, g FROM generate_series(1, 20) AS g"),
                (writer1, "UPDATE o SET v = v + 1000"),
                (writer2, "DELETE FROM o WHERE grp = 2"),
                (writer1, "INSERT INTO o VALUES (200, 2, current_user, 5)"),
                (writer1, "DELETE FROM o"),
            ];
            foreach (var (writer, sql) in writes)
            {
                await Execute(writer, sql);
                if (mode != "immediate")
                    await Execute(installer, "SELECT trickle.refresh('tops')");
                var comparison = await ResultComparer.CompareAsync(installer, "tops", Query);
                Assert.True(comparison.IsMatch, $"{mode}, after {sql}\n{comparison.Describe()}");
                if (sql == writes[0].Sql)
                    Assert.Equal(100, await database.ScalarAsync<int>("SELECT top FROM tops WHERE grp = 1"));
            }
            output.WriteLine($"{mode}: {writes.Length} writes by two writers each seeing its own rows matched the owner's recomputation");

            // FORCE ROW LEVEL SECURITY after install: the owner no longer sees every row. Refreshes refuse (never a
            // mix of visibilities), health says why, and an IMMEDIATE writer's statement fails rather than apply a
            // delta computed from the rows its owner may see.
            await database.ExecuteAsync("ALTER TABLE o FORCE ROW LEVEL SECURITY");
            var health = await database.ScalarAsync<string>("SELECT string_agg(problem || ': ' || detail, '; ') FROM trickle.health() WHERE problem = 'row-level security'");
            Assert.Contains("FORCE ROW LEVEL SECURITY", health);
            if (mode == "immediate")
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => Execute(writer2, "DELETE FROM o WHERE grp = 1"));
                output.WriteLine($"{mode} after FORCE: writer refused: {refused.MessageText}");
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            }
            else
            {
                await Execute(writer2, "DELETE FROM o WHERE grp = 1");
                var refused = await Assert.ThrowsAsync<PostgresException>(() => Execute(installer, "SELECT trickle.refresh('tops')"));
                output.WriteLine($"{mode} after FORCE: refresh refused: {refused.MessageText}");
                Assert.Contains("FORCE ROW LEVEL SECURITY applies its policies to its owner too", refused.MessageText);
            }
            await database.ExecuteAsync("ALTER TABLE o NO FORCE ROW LEVEL SECURITY");
            if (mode != "immediate")
                await Execute(installer, "SELECT trickle.refresh('tops')");
            var after = await ResultComparer.CompareAsync(installer, "tops", Query);
            Assert.True(after.IsMatch, $"{mode}, after NO FORCE\n{after.Describe()}");
            Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.health() WHERE problem = 'row-level security'"));
        }
        finally
        {
            ClearPools(roles);
        }
    }

    private const string SalesSchema = "CREATE TABLE sales (id int PRIMARY KEY, region text NOT NULL, amount int NOT NULL);";
    private const string SalesQuery = "SELECT region, sum(amount) AS revenue, count(*) AS n FROM sales GROUP BY region";

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    [InlineData("auto")]
    [InlineData("full")]
    public async Task StreamTableWithRowSecurity_ShowsEachReaderWhatItsPoliciesAllow(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("rls_readers");
        var owner = database.Name + "_owner";
        string[] readers = [database.Name + "_east", database.Name + "_west"];
        var stranger = database.Name + "_stranger";
        var asOwner = As(database, owner);
        try
        {
            await database.ExecuteAsync($"""
                CREATE ROLE "{owner}" LOGIN NOSUPERUSER;
                CREATE ROLE "{readers[0]}" LOGIN NOSUPERUSER;
                CREATE ROLE "{readers[1]}" LOGIN NOSUPERUSER;
                CREATE ROLE "{stranger}" LOGIN NOSUPERUSER;
                GRANT CREATE ON DATABASE "{database.Name}" TO "{owner}";
                GRANT CREATE ON SCHEMA public TO "{owner}";
                """);
            await using var ownerConnection = await PostgresCluster.OpenConnectionAsync(asOwner);
            // Each reader's region is named after it; a third region nobody reads.
            await Execute(ownerConnection, SalesSchema + $"""
                INSERT INTO sales SELECT g, (ARRAY['{readers[0]}', '{readers[1]}', 'north'])[g % 3 + 1], g FROM generate_series(1, 30) AS g;
                """);
            var definition = $"CREATE STREAM TABLE region_revenue WITH (row_security = on) AS {SalesQuery}";
            var installed = await cluster.RunPsqlScriptAsync(asOwner, TrickleCompiler.CompileScript(SalesSchema, definition, "region_revenue", mode));
            Assert.True(installed.Succeeded, installed.Describe());

            // What the owner runs (docs/runtime.md, "Row-level security"): policies on the storage, over the storage
            // column the view shows as region; SELECT on the stream table; then the storage columns its view reads.
            var storage = await database.ScalarAsync<string>("SELECT storage_table::text FROM trickle.stream_table_catalog WHERE table_name = 'region_revenue'");
            var regionColumn = await database.ScalarAsync<string>("""
                SELECT a.attname FROM pg_attribute AS a
                WHERE a.attrelid = (SELECT storage_table FROM trickle.stream_table_catalog WHERE table_name = 'region_revenue')
                  AND col_description(a.attrelid, a.attnum) = 'group key: "sales"."region"'
                """);
            // PostgreSQL 18 prints a single relation's columns without its alias (k1 AS region), 15 with it (s.k1 AS region).
            Assert.Matches($@"(^|[\s(,])(s\.)?{regionColumn} AS region\b", await database.ScalarAsync<string>("SELECT pg_get_viewdef('region_revenue')"));
            await Execute(ownerConnection, $"""
                CREATE POLICY by_region ON {storage} FOR SELECT USING ({regionColumn} = current_user);
                GRANT SELECT ON region_revenue TO "{readers[0]}", "{readers[1]}";
                SELECT trickle.grant_storage_to_readers('region_revenue');
                """);
            // For the comparison only: the readers may read the source, whose rows their predicate then filters.
            await Execute(ownerConnection, $"GRANT SELECT ON sales TO \"{readers[0]}\", \"{readers[1]}\", \"{stranger}\"");

            string[] writes =
            [
                $"INSERT INTO sales VALUES (100, '{readers[0]}', 1000), (101, 'north', 5), (102, '{readers[1]}', 7)",
                $"UPDATE sales SET region = '{readers[1]}' WHERE id % 5 = 0",
                $"DELETE FROM sales WHERE region = '{readers[0]}' AND id < 20",
                "UPDATE sales SET amount = amount * 2",
            ];
            var filtered = $"SELECT * FROM ({SalesQuery}) AS q WHERE region = current_user";
            foreach (var write in writes)
            {
                await Execute(ownerConnection, write);
                if (mode != "immediate")
                    await Execute(ownerConnection, "SELECT trickle.refresh('region_revenue')");
                var all = await ResultComparer.CompareAsync(ownerConnection, "region_revenue", SalesQuery);
                Assert.True(all.IsMatch, $"{mode}, owner, after {write}\n{all.Describe()}");
                foreach (var reader in readers)
                {
                    await using var connection = await PostgresCluster.OpenConnectionAsync(As(database, reader));
                    var comparison = await ResultComparer.CompareAsync(connection, "region_revenue", filtered);
                    Assert.True(comparison.IsMatch, $"{mode}, as {reader}, after {write}\n{comparison.Describe()}");
                    Assert.Equal(1L, await Scalar<long>(connection, "SELECT count(*) FROM region_revenue"));
                }
            }
            output.WriteLine($"{mode}: {writes.Length} writes, each reader matched the defining query filtered by its policy");

            // The storage's internals beyond what the view reads stay closed, and a role without SELECT gets nothing.
            // Readers need nothing on schema trickle; given USAGE on it, one reads the storage as its policy allows.
            await Execute(ownerConnection, $"GRANT USAGE ON SCHEMA trickle TO \"{readers[0]}\"");
            await using (var reader = await PostgresCluster.OpenConnectionAsync(As(database, readers[0])))
            {
                Assert.Equal(1L, await Scalar<long>(reader, $"SELECT count({regionColumn}) FROM {storage}"));
                var hidden = await Assert.ThrowsAsync<PostgresException>(() => Scalar<long>(reader, $"SELECT count(\"__key_hash\") FROM {storage}"));
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, hidden.SqlState);
                Assert.Contains("permission denied for table", hidden.MessageText);
            }
            await using (var connection = await PostgresCluster.OpenConnectionAsync(As(database, stranger)))
            {
                var denied = await Assert.ThrowsAsync<PostgresException>(() => Scalar<long>(connection, "SELECT count(*) FROM region_revenue"));
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
            }
        }
        finally
        {
            foreach (var role in readers.Append(owner).Append(stranger))
                NpgsqlConnection.ClearPool(new NpgsqlConnection(As(database, role)));
        }
    }

    [Fact]
    public async Task StreamTableWithRowSecurity_KeepsPoliciesAndReadersAcrossAnUpgrade_OrRefusesIt()
    {
        await using var database = await cluster.CreateDatabaseAsync("rls_upgrade");
        var owner = database.Name + "_owner";
        var reader = database.Name + "_east";
        var asOwner = As(database, owner);
        var asReader = As(database, reader);
        try
        {
            await database.ExecuteAsync($"""
                CREATE ROLE "{owner}" LOGIN NOSUPERUSER;
                CREATE ROLE "{reader}" LOGIN NOSUPERUSER;
                GRANT CREATE ON DATABASE "{database.Name}" TO "{owner}";
                GRANT CREATE ON SCHEMA public TO "{owner}";
                """);
            await using var ownerConnection = await PostgresCluster.OpenConnectionAsync(asOwner);
            await Execute(ownerConnection, SalesSchema + $"""
                INSERT INTO sales SELECT g, (ARRAY['{reader}', 'west', 'north'])[g % 3 + 1], g FROM generate_series(1, 30) AS g;
                GRANT SELECT ON sales TO "{reader}";
                """);
            var installed = await cluster.RunPsqlScriptAsync(asOwner, TrickleCompiler.CompileScript(SalesSchema,
                $"CREATE STREAM TABLE region_revenue WITH (row_security = on) AS {SalesQuery}", "region_revenue", "differential"));
            Assert.True(installed.Succeeded, installed.Describe());
            await Execute(ownerConnection, $"""
                CREATE POLICY by_region ON trickle.region_revenue__storage FOR SELECT USING (k1 = current_user);
                GRANT SELECT ON region_revenue TO "{reader}";
                SELECT trickle.grant_storage_to_readers('region_revenue');
                """);

            // A new column: the key keeps its storage column and meaning, so the policy is carried to the new storage.
            var upgraded = $"SELECT region, sum(amount) AS revenue, count(*) AS n, max(amount) AS biggest FROM sales GROUP BY region";
            var upgrade = await cluster.RunPsqlScriptAsync(asOwner, StreamTableHarness.CompileUpgrade(SalesSchema,
                $"CREATE STREAM TABLE region_revenue WITH (row_security = on) AS {upgraded}", "region_revenue", "differential"));
            Assert.True(upgrade.Succeeded, upgrade.Describe());
            Assert.Equal("{security_invoker=true}", await database.ScalarAsync<string>("SELECT reloptions::text FROM pg_class WHERE oid = 'region_revenue'::regclass"));
            Assert.Equal(1L, await database.ScalarAsync<long>("""
                SELECT count(*) FROM pg_policy WHERE polrelid = (SELECT storage_table FROM trickle.stream_table_catalog WHERE table_name = 'region_revenue')
                """));
            await Execute(ownerConnection, $"INSERT INTO sales VALUES (100, '{reader}', 1000); SELECT trickle.refresh('region_revenue');");
            await using (var connection = await PostgresCluster.OpenConnectionAsync(asReader))
            {
                var comparison = await ResultComparer.CompareAsync(connection, "region_revenue", $"SELECT * FROM ({upgraded}) AS q WHERE region = current_user");
                Assert.True(comparison.IsMatch, "after the upgrade, as the reader\n" + comparison.Describe());
                Assert.Equal(1L, await Scalar<long>(connection, "SELECT count(*) FROM region_revenue"));
            }

            // The deploy script (--deploy) upgrades through the same phases, and run again does nothing.
            var deployed = "SELECT region, sum(amount) AS revenue, count(*) AS n, max(amount) AS biggest, min(amount) AS smallest FROM sales GROUP BY region";
            var deploy = StreamTableHarness.CompileDeploy(SalesSchema, $"CREATE STREAM TABLE region_revenue WITH (row_security = on) AS {deployed}", "region_revenue", "differential");
            for (var run = 1; run <= 2; run++)
            {
                var result = await cluster.RunPsqlScriptAsync(asOwner, deploy);
                Assert.True(result.Succeeded, $"deploy run {run}: {result.Describe()}");
                await using var connection = await PostgresCluster.OpenConnectionAsync(asReader);
                var comparison = await ResultComparer.CompareAsync(connection, "region_revenue", $"SELECT * FROM ({deployed}) AS q WHERE region = current_user");
                Assert.True(comparison.IsMatch, $"after deploy run {run}, as the reader\n" + comparison.Describe());
                Assert.Equal(1L, await Scalar<long>(connection, "SELECT count(*) FROM region_revenue"));
            }

            // A definition whose storage column k1 would hold something else: refused before anything is built.
            var regrouped = await cluster.RunPsqlScriptAsync(asOwner, StreamTableHarness.CompileUpgrade(SalesSchema,
                "CREATE STREAM TABLE region_revenue WITH (row_security = on) AS SELECT amount % 2 AS parity, region, count(*) AS n FROM sales GROUP BY 1, 2",
                "region_revenue", "differential"));
            Assert.False(regrouped.Succeeded);
            Assert.Contains("cannot carry policy by_region of stream table public.region_revenue to its new definition", regrouped.StandardError);
            output.WriteLine(regrouped.StandardError.Split('\n').First(l => l.Contains("ERROR:")).Trim());
            // Dropping row security while policies exist: refused too.
            var unprotected = await cluster.RunPsqlScriptAsync(asOwner, StreamTableHarness.CompileUpgrade(SalesSchema, SalesQuery, "region_revenue", "differential"));
            Assert.False(unprotected.Succeeded);
            Assert.Contains("to a definition without row_security = on", unprotected.StandardError);
            Assert.Equal("{security_invoker=true}", await database.ScalarAsync<string>("SELECT reloptions::text FROM pg_class WHERE oid = 'region_revenue'::regclass"));
        }
        finally
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asOwner));
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asReader));
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
