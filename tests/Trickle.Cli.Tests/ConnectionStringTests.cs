using Npgsql;
using Trickle.Cli.Commands;

namespace Trickle.Cli.Tests;

/// <summary>What <c>--connection</c> accepts, read as libpq (and so psql) reads it.</summary>
public sealed class ConnectionStringTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static NpgsqlConnectionStringBuilder Resolve(string? given, Dictionary<string, string>? environment = null) =>
        new(ConnectionString.Resolve(given, name => (environment ?? NoEnvironment).GetValueOrDefault(name)));

    [Fact]
    public void Uri_WithEveryPart_BecomesTheSameConnection()
    {
        var builder = Resolve("postgresql://app:s%40cr%3At@db.example.com:6432/shop?sslmode=verify-full&application_name=trickle%20probe&connect_timeout=7");

        Assert.Equal(("app", "s@cr:t", "db.example.com:6432", "shop"), (builder.Username, builder.Password, builder.Host, builder.Database));
        Assert.Equal((SslMode.VerifyFull, "trickle probe", 7), (builder.SslMode, builder.ApplicationName, builder.Timeout));
    }

    [Theory]
    [InlineData("postgres://localhost", "localhost", null)]
    [InlineData("postgresql://localhost:5433/shop", "localhost:5433", "shop")]
    [InlineData("postgresql://[::1]:5433/shop", "[::1]:5433", "shop")]
    [InlineData("postgresql://a:5432,b:5433/shop?target_session_attrs=primary", "a:5432,b:5433", "shop")]
    [InlineData("postgresql:///shop?host=%2Fvar%2Frun%2Fpostgresql", "/var/run/postgresql", "shop")]
    public void Uri_HostForms(string uri, string host, string? database)
    {
        var builder = Resolve(uri, new() { ["PGHOST"] = "ignored-only-if-uri-has-a-host" });

        Assert.Equal((host, database), (builder.Host, builder.Database));
    }

    [Theory]
    [InlineData("postgresql://h/db?sslmode", "has no value")]
    [InlineData("postgresql://h/db?fallback_application_name=x", "\"fallback_application_name\" is not supported")]
    [InlineData("postgresql://h:99999/db", "invalid port \"99999\"")]
    [InlineData("postgresql://h/db?sslmode=sometimes", "invalid SSL Mode \"sometimes\"")]
    public void MalformedUri_IsOneClearError(string uri, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Resolve(uri));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void NoConnection_ComesFromThePgVariables()
    {
        var builder = Resolve(null, new()
        {
            ["PGHOST"] = "db.internal", ["PGPORT"] = "6543", ["PGUSER"] = "probe", ["PGDATABASE"] = "shop", ["PGPASSWORD"] = "pw",
        });

        Assert.Equal(("db.internal", 6543, "probe", "shop", "pw"), (builder.Host, builder.Port, builder.Username, builder.Database, builder.Password));
    }

    [Theory]
    [InlineData("Server=given;User ID=given;DB=given")]
    [InlineData("postgresql://given@given/given")]
    public void WrittenParts_WinOverTheVariables_InAnySpelling(string given)
    {
        var builder = Resolve(given, new() { ["PGHOST"] = "env", ["PGUSER"] = "env", ["PGDATABASE"] = "env", ["PGPASSWORD"] = "from-env" });

        Assert.Equal(("given", "given", "given"), (builder.Host, builder.Username, builder.Database));
        // Left out, so it comes from the environment, as libpq does.
        Assert.Equal("from-env", builder.Password);
    }

    [Fact]
    public void NothingAtAll_UsesLibpqsDefaultServer()
    {
        var host = Resolve(null).Host;

        Assert.True(host is "localhost" or "/tmp" or "/var/run/postgresql", host);
    }
}
