using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;

namespace Trickle.Database.Tests.InfrastructureTests;

[Collection(PostgresCollection.Name)]
public sealed class DmlGeneratorTests(PostgresCluster cluster)
{
    private const string AllTypesSchema = """
        CREATE SCHEMA s;
        CREATE TABLE s."Keyless" (
            si smallint, i integer NOT NULL, bi bigint, n numeric, n52 numeric(5,2), r real, d double precision,
            t text, vc varchar(3), b boolean, dt date, ts timestamp, tstz timestamptz, iv interval);
        CREATE TABLE s.keyed (
            k1 integer, k2 text, n numeric(6,2) NOT NULL, grp varchar(4), amount double precision,
            PRIMARY KEY (k1, k2));
        CREATE TABLE s.numeric_key (k numeric(4,1) PRIMARY KEY, v integer);
        CREATE TABLE s.identity_key (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v integer, w text);
        """;

    private static readonly TableDefinition[] SyntheticTables =
    [
        new("public.keyless", [new ColumnDefinition("g", "integer"), new ColumnDefinition("v", "numeric(10,2)")], []),
        new("public.keyed", [new ColumnDefinition("id", "integer", Nullable: false), new ColumnDefinition("grp", "text")], ["id"]),
    ];

    private static readonly Dictionary<string, TableState> SyntheticState = new()
    {
        ["public.keyless"] = new TableState([["1", "2.50"], ["1", "2.50"], [null, "-0.25"]]),
        ["public.keyed"] = new TableState([["1", "a"], ["2", null], ["3", "it's"]]),
    };

    [Fact]
    public void SameSeed_ProducesSameStatements_DifferentSeed_DoesNot()
    {
        Assert.Equal(Generate(seed: 42), Generate(seed: 42));
        Assert.NotEqual(Generate(seed: 42), Generate(seed: 43));

        static string Generate(int seed)
        {
            var generator = new DmlGenerator(SyntheticTables, seed);
            return string.Join("\n", Enumerable.Range(0, 30).Select(_ => generator.NextStep(SyntheticState).ToSql()));
        }
    }

    [Fact]
    public void FiftySteps_CoverEveryStatementKind()
    {
        var generator = new DmlGenerator(SyntheticTables, seed: 7);
        var kinds = Enumerable.Range(0, 50)
            .SelectMany(_ => generator.NextStep(SyntheticState).Statements)
            .Select(statement => statement.Kind)
            .ToHashSet();
        Assert.Equal(Enum.GetValues<DmlKind>().Where(kind => kind != DmlKind.Scripted).ToHashSet(), kinds);
    }

    [Fact]
    public void FreshKeys_AvoidLiveKeysInTextFormsPostgresPrints()
    {
        // numeric(4,1) prints 2 as "2.0": the generator must still recognise it as the live key 2.
        var table = new TableDefinition("public.t", [new ColumnDefinition("k", "numeric(4,1)", Nullable: false)], ["k"]);
        var live = new[] { "1.5", "2.0", "0.0", "10.0", "-7.0", "-0.3", "0.1", "3.1" };
        var state = new Dictionary<string, TableState> { ["public.t"] = new(live.Select(k => (IReadOnlyList<string?>)[k]).ToList()) };
        var generator = new DmlGenerator([table], seed: 3, maxStatementsPerStep: 1);
        for (var i = 0; i < 40; i++)
        {
            var statement = generator.NextStep(state).Statements.Single();
            if (statement.Kind != DmlKind.InsertValues)
                continue;
            foreach (var key in new[] { "'2'::", "'0'::", "'10'::", "'-7.0'::", "'1.5'::", "'0.1'::" })
                Assert.DoesNotContain(key, statement.Sql);
        }
    }

    [Fact]
    public void FreshKeys_TreatTimestamptzOffsetsAsTheSameInstant()
    {
        var table = new TableDefinition("public.t", [new ColumnDefinition("k", "timestamptz", Nullable: false)], ["k"]);
        // The four domain instants, printed as a server in another time zone would print them.
        var live = new[] { "2024-01-01 02:00:00+02", "2024-01-01 14:30:00+02", "2024-01-01 01:59:59.5+02", "2024-02-29 10:00:00+02" };
        var state = new Dictionary<string, TableState> { ["public.t"] = new(live.Select(k => (IReadOnlyList<string?>)[k]).ToList()) };
        var generator = new DmlGenerator([table], seed: 4, maxStatementsPerStep: 1);
        for (var i = 0; i < 30; i++)
        {
            var statement = generator.NextStep(state).Statements.Single();
            if (statement.Kind == DmlKind.InsertValues)
                Assert.Contains("'2030-", statement.Sql);
        }
    }

    [Fact]
    public async Task GeneratedStatements_RunWithoutErrors_OnEverySupportedType_AndCoverEveryKind()
    {
        await using var database = await cluster.CreateDatabaseAsync("dml");
        await database.ExecutePsqlScriptAsync(AllTypesSchema, "schema");
        await using var connection = await database.OpenConnectionAsync();
        var tables = await TableCatalog.ReadTablesAsync(connection);
        Assert.Equal(["s.\"Keyless\"", "s.identity_key", "s.keyed", "s.numeric_key"], tables.Select(t => t.QualifiedName));
        Assert.Equal(["k1", "k2"], tables.Single(t => t.QualifiedName == "s.keyed").PrimaryKey);
        Assert.True(tables.Single(t => t.QualifiedName == "s.identity_key").Columns[0].IsGenerated);

        var generator = new DmlGenerator(tables, seed: 11);
        var kinds = new HashSet<DmlKind>();
        bool combined = false, rolledBackToSavepoint = false;
        var duplicates = 0L;
        for (var stepNumber = 0; stepNumber < 60; stepNumber++)
        {
            var step = generator.NextStep(await TableCatalog.ReadStatesAsync(connection, tables));
            kinds.UnionWith(step.Statements.Select(statement => statement.Kind));
            combined |= step.Combined;
            rolledBackToSavepoint |= step.Statements.Any(statement => statement.RolledBackToSavepoint);
            // As the checker runs them: a combined step as one statement, some statements rolled back to a savepoint.
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand(step.ToSql(), connection, transaction);
            try
            {
                await command.ExecuteNonQueryAsync();
            }
            catch (PostgresException e)
            {
                Assert.Fail($"step {step.Number}: {e.MessageText}\n{step.ToSql()}");
            }
            await transaction.CommitAsync();
            duplicates = Math.Max(duplicates, await database.ScalarAsync<long>(
                "SELECT count(*) FROM (SELECT i, t FROM s.\"Keyless\" GROUP BY i, t HAVING count(*) > 1) d"));
        }
        Assert.Equal(Enum.GetValues<DmlKind>().Where(kind => kind != DmlKind.Scripted).ToHashSet(), kinds);
        Assert.True(combined, "no step ran its statements as one");
        Assert.True(rolledBackToSavepoint, "no statement was rolled back to a savepoint");
        // Small domains must produce duplicates in keyless tables (at some step), or multiplicity bugs go unnoticed.
        Assert.True(duplicates > 0);
    }
}
