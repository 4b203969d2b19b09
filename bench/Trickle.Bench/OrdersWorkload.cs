using Npgsql;

namespace Trickle.Bench;

/// <summary>
/// The orders/customers database every benchmark runs on: a deterministic load and the change batches
/// (70% updates of amount, status or customer_id, 15% inserts of new ids, 15% deletes), each one transaction.
/// </summary>
public sealed class OrdersWorkload(string connectionString, BenchProfile profile)
{
    public const string SchemaDdl = """
        CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, region text);
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id integer NOT NULL, status text NOT NULL, amount numeric(12,2), quantity integer NOT NULL);
        """;

    /// <summary>Fresh order ids for inserts, shared by the batches and pgbench, so no run collides with another's keys.</summary>
    public const string OrderIdSequence = "order_ids";

    private const string Statuses = "ARRAY['open', 'paid', 'shipped', 'cancelled']";

    private int _batchSeed;

    public string ConnectionString => connectionString;

    public BenchProfile Profile => profile;

    public async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        await ExecuteAsync(SchemaDdl, cancellationToken);
        await ExecuteAsync($"CREATE SEQUENCE {OrderIdSequence}", cancellationToken);
        await LoadAsync(cancellationToken);
        await ExecuteAsync("""
            CREATE INDEX orders_customer_id ON orders (customer_id);
            CREATE INDEX orders_amount_id ON orders (amount DESC NULLS LAST, id);
            """, cancellationToken);
        await VacuumAnalyzeAsync(cancellationToken);
    }

    /// <summary>
    /// Replaces the rows of both tables with the same deterministic load (stream tables must be dropped first), so
    /// every write-path configuration starts from an identical table.
    /// </summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await ExecuteAsync($"""
            TRUNCATE orders, customers;
            SELECT setseed(0.25);
            INSERT INTO customers
            SELECT i, 'customer ' || i, (ARRAY['north', 'south', 'east', 'west', 'central', 'islands', 'overseas', 'online'])[1 + i % 8]
            FROM generate_series(1, {profile.Customers}) AS i;
            INSERT INTO orders
            SELECT i,
                   1 + floor(random() * {profile.Customers})::integer,
                   ({Statuses})[1 + floor(random() * 4)::integer],
                   CASE WHEN random() < 0.01 THEN NULL ELSE round((random() * 1000)::numeric, 2) END,
                   1 + floor(random() * 5)::integer
            FROM generate_series(1, {profile.Orders}) AS i;
            SELECT setval('{OrderIdSequence}', {profile.Orders});
            """, cancellationToken);
        await VacuumAnalyzeAsync(cancellationToken);
    }

    /// <summary>
    /// Changes <paramref name="rows"/> orders in one transaction. Each updated row changes one of amount, status and
    /// customer_id in turn, so aggregates see values change, filters see rows enter and leave, and groups see rows move.
    /// </summary>
    public async Task ApplyBatchAsync(int rows, CancellationToken cancellationToken)
    {
        var updates = (int)Math.Round(rows * 0.70);
        var inserts = (int)Math.Round(rows * 0.15);
        var deletes = Math.Max(0, rows - updates - inserts);
        // A different but reproducible choice of rows for every batch of the run.
        var seed = (++_batchSeed % 1000) / 1000.0;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"""
            SELECT setseed({seed.ToString(System.Globalization.CultureInfo.InvariantCulture)});
            CREATE TEMP TABLE picked ON COMMIT DROP AS
                SELECT id, row_number() OVER () AS n FROM (SELECT id FROM orders ORDER BY random() LIMIT {updates + deletes}) AS chosen;
            UPDATE orders AS o
            SET amount      = CASE WHEN p.n % 3 = 0 THEN round((random() * 1000)::numeric, 2) ELSE o.amount END,
                status      = CASE WHEN p.n % 3 = 1 THEN ({Statuses})[1 + floor(random() * 4)::integer] ELSE o.status END,
                customer_id = CASE WHEN p.n % 3 = 2 THEN 1 + floor(random() * {profile.Customers})::integer ELSE o.customer_id END
            FROM picked AS p
            WHERE o.id = p.id AND p.n <= {updates};
            DELETE FROM orders AS o USING picked AS p WHERE o.id = p.id AND p.n > {updates};
            INSERT INTO orders
            SELECT nextval('{OrderIdSequence}'),
                   1 + floor(random() * {profile.Customers})::integer,
                   ({Statuses})[1 + floor(random() * 4)::integer],
                   round((random() * 1000)::numeric, 2),
                   1 + floor(random() * 5)::integer
            FROM generate_series(1, {inserts});
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // The first reader of freshly written rows sets their hint bits, a cost of the batch rather than of whichever
        // refresh is measured first: one scan pays it before the contenders run.
        await ExecuteAsync(connection, null, "SELECT sum(quantity) FROM orders", cancellationToken);
    }

    /// <summary>
    /// Autovacuum is off while measuring, so dead rows left by batches and consumed change buffers are cleaned here,
    /// between measurements, as autovacuum would between real refreshes.
    /// </summary>
    public Task VacuumAnalyzeAsync(CancellationToken cancellationToken) => ExecuteAsync("VACUUM ANALYZE", cancellationToken);

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, sql, cancellationToken);
    }

    public Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        Trickle.Postgres.PostgresServer.OpenConnectionAsync(connectionString, cancellationToken);

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        // Loads and large batches take minutes at worst; Npgsql's 30 s default would cut them off.
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
