namespace Trickle.Postgres;

/// <summary>Locations of the PostgreSQL programs the tests and benchmarks run; pgbench is optional (only benchmarks use it).</summary>
public sealed record PostgresBinaries(string? InitDb, string? PgCtl, string Psql, string? PgBench)
{
    public const int MinimumMajorVersion = 15;

    public const string InstallHint =
        "Install the PostgreSQL server (`apt-get update && apt-get install -y postgresql`, version 15 or newer) " +
        "or point the tests at an existing server with TRICKLE_TEST_CONNECTION=\"Host=…;Port=…;Username=…;Password=…\".";

    /// <summary>Finds initdb, pg_ctl and psql, or throws with an install hint when the server is missing.</summary>
    public static PostgresBinaries LocateServer()
    {
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

    // Debian installs each major version side by side; wrappers in /usr/local/bin or /usr/bin may pick an older
    // one or a different cluster, so the highest versioned directory wins.
    private static string? FindVersionedBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
            return null;
        return Directory.EnumerateDirectories(root)
            .Select(directory => (directory, version: int.TryParse(Path.GetFileName(directory), out var v) ? v : -1))
            .Where(candidate => candidate.version >= MinimumMajorVersion)
            .OrderByDescending(candidate => candidate.version)
            .Select(candidate => Path.Combine(candidate.directory, "bin"))
            .FirstOrDefault(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")));
    }

    private static string? ExistingOrNull(string path) => File.Exists(path) ? path : null;

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
