namespace Trickle.Database.Tests.StreamTables;

/// <summary>Source schemas the differential tests run against: a keyed table, a keyless bag, and hostile names.</summary>
internal static class Schemas
{
    public const string Items = """
        CREATE TABLE items (
            id integer PRIMARY KEY,
            grp text,
            sub smallint,
            qty integer,
            big bigint,
            price numeric(10,2),
            weight numeric,
            ratio double precision,
            flag boolean,
            ts timestamp,
            code varchar(8) NOT NULL DEFAULT 'x'
        );
        """;

    public const string ItemsSeed = """
        INSERT INTO items VALUES
            (1, 'a', 1, 5, 10, 1.50, 2.5, 0.5, true, '2024-01-01 10:00', 'x'),
            (2, 'a', 2, NULL, 20, 2.25, 1, 1.25, false, '2024-01-02 11:00', 'y'),
            (3, 'b', 1, 3, NULL, NULL, 0.125, NULL, NULL, NULL, 'x'),
            (4, NULL, NULL, 7, 40, 10.00, 3.75, 2.5, true, '2024-02-01 00:00', 'z');
        """;

    public const string Events = """
        CREATE TABLE events (
            kind text,
            n integer,
            amount numeric(8,3),
            note varchar(20)
        );
        """;

    public const string EventsSeed = """
        INSERT INTO events VALUES ('click', 1, 1.5, 'a'), ('click', 1, 1.5, 'a'), ('view', NULL, NULL, NULL), ('view', 2, 0.25, 'b');
        """;

    public const string Hostile = """"
        CREATE TABLE "Order ""Lines""" (
            "Id" integer PRIMARY KEY,
            "select" text,
            "größe" numeric(6,1),
            "Total Amount" integer,
            "group by" boolean
        );
        """";
}
