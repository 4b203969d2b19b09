namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Source schemas the differential tests run against: a keyed table, a keyless bag, customers and their orders (for
/// joins), and hostile names.
/// </summary>
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

    /// <summary>Customers and orders: nullable join keys, an order whose customer does not exist, a customer without orders.</summary>
    /// <summary>
    /// Parts, the suppliers that offer them and lines sold, TPC-H's shape in miniature, with nullable keys and
    /// quantities: the schema of the correlated and nested subquery corpora.
    /// </summary>
    public const string PartsLines = """
        CREATE TABLE part (p_partkey integer PRIMARY KEY, p_brand text, p_size integer);
        CREATE TABLE supplier (s_suppkey integer PRIMARY KEY, s_region text, s_name text);
        CREATE TABLE offer (o_partkey integer, o_suppkey integer, o_cost numeric(10,2), PRIMARY KEY (o_partkey, o_suppkey));
        CREATE TABLE line (l_id integer PRIMARY KEY, l_partkey integer, l_suppkey integer, l_quantity numeric(10,2), l_price numeric(10,2));
        """;

    /// <summary>Eight parts, five suppliers, most offers, and 43 lines, three of them with a NULL key or value.</summary>
    public const string PartsLinesSeed = """
        INSERT INTO part SELECT i, CASE WHEN i % 2 = 0 THEN 'A' ELSE 'B' END, i % 4 FROM generate_series(1, 8) AS i;
        INSERT INTO supplier SELECT i, CASE WHEN i % 3 = 0 THEN 'EAST' ELSE 'WEST' END, 's' || i FROM generate_series(1, 5) AS i;
        INSERT INTO offer SELECT p, s, ((p * 7 + s * 3) % 5) + 1 FROM generate_series(1, 8) AS p, generate_series(1, 5) AS s WHERE (p + s) % 3 <> 0;
        INSERT INTO line SELECT i, i % 8 + 1, i % 5 + 1, (i * 7) % 11, (i * 13) % 17 + 1 FROM generate_series(1, 40) AS i;
        INSERT INTO line VALUES (41, NULL, 1, 3, 4), (42, 2, NULL, NULL, 5), (43, 3, 2, 4, NULL);
        """;

    public const string CustomersOrders = """
        CREATE TABLE customers (id integer PRIMARY KEY, region text, tier smallint);
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount numeric(8,2), qty integer, status text);
        """;

    public const string CustomersOrdersSeed = """
        INSERT INTO customers VALUES (1, 'north', 1), (2, 'south', 2), (3, NULL, 1), (4, 'north', NULL);
        INSERT INTO orders VALUES (1, 1, 10.50, 2, 'open'), (2, 1, 3.25, 1, 'open'), (3, 2, 7.00, 5, 'x'), (4, 5, 1.00, 1, 'open'), (5, NULL, 2.00, 3, 'open');
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
