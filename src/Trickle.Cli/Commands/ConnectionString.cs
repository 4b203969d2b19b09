using Npgsql;

namespace Trickle.Cli.Commands;

/// <summary>
/// What users pass as <c>--connection</c>, turned into an Npgsql connection string the way libpq (and so psql) reads
/// it: a keyword string (<c>Host=…;Database=…</c>), or a <c>postgresql://user:password@host:port/db?param=value</c> URI,
/// or nothing; whatever it leaves out comes from the <c>PGHOST</c>, <c>PGPORT</c>, <c>PGUSER</c>, <c>PGDATABASE</c>,
/// <c>PGPASSWORD</c> (and <c>PGSSLMODE</c>, <c>PGAPPNAME</c>, <c>PGCONNECT_TIMEOUT</c>) environment variables.
/// </summary>
internal static class ConnectionString
{
    /// <summary>Environment variables libpq reads, and the Npgsql keyword each fills.</summary>
    private static readonly (string Variable, string Keyword, string[] Spellings)[] EnvironmentDefaults =
    [
        ("PGHOST", "Host", ["host", "server"]),
        ("PGPORT", "Port", ["port"]),
        ("PGUSER", "Username", ["username", "username", "userid", "uid", "user"]),
        ("PGDATABASE", "Database", ["database", "db"]),
        ("PGPASSWORD", "Password", ["password", "pwd", "psw"]),
        ("PGSSLMODE", "SSL Mode", ["sslmode"]),
        ("PGAPPNAME", "Application Name", ["applicationname"]),
        ("PGCONNECT_TIMEOUT", "Timeout", ["timeout"]),
    ];

    /// <summary>URI query parameters libpq documents that Npgsql has a keyword for.</summary>
    private static readonly Dictionary<string, string> UriParameters = new(StringComparer.Ordinal)
    {
        ["host"] = "Host", ["port"] = "Port", ["dbname"] = "Database", ["user"] = "Username", ["password"] = "Password",
        ["sslmode"] = "SSL Mode", ["application_name"] = "Application Name", ["connect_timeout"] = "Timeout",
        ["options"] = "Options", ["target_session_attrs"] = "Target Session Attributes", ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate", ["sslkey"] = "SSL Key", ["sslpassword"] = "SSL Password",
    };

    /// <exception cref="ArgumentException">The URI or connection string is malformed; the message says where.</exception>
    public static string Resolve(string? given, Func<string, string?> environment)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        NpgsqlConnectionStringBuilder builder;
        if (string.IsNullOrWhiteSpace(given))
            builder = new NpgsqlConnectionStringBuilder();
        else if (IsUri(given))
            builder = FromUri(given.Trim(), written);
        else
        {
            builder = new NpgsqlConnectionStringBuilder(given);
            // Which parts the string names, in any of Npgsql's spellings (Server, User ID, …): those the environment must not override.
            foreach (string key in new System.Data.Common.DbConnectionStringBuilder { ConnectionString = given }.Keys)
                written.Add(key.Replace(" ", "").ToLowerInvariant());
        }
        foreach (var (variable, keyword, spellings) in EnvironmentDefaults)
            if (!spellings.Any(written.Contains) && environment(variable) is { Length: > 0 } value)
                Set(builder, keyword, value, variable);
        // libpq's default server is the local socket; Npgsql has no default host at all.
        if (string.IsNullOrEmpty(builder.Host))
            builder.Host = DefaultHost();
        return builder.ConnectionString;
    }

    private static bool IsUri(string text) =>
        text.TrimStart().StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || text.TrimStart().StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>postgresql://[user[:password]@][host[:port][,…]][/dbname][?param=value&amp;…]</c>, percent-encoded.</summary>
    private static NpgsqlConnectionStringBuilder FromUri(string uri, HashSet<string> written)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        void Put(string keyword, string value, string origin)
        {
            Set(builder, keyword, value, origin);
            written.Add(keyword.Replace(" ", "").ToLowerInvariant());
        }
        var rest = uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = "";
        if (rest.IndexOf('?') is var q and >= 0)
            (rest, query) = (rest[..q], rest[(q + 1)..]);
        var path = "";
        if (rest.IndexOf('/') is var slash and >= 0)
            (rest, path) = (rest[..slash], rest[(slash + 1)..]);
        if (rest.LastIndexOf('@') is var at and >= 0)
        {
            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            var colon = userInfo.IndexOf(':');
            Put("Username", Decode(colon < 0 ? userInfo : userInfo[..colon]), "the URI's user");
            if (colon >= 0)
                Put("Password", Decode(userInfo[(colon + 1)..]), "the URI's password");
        }
        if (rest.Length > 0)
            Put("Host", string.Join(',', rest.Split(',').Select(HostAndPort)), "the URI's host");
        if (path.Length > 0)
            Put("Database", Decode(path), "the URI's database");
        foreach (var parameter in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = parameter.IndexOf('=');
            if (equals <= 0)
                throw new ArgumentException($"connection URI parameter \"{Decode(parameter)}\" has no value (write name=value)");
            var name = Decode(parameter[..equals]);
            if (!UriParameters.TryGetValue(name, out var keyword))
                throw new ArgumentException(
                    $"connection URI parameter \"{name}\" is not supported (supported: {string.Join(", ", UriParameters.Keys)})");
            Put(keyword, Decode(parameter[(equals + 1)..]), $"URI parameter {name}");
        }
        return builder;
    }

    /// <summary><c>host</c>, <c>host:port</c>, <c>[::1]:port</c>: Npgsql takes the same forms in its Host list.</summary>
    private static string HostAndPort(string hostSpec)
    {
        var decoded = Decode(hostSpec);
        if (decoded.StartsWith('[') && decoded.IndexOf(']') is var close and > 0)
        {
            var address = decoded[1..close];
            var port = decoded[(close + 1)..].TrimStart(':');
            return port.Length > 0 ? $"[{address}]:{CheckedPort(port)}" : address;
        }
        var colon = decoded.LastIndexOf(':');
        return colon < 0 ? decoded : $"{decoded[..colon]}:{CheckedPort(decoded[(colon + 1)..])}";
    }

    private static string CheckedPort(string port) =>
        int.TryParse(port, out var number) && number is > 0 and < 65536
            ? port
            : throw new ArgumentException($"invalid port \"{port}\" in the connection URI");

    private static string Decode(string text) => Uri.UnescapeDataString(text);

    private static void Set(NpgsqlConnectionStringBuilder builder, string keyword, string value, string origin)
    {
        try
        {
            builder[keyword] = keyword == "SSL Mode" ? SslMode(value) : value;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
        {
            throw new ArgumentException($"invalid {keyword} \"{value}\" from {origin}");
        }
    }

    /// <summary>libpq spells SSL modes verify-ca and verify-full; Npgsql VerifyCA and VerifyFull.</summary>
    private static string SslMode(string value) => value.ToLowerInvariant() switch
    {
        "verify-ca" => "VerifyCA",
        "verify-full" => "VerifyFull",
        _ => value,
    };

    /// <summary>Where libpq looks first: the Debian socket directory, then /tmp, then TCP on localhost.</summary>
    private static string DefaultHost()
    {
        foreach (var directory in new[] { "/var/run/postgresql", "/tmp" })
            if (Directory.Exists(directory) && Directory.EnumerateFiles(directory, ".s.PGSQL.*").Any())
                return directory;
        return "localhost";
    }
}
