using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// The roles of a production database against the runtime, with real login roles: a non-superuser installer must not
/// be able to make a superuser's run (or a superuser's DDL) execute its code; an operator granted trickle.refresh can
/// refresh, readers read exactly the stream table, and a hostile role, even with USAGE on schema trickle, can read,
/// change or call nothing; a role that may create in public cannot capture a name in a query recomputed as written.
/// Every attack is attempted for real (ALTER ROLE … SUPERUSER, copying the installer's data) and shown to fail.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RoleSecurityTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE customers (id int PRIMARY KEY, region varchar(20) NOT NULL);
        CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers ON DELETE CASCADE, amount int NOT NULL);
        """;

    private const string Seed = """
        INSERT INTO customers SELECT g, 'r' || (g % 3) FROM generate_series(1, 9) AS g;
        INSERT INTO orders SELECT g, g % 9 + 1, g * 10 FROM generate_series(1, 30) AS g;
        """;

    private const string Query =
        "SELECT c.region, count(*) AS orders, sum(o.amount) AS revenue FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.region";

    // Not maintainable incrementally (a LATERAL subquery correlated by an inequality): recomputed as written (TRK4101),
    // under search_path pg_catalog, public, pg_temp; upper(varchar) is where a public.upper(character varying) would win.
    private const string RecomputedQuery =
        "SELECT p.id, upper(c.region) AS region, x.amount FROM orders p JOIN customers c ON c.id = p.customer_id, LATERAL (SELECT o.amount FROM orders o WHERE o.customer_id = p.customer_id AND o.id < p.id ORDER BY o.amount DESC, o.id LIMIT 2) AS x";

    [Fact]
    public async Task InstallerPlantedTrigger_SuperusersRunIsRefused_AndTheInstallerStaysNonSuperuser()
    {
        await using var database = await cluster.CreateDatabaseAsync("sec_planted");
        var installerRole = database.Name + "_installer";
        var asInstaller = await CreateInstaller(database, installerRole);
        try
        {
            await using var installer = await PostgresCluster.OpenConnectionAsync(asInstaller);
            await Execute(installer, Schema + Seed);
            await Install(asInstaller, Query, "revenue", "differential");

            // The attack: a trigger on trickle.runtime_info, which every run of the runtime writes.
            await Execute(installer, $"""
                CREATE FUNCTION public.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    EXECUTE 'ALTER ROLE "{installerRole}" SUPERUSER';
                    RETURN NULL;
                END $$;
                CREATE TRIGGER escalate AFTER INSERT OR UPDATE ON trickle.runtime_info FOR EACH STATEMENT EXECUTE FUNCTION public.escalate();
                """);
            // It is a real one: fired by a superuser, it escalates (rolled back here).
            await using (var superuser = await database.OpenConnectionAsync())
            {
                await using var transaction = await superuser.BeginTransactionAsync();
                await Execute(superuser, "UPDATE trickle.runtime_info SET version = version", transaction);
                Assert.True(await IsSuperuser(superuser, installerRole, transaction));
                await transaction.RollbackAsync();
            }
            Assert.False(await IsSuperuser(installer, installerRole));

            // The old install hint: a superuser runs a script again (for the event triggers). Refused before the runtime
            // touches trickle, naming the object and its owner.
            var refused = await database.RunPsqlScriptAsync(TrickleCompiler.CompileScript(Schema, Query, "revenue2", "differential"));
            Assert.False(refused.Succeeded);
            Assert.Contains($"trickle: schema trickle is owned by role {installerRole}", refused.Describe());
            Assert.Contains($"run this script as role {installerRole}", refused.Describe());
            Assert.False(await IsSuperuser(installer, installerRole));
            output.WriteLine(refused.Describe().Trim());

            // The runtime migration (trickle migrations), a deploy script (with the runtime or requiring it) and an
            // upgrade script refuse the same way.
            foreach (var (what, script) in new[]
                     {
                         ("runtime migration", Trickle.Compiler.Emit.ScriptEmitter.EmitRuntime()),
                         ("deploy", Compile(Query, "revenue", new CompilationOptions(Name: "revenue", Mode: RefreshMode.Auto) { Deploy = new DeployOptions() })),
                         ("deploy without runtime", Compile(Query, "revenue", new CompilationOptions(Name: "revenue", Mode: RefreshMode.Auto) { Deploy = new DeployOptions(IncludeRuntime: false) })),
                         ("upgrade", Compile(Query.Replace("count(*) AS orders", "count(*) AS orders, max(o.amount) AS largest"), "revenue", new CompilationOptions(Name: "revenue", Mode: RefreshMode.Differential, Upgrade: true))),
                     })
            {
                var run = await database.RunPsqlScriptAsync(script);
                Assert.False(run.Succeeded, what);
                Assert.Contains($"trickle: schema trickle is owned by role {installerRole}", run.Describe());
                Assert.False(await IsSuperuser(installer, installerRole));
            }

            // No superuser run happened, so no event trigger calls the installer's functions: replacing one and running
            // DDL as a superuser escalates nothing.
            Assert.Equal(0L, await Scalar(installer, "SELECT count(*) FROM pg_event_trigger"));
            await Execute(installer, $"""
                CREATE OR REPLACE FUNCTION trickle.guard_source_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
                BEGIN
                    EXECUTE 'ALTER ROLE "{installerRole}" SUPERUSER';
                END $$;
                """);
            await database.ExecuteAsync("ALTER TABLE customers ADD COLUMN note text");
            Assert.False(await IsSuperuser(installer, installerRole));

            // The installer's own run refuses the trigger it planted (nothing the runtime did not create may run there).
            var own = await cluster.RunPsqlScriptAsync(asInstaller, TrickleCompiler.CompileScript(Schema, Query, "revenue3", "differential"));
            Assert.False(own.Succeeded);
            Assert.Contains("trickle: table trickle.runtime_info carries trigger escalate, which calls public.escalate()", own.Describe());
            Assert.Contains("DROP TRIGGER escalate ON trickle.runtime_info", own.Describe());
            Assert.False(await IsSuperuser(installer, installerRole));

            // An event trigger an older runtime's superuser run left over the installer's function is named, with the
            // statement a superuser should run; the installer's runs go on once its trigger is gone.
            await Execute(installer, "DROP TRIGGER escalate ON trickle.runtime_info");
            await database.ExecuteAsync("CREATE EVENT TRIGGER trickle_guard_source_drop ON sql_drop EXECUTE FUNCTION trickle.guard_source_drop()");
            var warned = await cluster.RunPsqlScriptAsync(asInstaller, TrickleCompiler.CompileScript(Schema, Query, "revenue3", "differential"));
            Assert.True(warned.Succeeded, warned.Describe());
            Assert.Contains("event trigger trickle_guard_source_drop calls trickle.guard_source_drop()", warned.Describe());
            Assert.Contains("DROP EVENT TRIGGER trickle_guard_source_drop", warned.Describe());
            await database.ExecuteAsync("DROP EVENT TRIGGER trickle_guard_source_drop");
        }
        finally
        {
            await database.ExecuteAsync($"ALTER ROLE \"{installerRole}\" NOSUPERUSER");
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asInstaller));
        }
    }

    [Fact]
    public async Task SuperuserInstalledRuntime_EventTriggersCallOnlyTheSuperusersFunctions_WhichTheInstallerCannotReplace()
    {
        await using var database = await cluster.CreateDatabaseAsync("sec_event");
        var installerRole = database.Name + "_installer";
        var asInstaller = await CreateInstaller(database, installerRole);
        try
        {
            await database.ExecuteAsync(Schema + Seed);
            await database.ExecutePsqlScriptAsync(TrickleCompiler.CompileScript(Schema, Query, "revenue", "differential"), "the superuser's install");
            await database.ExecuteAsync($"GRANT ALL ON customers, orders TO \"{installerRole}\"");

            // Every event trigger calls a function its creator (the superuser) owns.
            await using var installer = await PostgresCluster.OpenConnectionAsync(asInstaller);
            Assert.True(await Scalar(installer, "SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'trickle%'") >= 3);
            Assert.Equal(0L, await Scalar(installer, """
                SELECT count(*) FROM pg_event_trigger AS e JOIN pg_proc AS p ON p.oid = e.evtfoid
                WHERE e.evtname LIKE 'trickle%' AND p.proowner <> e.evtowner
                """));

            // The installer cannot replace them (nor reach schema trickle), so the superuser's DDL escalates nothing.
            var replace = await Assert.ThrowsAsync<PostgresException>(() => Execute(installer, $"""
                CREATE OR REPLACE FUNCTION trickle.guard_source_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
                BEGIN
                    EXECUTE 'ALTER ROLE "{installerRole}" SUPERUSER';
                END $$;
                """));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, replace.SqlState);
            await database.ExecuteAsync("ALTER TABLE customers ADD COLUMN note text");
            Assert.False(await IsSuperuser(installer, installerRole));

            // Nor can it plant a trigger on trickle's tables; were one there, the next superuser run would refuse it.
            await AssertDenied(installer, "CREATE TRIGGER escalate AFTER UPDATE ON trickle.runtime_info FOR EACH STATEMENT EXECUTE FUNCTION suppress_redundant_updates_trigger()");
            await database.ExecuteAsync($"""
                CREATE FUNCTION public.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
                CREATE TRIGGER planted AFTER UPDATE ON trickle.runtime_info FOR EACH STATEMENT EXECUTE FUNCTION public.noop();
                """);
            var refused = await database.RunPsqlScriptAsync(TrickleCompiler.CompileScript(Schema, Query, "revenue2", "differential"));
            Assert.False(refused.Succeeded);
            Assert.Contains("carries trigger planted, which calls public.noop()", refused.Describe());
        }
        finally
        {
            await database.ExecuteAsync($"ALTER ROLE \"{installerRole}\" NOSUPERUSER");
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asInstaller));
        }
    }

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    [InlineData("full")]
    public async Task Operator_Reader_Hostile_GetExactlyWhatTheirGrantsSay(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("sec_matrix");
        var installerRole = database.Name + "_installer";
        var operatorRole = database.Name + "_operator";
        var readerRole = database.Name + "_reader";
        var hostileRole = database.Name + "_hostile";
        var asInstaller = await CreateInstaller(database, installerRole);
        await database.ExecuteAsync($"""
            CREATE ROLE "{operatorRole}" LOGIN NOSUPERUSER;
            CREATE ROLE "{readerRole}" LOGIN NOSUPERUSER;
            CREATE ROLE "{hostileRole}" LOGIN NOSUPERUSER;
            """);
        var asOperator = As(database, operatorRole);
        var asReader = As(database, readerRole);
        var asHostile = As(database, hostileRole);
        try
        {
            await using var installer = await PostgresCluster.OpenConnectionAsync(asInstaller);
            await Execute(installer, Schema + Seed);
            await Install(asInstaller, Query, "revenue", mode);
            // The documented grants: the operator refreshes; the reader reads the stream table. The hostile role gets
            // USAGE on schema trickle too: the schema's functions and tables must hold on their own.
            await Execute(installer, $"""
                GRANT USAGE ON SCHEMA trickle TO "{operatorRole}", "{hostileRole}";
                GRANT EXECUTE ON FUNCTION trickle.refresh(text) TO "{operatorRole}";
                GRANT SELECT ON revenue TO "{readerRole}";
                """);

            await using var @operator = await PostgresCluster.OpenConnectionAsync(asOperator);
            await using var reader = await PostgresCluster.OpenConnectionAsync(asReader);
            await using var hostile = await PostgresCluster.OpenConnectionAsync(asHostile);

            // Operator: refreshes (as the stream table's owner), and the reader sees the recomputation.
            await Execute(installer, "INSERT INTO orders VALUES (100, 1, 5); DELETE FROM customers WHERE id = 3");
            await Execute(@operator, "SELECT trickle.refresh('revenue')");
            var comparison = await ResultComparer.CompareAsync(installer, "revenue", Query);
            Assert.True(comparison.IsMatch, comparison.Describe());
            Assert.Equal(await Scalar(installer, "SELECT sum(revenue) FROM revenue"), await Scalar(reader, "SELECT sum(revenue) FROM revenue"));

            var runtimeTables = await Strings(installer, """
                SELECT c.oid::regclass::text FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                WHERE n.nspname = 'trickle' AND c.relkind IN ('r', 'p', 'v') ORDER BY 1
                """);
            var runtimeViews = await Strings(installer, """
                SELECT c.oid::regclass::text FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                WHERE n.nspname = 'trickle' AND c.relkind = 'v' ORDER BY 1
                """);
            Assert.Contains(runtimeTables, t => t.EndsWith("__storage"));
            Assert.Contains("trickle.stream_table_catalog", runtimeTables);
            Assert.Contains("trickle.refresh_history", runtimeTables);
            if (mode != "immediate" && mode != "full")
                Assert.Contains(runtimeTables, t => t.Contains("__changes_"));
            foreach (var (connection, role) in new[] { (@operator, operatorRole), (reader, readerRole), (hostile, hostileRole) })
            {
                foreach (var table in runtimeTables)
                {
                    await AssertDenied(connection, $"SELECT * FROM {table}");
                    if (runtimeViews.Contains(table))
                        continue;
                    await AssertDenied(connection, $"DELETE FROM {table}");
                    await AssertDenied(connection, $"TRUNCATE {table}");
                }
                // Not one routine in trickle but trickle.refresh for the operator.
                var executable = await Strings(installer, $"""
                    SELECT p.oid::regprocedure::text FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'trickle' AND has_function_privilege('{role}', p.oid, 'EXECUTE') ORDER BY 1
                    """);
                Assert.Equal(role == operatorRole ? ["trickle.refresh(text)"] : [], executable);
                await AssertDenied(connection, "SELECT trickle.alter_stream_table('revenue', schedule => '1s')");
                await AssertDenied(connection, "SELECT trickle.drop_stream_table('revenue')");
                // The change feed and the inbox: only for roles granted them (none here).
                await AssertDenied(connection, "SELECT * FROM trickle.read_changes('revenue')");
                await AssertDenied(connection, "SELECT trickle.register_consumer('revenue', 'c')");
                await AssertDenied(connection, "SELECT trickle.acknowledge_changes('revenue', 'c', 1)");
                await AssertDenied(connection, "SELECT trickle.receive_message('s', '1')");
                await AssertDenied(connection, "SELECT * FROM trickle.refresh_all()");
                await AssertDenied(connection, "SELECT trickle.repair_stream_table('revenue')");
                await AssertDenied(connection, "SELECT trickle.resume_stream_table('revenue')");
                await AssertDenied(connection, "SELECT trickle.stop_scheduler()");
                await AssertDenied(connection, "CALL trickle.run_scheduler()");
                if (role != operatorRole)
                    await AssertDenied(connection, "SELECT trickle.refresh('revenue')");
                if (role != readerRole)
                    await AssertDenied(connection, "SELECT * FROM revenue");
            }
            // Whoever is allowed to call them, the entry points run as the stream tables' owner.
            Assert.Equal(
                ["trickle.acknowledge_changes(text,text,bigint)", "trickle.alter_stream_table(text,text,text,text)",
                 "trickle.drop_stream_table(text,boolean)", "trickle.health(bigint)",
                 "trickle.read_changes(text,bigint,integer)", "trickle.receive_message(text,text,jsonb)",
                 "trickle.refresh(text)", "trickle.refresh_all()", "trickle.register_consumer(text,text)",
                 "trickle.repair_stream_table(text)", "trickle.resume_stream_table(text)",
                 "trickle.set_capture(regclass,text)", "trickle.trim_changes(text)",
                 "trickle.unregister_consumer(text,text)", "trickle.wal_catch_up(boolean,integer)"],
                await Strings(installer, """
                    SELECT p.oid::regprocedure::text FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'trickle' AND p.prosecdef AND p.prorettype <> 'event_trigger'::regtype
                      AND p.prorettype <> 'trigger'::regtype AND p.proname NOT LIKE '%\_\_%' ORDER BY p.oid::regprocedure::text COLLATE "C"
                    """));
            // The reader cannot write to the stream table either.
            await AssertDenied(reader, "DELETE FROM revenue");
            output.WriteLine($"{mode}: {runtimeTables.Count} runtime relations refused to operator, reader and hostile role");
        }
        finally
        {
            foreach (var connectionString in new[] { asInstaller, asOperator, asReader, asHostile })
                NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        }
    }

    /// <summary>
    /// A refresh is serialised by a table lock on an empty table only the owner may lock: a hostile role that takes
    /// every advisory key printed in the script, and tries the lock table itself, stalls nothing. The scheduler's lock
    /// is still a session advisory lock (it must outlive transactions): a role that takes it first keeps workers out,
    /// and health names the backend to end.
    /// </summary>
    [Fact]
    public async Task AnotherRole_CannotStallRefreshes_AndTheSchedulerLockItTakesIsReportedByHealth()
    {
        await using var database = await cluster.CreateDatabaseAsync("sec_locks");
        var installerRole = database.Name + "_installer";
        var hostileRole = database.Name + "_hostile";
        var asInstaller = await CreateInstaller(database, installerRole);
        await database.ExecuteAsync($"CREATE ROLE \"{hostileRole}\" LOGIN NOSUPERUSER");
        var asHostile = As(database, hostileRole);
        try
        {
            await using var installer = await PostgresCluster.OpenConnectionAsync(asInstaller);
            await Execute(installer, Schema + Seed);
            var script = TrickleCompiler.CompileScript(Schema, Query, "revenue", "differential");
            var installed = await cluster.RunPsqlScriptAsync(asInstaller, script);
            Assert.True(installed.Succeeded, installed.Describe());
            Assert.Empty(await Strings(installer, "SELECT problem FROM trickle.health()"));
            await Execute(installer, $"GRANT USAGE ON SCHEMA trickle TO \"{hostileRole}\"");

            // Every advisory key the script shows, taken by a role with nothing but CONNECT and USAGE on trickle.
            var keys = System.Text.RegularExpressions.Regex.Matches(script, @"pg_advisory_(?:xact_)?lock(?:_shared)?\((-?\d+(?:, -?\d+)?)\)")
                .Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.NotEmpty(keys);
            await using var hostile = await PostgresCluster.OpenConnectionAsync(asHostile);
            foreach (var key in keys.Where(k => k != "1953653611, 1"))
                await Execute(hostile, $"SELECT pg_advisory_lock({key})");
            var denied = await Assert.ThrowsAsync<PostgresException>(() =>
                Execute(hostile, "BEGIN; LOCK TABLE trickle.revenue__refresh_lock IN ACCESS SHARE MODE"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
            await Execute(hostile, "ROLLBACK");

            // The refresh goes through at once.
            await Execute(installer, "SET lock_timeout = '2s'");
            await Execute(installer, "INSERT INTO orders VALUES (9001, 1, 10)");
            await Execute(installer, "SELECT trickle.refresh('revenue')");
            await Execute(installer, "RESET lock_timeout");
            Assert.Empty(await Strings(installer, "SELECT problem FROM trickle.health()"));

            // The scheduler's session lock: taken first, it keeps workers out, and health names the backend to end.
            await Execute(hostile, "SELECT pg_advisory_lock(1953653611, 1)");
            var problems = await Strings(installer, "SELECT problem || ': ' || detail FROM trickle.health() ORDER BY 1");
            output.WriteLine(string.Join("\n", problems));
            var hostilePid = await Scalar(hostile, "SELECT pg_backend_pid()");
            Assert.Contains(problems, p => p.StartsWith("scheduler lock held by another role: ") && p.Contains($"backend {hostilePid} of role {hostileRole}"));

            await Execute(hostile, "SELECT pg_advisory_unlock_all()");
            Assert.Empty(await Strings(installer, "SELECT problem FROM trickle.health()"));
            await Execute(installer, "SELECT trickle.refresh('revenue')");
        }
        finally
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asInstaller));
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asHostile));
        }
    }

    /// <summary>
    /// IMMEDIATE writers of a grouped stream table lock the groups they touch as rows of a table only the owner may
    /// read or lock (…__group_locks), not as advisory keys: a hostile role that holds an advisory lock on every group
    /// key it can compute (the key hashes of every group, alone and in every advisory class the script names) stalls
    /// no writer, and is refused every lock and every statement on the group lock table. The writer has nothing but
    /// its DML grants on the source, in statement and in commit apply.
    /// </summary>
    [Theory]
    [InlineData("immediate")]
    [InlineData(TrickleCompiler.ImmediateAtCommit)]
    public async Task AnotherRole_CannotStallImmediateGroupWriters(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("sec_group_locks");
        var installerRole = database.Name + "_installer";
        var writerRole = database.Name + "_writer";
        var hostileRole = database.Name + "_hostile";
        var asInstaller = await CreateInstaller(database, installerRole);
        await database.ExecuteAsync($"""
            CREATE ROLE "{writerRole}" LOGIN NOSUPERUSER;
            CREATE ROLE "{hostileRole}" LOGIN NOSUPERUSER;
            """);
        var asWriter = As(database, writerRole);
        var asHostile = As(database, hostileRole);
        const string grouped = "SELECT customer_id, count(*) AS orders, sum(amount) AS revenue FROM orders GROUP BY customer_id";
        try
        {
            await using var installer = await PostgresCluster.OpenConnectionAsync(asInstaller);
            await Execute(installer, Schema + Seed);
            var script = TrickleCompiler.CompileScript(Schema, grouped, "per_customer", mode);
            var installed = await cluster.RunPsqlScriptAsync(asInstaller, script);
            Assert.True(installed.Succeeded, installed.Describe());
            await Execute(installer, $"""
                GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO "{writerRole}";
                GRANT USAGE ON SCHEMA trickle TO "{hostileRole}";
                """);
            // Every group has been written once, so the group lock table holds each group's key.
            await Execute(installer, "UPDATE orders SET amount = amount + 1");
            var lockedKeys = await Strings(installer, "SELECT key::text FROM trickle.per_customer__group_locks ORDER BY key");

            // The hostile role computes each group's key as the script does, and holds it in every form it can.
            await using var hostile = await PostgresCluster.OpenConnectionAsync(asHostile);
            var keys = await Strings(hostile, """
                SELECT DISTINCT ((hash_record_extended(ROW(g::integer), 0) % 2147483647)::integer)::text
                FROM generate_series(1, 9) AS g ORDER BY 1
                """);
            Assert.Equal(lockedKeys.OrderBy(k => k, StringComparer.Ordinal), keys.OrderBy(k => k, StringComparer.Ordinal));
            var classes = System.Text.RegularExpressions.Regex.Matches(script, @"pg_advisory_(?:xact_)?lock(?:_shared)?\((-?\d+), ")
                .Select(m => m.Groups[1].Value).Distinct().ToList();
            foreach (var key in keys)
            {
                await Execute(hostile, $"SELECT pg_advisory_lock({key})");
                foreach (var @class in classes)
                    await Execute(hostile, $"SELECT pg_advisory_lock({@class}, {key})");
            }
            foreach (var attempt in new[]
                     {
                         "BEGIN; LOCK TABLE trickle.per_customer__group_locks IN ACCESS SHARE MODE",
                         "BEGIN; SELECT FROM trickle.per_customer__group_locks FOR NO KEY UPDATE",
                         "BEGIN; SELECT FROM trickle.per_customer__group_locks FOR KEY SHARE",
                         "INSERT INTO trickle.per_customer__group_locks VALUES (1)",
                         "UPDATE trickle.per_customer__group_locks SET key = key",
                         "DELETE FROM trickle.per_customer__group_locks",
                         "TRUNCATE trickle.per_customer__group_locks",
                     })
            {
                var denied = await Assert.ThrowsAsync<PostgresException>(() => Execute(hostile, attempt));
                Assert.True(denied.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{attempt}: {denied.SqlState} {denied.MessageText}");
                await Execute(hostile, "ROLLBACK");
            }

            // The writer, with no grant on schema trickle, writes every group at once while the hostile role holds on.
            await using var writer = await PostgresCluster.OpenConnectionAsync(asWriter);
            await Execute(writer, "SET lock_timeout = '2s'");
            await Execute(writer, "BEGIN; UPDATE orders SET amount = amount + 1 WHERE customer_id = 1; INSERT INTO orders VALUES (9001, 2, 10); COMMIT");
            await Execute(writer, "DELETE FROM orders WHERE customer_id = 3");
            var comparison = await ResultComparer.CompareAsync(installer, "per_customer", grouped);
            Assert.True(comparison.IsMatch, comparison.Describe());
            Assert.Empty(await Strings(installer, "SELECT problem FROM trickle.health()"));
            Assert.Equal(0, await Scalar(writer, "SELECT count(*) FROM pg_namespace AS n WHERE n.nspname = 'trickle' AND has_schema_privilege(n.oid, 'USAGE')"));
        }
        finally
        {
            foreach (var connectionString in new[] { asInstaller, asWriter, asHostile })
                NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        }
    }

    [Fact]
    public async Task RoleThatCreatesInPublic_CannotCaptureANameOfARecomputedQuery()
    {
        await using var database = await cluster.CreateDatabaseAsync("sec_path");
        var installerRole = database.Name + "_installer";
        var hostileRole = database.Name + "_hostile";
        var asInstaller = await CreateInstaller(database, installerRole);
        await database.ExecuteAsync($"CREATE ROLE \"{hostileRole}\" LOGIN NOSUPERUSER");
        var asHostile = As(database, hostileRole);
        try
        {
            await using var installer = await PostgresCluster.OpenConnectionAsync(asInstaller);
            await Execute(installer, Schema + Seed + "CREATE TABLE secrets (s text); INSERT INTO secrets VALUES ('the installer''s secret');");
            var script = TrickleCompiler.CompileScript(Schema, RecomputedQuery, "previous", "full");
            Assert.Contains("refuse_writable_search_path", script);
            await Install(asInstaller, RecomputedQuery, "previous", "full");

            // The attack: public.upper(character varying) beats pg_catalog.upper(text) for a varchar argument, and
            // would copy the refreshing role's data.
            await database.ExecuteAsync($"GRANT CREATE ON SCHEMA public TO \"{hostileRole}\"");
            await using (var hostile = await PostgresCluster.OpenConnectionAsync(asHostile))
                await Execute(hostile, """
                    CREATE TABLE public.loot (s text);
                    GRANT SELECT, INSERT ON public.loot TO PUBLIC;
                    CREATE FUNCTION public.upper(character varying) RETURNS text LANGUAGE plpgsql AS $$
                    BEGIN
                        INSERT INTO public.loot SELECT s FROM public.secrets;
                        RETURN pg_catalog.upper($1::text);
                    END $$;
                    """);
            // It is a real one: resolved the way the recompute resolves the query, it runs the hostile function.
            await using (var transaction = await installer.BeginTransactionAsync())
            {
                await Execute(installer, "SET LOCAL search_path = pg_catalog, public, pg_temp; SELECT upper(region) FROM customers", transaction);
                Assert.True(await Scalar(installer, "SELECT count(*) FROM public.loot", transaction) > 0);
                await transaction.RollbackAsync();
            }

            var refresh = await Assert.ThrowsAsync<PostgresException>(() => Execute(installer, "SELECT trickle.refresh('previous')"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refresh.SqlState);
            Assert.Contains($"role {hostileRole} may create objects in schema public", refresh.MessageText);
            Assert.Contains($"REVOKE CREATE ON SCHEMA public FROM {hostileRole}", refresh.Hint);
            Assert.Equal(0L, await Scalar(installer, "SELECT count(*) FROM public.loot"));
            output.WriteLine(refresh.MessageText);

            var install = await cluster.RunPsqlScriptAsync(asInstaller, TrickleCompiler.CompileScript(Schema, RecomputedQuery, "previous2", "full"));
            Assert.False(install.Succeeded);
            Assert.Contains("may create objects in schema public", install.Describe());
            Assert.Equal(0L, await Scalar(installer, "SELECT count(*) FROM public.loot"));

            // Revoking CREATE leaves the planted function: still refused, naming it.
            await database.ExecuteAsync($"REVOKE CREATE ON SCHEMA public FROM \"{hostileRole}\"");
            var planted = await Assert.ThrowsAsync<PostgresException>(() => Execute(installer, "SELECT trickle.refresh('previous')"));
            Assert.Contains("function public.upper(character varying) in schema public", planted.MessageText);
            Assert.Contains($"belongs to role {hostileRole}", planted.MessageText);
            Assert.Equal(0L, await Scalar(installer, "SELECT count(*) FROM public.loot"));

            // Once it is gone, refreshes work and match the recomputation.
            await database.ExecuteAsync("DROP FUNCTION public.upper(character varying)");
            await Execute(installer, "INSERT INTO orders VALUES (100, 1, 5)");
            await Execute(installer, "SELECT trickle.refresh('previous')");
            var comparison = await ResultComparer.CompareAsync(installer, "previous", RecomputedQuery);
            Assert.True(comparison.IsMatch, comparison.Describe());
            Assert.Equal(0L, await Scalar(installer, "SELECT count(*) FROM public.loot"));
        }
        finally
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asInstaller));
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asHostile));
        }
    }

    private static string Compile(string query, string name, CompilationOptions options)
    {
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", Schema)], diagnostics);
        var result = Compilation.Compile(new SourceText(name + ".sql", query), catalog, options);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Script!;
    }

    private static string As(TestDatabase database, string role) =>
        new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role }.ConnectionString;

    private static async Task<string> CreateInstaller(TestDatabase database, string role)
    {
        await database.ExecuteAsync($"""
            CREATE ROLE "{role}" LOGIN NOSUPERUSER;
            GRANT CREATE ON DATABASE "{database.Name}" TO "{role}";
            GRANT CREATE ON SCHEMA public TO "{role}";
            """);
        return As(database, role);
    }

    private async Task Install(string connectionString, string query, string name, string mode)
    {
        var installed = await cluster.RunPsqlScriptAsync(connectionString, TrickleCompiler.CompileScript(Schema, query, name, mode));
        Assert.True(installed.Succeeded, installed.Describe());
    }

    private static async Task<bool> IsSuperuser(NpgsqlConnection connection, string role, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand($"SELECT rolsuper FROM pg_roles WHERE rolname = '{role}'", connection, transaction);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task AssertDenied(NpgsqlConnection connection, string sql)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => Execute(connection, sql));
        Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {error.SqlState} {error.MessageText}");
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> Scalar(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
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
