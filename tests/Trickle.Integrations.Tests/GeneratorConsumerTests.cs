using System.Globalization;
using Npgsql;
using Trickle.Postgres;

namespace Trickle.Integrations.Tests;

/// <summary>
/// A consumer project as a user writes it: the generator as an Analyzer ProjectReference, the schema and a stream table
/// as AdditionalFiles, a program that installs the generated script and reads the stream table through the generated
/// reader — checked against the defining query on a real PostgreSQL, before and after writes and a refresh.
/// </summary>
[Collection(SampleBuilds.Name)]
public sealed class GeneratorConsumerTests : IAsyncLifetime
{
    private const string Schema = """
        CREATE TABLE customers (
            id     integer PRIMARY KEY,
            name   text NOT NULL,
            region text
        );
        CREATE TABLE orders (
            id          bigint PRIMARY KEY,
            customer_id integer NOT NULL,
            amount      numeric(12,2),
            ordered_at  timestamptz NOT NULL
        );
        """;

    private const string Query = """
        SELECT o.customer_id, c.name, c.region, count(*) AS orders, sum(o.amount) AS revenue, max(o.ordered_at) AS last_order
        FROM orders o
        JOIN customers c ON c.id = o.customer_id
        GROUP BY o.customer_id, c.name, c.region
        """;

    // The assignments compile only with the types the generator must produce: int and string where the query proves
    // NOT NULL, nullable where it cannot (TreatWarningsAsErrors turns a nullable string into a build error).
    private const string Program = """
        using System.Globalization;
        using Npgsql;
        using Shop.Data;

        await using var connection = new NpgsqlConnection(args[1]);
        await connection.OpenAsync();
        if (args[0] == "install")
        {
            await using var install = new NpgsqlCommand(CustomerRevenue.InstallScript, connection);
            await install.ExecuteNonQueryAsync();
        }
        foreach (var row in await CustomerRevenue.ReadListAsync(connection))
        {
            int customer = row.CustomerId;
            string name = row.Name;
            string? region = row.Region;
            long orders = row.Orders;
            decimal? revenue = row.Revenue;
            DateTime? lastOrder = row.LastOrder;
            Console.WriteLine(string.Join("|", customer, name, region ?? "NULL", orders,
                revenue?.ToString(CultureInfo.InvariantCulture) ?? "NULL", lastOrder?.ToString("O") ?? "NULL"));
        }
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "trickle-consumer-" + Guid.NewGuid().ToString("N")[..12]);
    private PostgresServer? _server;

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_compiled_consumer_installs_the_generated_script_and_reads_the_stream_table_as_its_query_computes_it()
    {
        var connection = await _server!.CreateDatabaseAsync("generator_consumer");
        var setup = await _server.RunPsqlScriptAsync(connection, Schema + """

            INSERT INTO customers VALUES (1, 'Ada', 'north'), (2, 'Grace', NULL), (3, 'Edsger', 'south');
            INSERT INTO orders VALUES
                (1, 1, 19.90, '2026-01-01 10:00+00'), (2, 1, NULL, '2026-01-02 11:00+00'),
                (3, 2, 5.00, '2026-01-03 12:00+00');
            """);
        Assert.True(setup.Succeeded, setup.Describe());

        var project = WriteConsumer();
        var build = await DotnetCli.BuildAsync(project, null, "-p:BuildProjectReferences=false");
        Assert.True(build.Succeeded, build.Describe());
        var program = Path.Combine(_root, "bin", RepositoryPaths.Configuration, "net10.0", "Consumer.dll");

        var installed = await DotnetCli.RunAsync(null, program, "install", connection);
        Assert.True(installed.Succeeded, installed.Describe());
        Assert.Equal(await Recompute(connection), Lines(installed.StandardOutput));
        Assert.Equal(2, Lines(installed.StandardOutput).Count);

        // Writes of every kind, then a refresh: the reader sees what the query computes now.
        var writes = await _server.RunPsqlScriptAsync(connection, """
            INSERT INTO orders VALUES (4, 3, 7.25, '2026-02-01 09:00+00'), (5, 1, 1.10, '2026-02-02 09:30+00');
            UPDATE orders SET amount = 6.00 WHERE id = 3;
            DELETE FROM orders WHERE id = 2;
            UPDATE customers SET region = 'east' WHERE id = 2;
            SELECT trickle.refresh('customer_revenue');
            """);
        Assert.True(writes.Succeeded, writes.Describe());
        var read = await DotnetCli.RunAsync(null, program, "read", connection);
        Assert.True(read.Succeeded, read.Describe());
        Assert.Equal(await Recompute(connection), Lines(read.StandardOutput));
        Assert.Equal(3, Lines(read.StandardOutput).Count);
    }

    private string WriteConsumer()
    {
        Directory.CreateDirectory(Path.Combine(_root, "db"));
        File.WriteAllText(Path.Combine(_root, "db", "schema.sql"), Schema);
        File.WriteAllText(Path.Combine(_root, "db", "customer_revenue.sql"), Query + ";\n");
        File.WriteAllText(Path.Combine(_root, "Program.cs"), Program);
        var generator = RepositoryPaths.Source("src", "Trickle.Generators");
        var project = Path.Combine(_root, "Consumer.csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{generator}/build/Trickle.Generators.props" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <RootNamespace>Shop.Data</RootNamespace>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Npgsql" Version="10.0.3" />
                <ProjectReference Include="{generator}/Trickle.Generators.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <AdditionalFiles Include="db/schema.sql" TrickleKind="Schema" />
                <AdditionalFiles Include="db/customer_revenue.sql" TrickleKind="StreamTable" />
              </ItemGroup>
            </Project>
            """);
        return project;
    }

    /// <summary>The defining query run directly, formatted as the consumer prints rows, sorted.</summary>
    private static async Task<List<string>> Recompute(string connectionString)
    {
        await using var connection = await PostgresServer.OpenConnectionAsync(connectionString);
        await using var command = new NpgsqlCommand(Query, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join("|", reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? "NULL" : reader.GetString(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? "NULL" : reader.GetDecimal(4).ToString(CultureInfo.InvariantCulture),
                reader.IsDBNull(5) ? "NULL" : reader.GetDateTime(5).ToString("O")));
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private static List<string> Lines(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
