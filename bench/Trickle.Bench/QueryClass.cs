namespace Trickle.Bench;

/// <summary>One kind of defining query the refresh benchmark covers, over the orders/customers schema.</summary>
public sealed record QueryClass(string Key, string Title, string Query)
{
    public static readonly IReadOnlyList<QueryClass> All =
    [
        new("scan", "scan/filter", "SELECT id, customer_id, amount FROM orders WHERE status = 'open'"),
        new("agg", "aggregate", "SELECT customer_id, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer_id"),
        new("join", "join", "SELECT o.id, c.region, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id"),
        new("joinagg", "join + aggregate",
            "SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region"),
        new("outer", "outer join",
            "SELECT c.id, count(o.id) AS n, COALESCE(sum(o.amount), 0) AS total FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id"),
        new("window", "window (partitioned)",
            "SELECT id, customer_id, amount, rank() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS r FROM orders"),
        new("topk", "top-k", "SELECT id, customer_id, amount FROM orders ORDER BY amount DESC NULLS LAST, id LIMIT 10"),
    ];

    public static QueryClass ScanFilter => Named("scan");

    public static QueryClass Aggregate => Named("agg");

    public static QueryClass Join => Named("join");

    public static QueryClass JoinAggregate => Named("joinagg");

    public static QueryClass OuterJoin => Named("outer");

    /// <summary>The classes whose refresh speed-up the product promises (see the targets in docs/benchmarks.md).</summary>
    public bool HasSpeedUpTargets => Key is "agg" or "join";

    private static QueryClass Named(string key) => All.Single(queryClass => queryClass.Key == key);
}
