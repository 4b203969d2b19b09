namespace Trickle.Postgres;

/// <summary>Locations of the PostgreSQL programs the tests and benchmarks run; pgbench is optional (only benchmarks use it).</summary>
public sealed record PostgresBinaries(string? InitDb, string? PgCtl, string Psql, string? PgBench)
{
    public const int MinimumMajorVersion = 15;

    /// <summary>Picks the server's major version (15, 16, …); unset means the highest Debian-installed one.</summary>
    public const string MajorVersionVariable = "TRICKLE_TEST_PG_MAJOR";

    public const string InstallHint =
        "Install the PostgreSQL server (`apt-get update && apt-get install -y postgresql`, version 15 or newer) " +
        "or point the tests at an existing server with TRICKLE_TEST_CONNECTION=\"Host=…;Port=…;Username=…;Password=…\".";

    private const string DebianRoot = "/usr/lib/postgresql";

    // npm package folders of tools/postgres/package.json: one alias per major (pg16, pg17, …), server binaries only.
    private const string NpmServersFolder = "tools/postgres/node_modules";

    /// <summary>The major version TRICKLE_TEST_PG_MAJOR asks for, or null when it is unset.</summary>
    public static int? RequestedMajorVersion()
    {
        var text = Environment.GetEnvironmentVariable(MajorVersionVariable);
        if (string.IsNullOrWhiteSpace(text))
            return null;
        return int.TryParse(text.Trim(), out var major) && major >= MinimumMajorVersion
            ? major
            : throw new InvalidOperationException(
                $"{MajorVersionVariable}={text} is not a PostgreSQL major version of {MinimumMajorVersion} or newer.");
    }

    /// <summary>Finds initdb, pg_ctl and psql, or throws with an install hint when the server is missing.</summary>
    public static PostgresBinaries LocateServer()
    {
        var requested = RequestedMajorVersion();
        if (requested is { } major)
            return LocateServer(major);

        var binDirectory = FindVersionedBinDirectory();
        if (binDirectory is not null)
            return new PostgresBinaries(
                Path.Combine(binDirectory, "initdb"),
                Path.Combine(binDirectory, "pg_ctl"),
                Path.Combine(binDirectory, "psql"),
                ExistingOrNull(Path.Combine(binDirectory, "pgbench")));

        var initDb = FindOnPath("initdb");
        var pgCtl = FindOnPath("pg_ctl");
        var psql = FindOnPath("psql");
        if (initDb is null || pgCtl is null || psql is null)
            throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl, psql) were not found in /usr/lib/postgresql/<version>/bin " +
                "or on PATH. " + InstallHint);
        return new PostgresBinaries(initDb, pgCtl, psql, FindOnPath("pgbench"));
    }

    /// <summary>Only psql is needed when the tests use an external server.</summary>
    public static PostgresBinaries LocateClient()
    {
        var binDirectory = FindVersionedBinDirectory();
        var psql = binDirectory is not null ? Path.Combine(binDirectory, "psql") : FindOnPath("psql");
        var pgBench = binDirectory is not null ? ExistingOrNull(Path.Combine(binDirectory, "pgbench")) : FindOnPath("pgbench");
        return psql is null
            ? throw new InvalidOperationException(
                "psql was not found (needed to install scripts the way users do). Install `postgresql-client`.")
            : new PostgresBinaries(null, null, psql, pgBench);
    }

    /// <summary>
    /// The server of one major version: Debian's when installed, else the npm package's (tools/postgres). The npm
    /// packages carry the server only (initdb, pg_ctl, postgres, with their libraries found relative to the binaries), so
    /// psql and pgbench then come from the newest Debian client: libpq's protocol is the same for every supported server,
    /// and the tests use psql only to run scripts.
    /// </summary>
    private static PostgresBinaries LocateServer(int major)
    {
        var debianBin = Path.Combine(DebianRoot, major.ToString(System.Globalization.CultureInfo.InvariantCulture), "bin");
        if (HasServer(debianBin))
            return new PostgresBinaries(
                Path.Combine(debianBin, "initdb"),
                Path.Combine(debianBin, "pg_ctl"),
                Path.Combine(debianBin, "psql"),
                ExistingOrNull(Path.Combine(debianBin, "pgbench")));

        var npmBin = FindNpmServerBinDirectory(major)
            ?? throw new InvalidOperationException(
                $"{MajorVersionVariable}={major}: no PostgreSQL {major} server in {debianBin} or in {NpmServersFolder}/pg{major}/native/bin. " +
                "Install the npm servers with `npm ci --prefix tools/postgres --no-audit --no-fund` (16, 17, 18).");
        var client = LocateClient();
        return new PostgresBinaries(Path.Combine(npmBin, "initdb"), Path.Combine(npmBin, "pg_ctl"), client.Psql, client.PgBench);
    }

    private static string? FindNpmServerBinDirectory(int major)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var bin = Path.Combine(directory.FullName, NpmServersFolder, $"pg{major}", "native", "bin");
            if (HasServer(bin))
                return bin;
        }
        return null;
    }

    // Debian installs each major version side by side; wrappers in /usr/local/bin or /usr/bin may pick an older
    // one or a different cluster, so the highest versioned directory wins.
    private static string? FindVersionedBinDirectory()
    {
        if (!Directory.Exists(DebianRoot))
            return null;
        return Directory.EnumerateDirectories(DebianRoot)
            .Select(directory => (directory, version: int.TryParse(Path.GetFileName(directory), out var v) ? v : -1))
            .Where(candidate => candidate.version >= MinimumMajorVersion)
            .OrderByDescending(candidate => candidate.version)
            .Select(candidate => Path.Combine(candidate.directory, "bin"))
            .FirstOrDefault(HasServer);
    }

    private static bool HasServer(string bin) =>
        File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl"));

    private static string? ExistingOrNull(string path) => File.Exists(path) ? path : null;

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
