using System.Globalization;

namespace Trickle.Tpch;

public enum TpchWriteKind
{
    /// <summary>RF1: new orders with their line items.</summary>
    RefreshInsert,
    /// <summary>RF2: the oldest orders deleted with their line items.</summary>
    RefreshDelete,
    /// <summary>An UPDATE of columns the queries read.</summary>
    Update,
}

/// <summary>One statement of a write batch, without its semicolon.</summary>
public sealed record TpchStatement(TpchWriteKind Kind, string Table, string Sql);

/// <summary>
/// The writes a TPC-H data set goes through, deterministic per seed: the refresh functions RF1 (new orders with their
/// line items, made like the generated ones) and RF2 (the live orders with the lowest keys deleted, line items first),
/// and random updates of every column the 22 queries read. It keeps its own account of the live orders; a batch that
/// was rolled back leaves that account ahead of the database, which only makes later statements match fewer rows.
/// </summary>
public sealed class TpchWorkload
{
    private readonly TpchData _data;
    private readonly Random _random;
    private readonly OrderFactory _factory;
    private readonly SortedDictionary<int, int> _liveOrderLines;
    private readonly IReadOnlyList<UpdatableTable> _tables;
    private readonly Dictionary<string, int> _nextColumn = new();
    private int _nextOrderKey;

    public TpchWorkload(TpchData data, int seed)
    {
        _data = data;
        _random = new Random(seed);
        _factory = new OrderFactory(data, _random);
        _liveOrderLines = new SortedDictionary<int, int>(data.LineItems.GroupBy(line => line.OrderKey).ToDictionary(group => group.Key, group => group.Count()));
        _nextOrderKey = data.Orders.Max(order => order.Key) + 1;
        _tables = UpdatableTables();
    }

    /// <summary>RF1: <paramref name="orderCount"/> new orders, then their line items.</summary>
    public IReadOnlyList<TpchStatement> RefreshInsert(int orderCount)
    {
        var orders = new List<ITpchRow>();
        var lines = new List<ITpchRow>();
        for (var i = 0; i < orderCount; i++)
        {
            var (order, orderLines) = _factory.Create(_nextOrderKey++);
            orders.Add(order);
            lines.AddRange(orderLines);
            _liveOrderLines[order.Key] = orderLines.Count;
        }
        return
        [
            new TpchStatement(TpchWriteKind.RefreshInsert, "orders", Sql.Inserts(orders).TrimEnd().TrimEnd(';')),
            new TpchStatement(TpchWriteKind.RefreshInsert, "lineitem", Sql.Inserts(lines).TrimEnd().TrimEnd(';')),
        ];
    }

    /// <summary>RF2: the <paramref name="orderCount"/> live orders with the lowest keys, line items first.</summary>
    public IReadOnlyList<TpchStatement> RefreshDelete(int orderCount)
    {
        var keys = _liveOrderLines.Keys.Take(orderCount).ToList();
        foreach (var key in keys)
            _liveOrderLines.Remove(key);
        var list = keys.Count == 0 ? "NULL" : string.Join(", ", keys.Select(Sql.Of));
        return
        [
            new TpchStatement(TpchWriteKind.RefreshDelete, "lineitem", $"DELETE FROM lineitem WHERE l_orderkey IN ({list})"),
            new TpchStatement(TpchWriteKind.RefreshDelete, "orders", $"DELETE FROM orders WHERE o_orderkey IN ({list})"),
        ];
    }

    /// <summary>
    /// One UPDATE per table, in a random order, each setting the table's next two or three read columns (taken in turn,
    /// so every column is updated once in at most <see cref="BatchesToUpdateEveryColumn"/> batches) on one to three
    /// random rows. Nation and region names are swapped between two rows, so every name the queries filter on survives.
    /// </summary>
    public IReadOnlyList<TpchStatement> RandomUpdates()
    {
        var statements = new List<TpchStatement>();
        foreach (var table in _tables.OrderBy(_ => _random.Next()).ToList())
        {
            var start = _nextColumn.GetValueOrDefault(table.Name);
            var count = Math.Min(table.Columns.Count, _random.Next(2, 4));
            _nextColumn[table.Name] = (start + count) % table.Columns.Count;
            var rows = table.ChooseRows();
            var assignments = Enumerable.Range(start, count).Select(i => table.Columns[i % table.Columns.Count])
                .Select(column => $"{column.Target} = {column.Value(rows.Keys)}");
            statements.Add(new TpchStatement(TpchWriteKind.Update, table.Name,
                $"UPDATE {table.Name} SET {string.Join(", ", assignments)} WHERE {rows.Predicate}"));
        }
        return statements;
    }

    /// <summary>The most update batches it takes until every read column of every table has been set.</summary>
    public int BatchesToUpdateEveryColumn => _tables.Max(table => (table.Columns.Count + 1) / 2);

    /// <summary>The columns the 22 queries read, per table, with values from (or near) their domains.</summary>
    private IReadOnlyList<UpdatableTable> UpdatableTables()
    {
        var parts = _data.Scale.Parts;
        var suppliers = _data.Suppliers.Count;
        var customers = _data.Customers.Count;
        return
        [
            new("region", () => TwoKeys("r_regionkey", TpchDomains.Regions.Count),
            [
                new("r_name", keys => Swap("region", "r_name", "r_regionkey", keys)),
            ]),
            new("nation", () => TwoKeys("n_nationkey", TpchDomains.NationCount),
            [
                new("n_name", keys => Swap("nation", "n_name", "n_nationkey", keys)),
                new("n_regionkey", _ => Sql.Of(_random.Next(TpchDomains.Regions.Count))),
            ]),
            new("part", () => IntegerKeys("p_partkey", 1, parts),
            [
                new("p_name", _ => Text(PartName())),
                new("p_mfgr", _ => Text($"Manufacturer#{_random.Next(1, 6)}")),
                new("p_brand", _ => Text(_random.Next(2) == 0 ? TpchGenerator.Pick(_random, ["Brand#12", "Brand#23", "Brand#34", "Brand#45"]) : $"Brand#{_random.Next(1, 6)}{_random.Next(1, 6)}")),
                new("p_type", _ => Text(_random.Next(3) == 0 ? TpchGenerator.Pick(_random, ["ECONOMY ANODIZED STEEL", "MEDIUM POLISHED TIN", "PROMO PLATED BRASS"]) : $"{TpchGenerator.Pick(_random, TpchDomains.TypeSizes)} {TpchGenerator.Pick(_random, TpchDomains.TypeFinishes)} {TpchGenerator.Pick(_random, TpchDomains.TypeMaterials)}")),
                new("p_size", _ => Sql.Of(_random.Next(2) == 0 ? TpchGenerator.Pick(_random, [15, 49, 14, 3, 9, 1, 5, 10]) : _random.Next(1, 51))),
                new("p_container", _ => Text(_random.Next(2) == 0 ? TpchGenerator.Pick(_random, ["MED BOX", "SM CASE", "LG PKG", "MED BAG"]) : $"{TpchGenerator.Pick(_random, TpchDomains.ContainerSizes)} {TpchGenerator.Pick(_random, TpchDomains.ContainerKinds)}")),
                new("p_retailprice", _ => Money(900.00m, 2100.00m)),
            ]),
            new("supplier", () => IntegerKeys("s_suppkey", 1, suppliers),
            [
                new("s_name", _ => Text($"Supplier#{_random.Next(1, 1_000_000):000000000}")),
                new("s_address", _ => Text(new TextMaker(_random).Address())),
                new("s_nationkey", _ => Sql.Of(_random.Next(TpchDomains.NationCount))),
                new("s_phone", _ => Text(new TextMaker(_random).Phone(_random.Next(TpchDomains.NationCount)))),
                new("s_acctbal", _ => Money(-999.99m, 9999.99m)),
                new("s_comment", _ => Text(_random.Next(2) == 0 ? new TextMaker(_random).Containing("Customer", "Complaints", 25, 100) : new TextMaker(_random).Sentence(25, 100))),
            ]),
            new("partsupp", PartSupplierKeys,
            [
                // Small quantities make Q20's "more than half of what was shipped" false.
                new("ps_availqty", _ => Sql.Of(_random.Next(2) == 0 ? _random.Next(1, 40) : _random.Next(1, 10_000))),
                new("ps_supplycost", _ => Money(1.00m, 1000.00m)),
            ]),
            new("customer", () => IntegerKeys("c_custkey", 1, customers),
            [
                new("c_name", _ => Text($"Customer#{_random.Next(1, 1_000_000):000000000}")),
                new("c_address", _ => Text(new TextMaker(_random).Address())),
                new("c_nationkey", _ => Sql.Of(_random.Next(TpchDomains.NationCount))),
                new("c_phone", _ => Text(new TextMaker(_random).Phone(_random.Next(TpchDomains.NationCount)))),
                new("c_acctbal", _ => Money(-999.99m, 9999.99m)),
                new("c_mktsegment", _ => Text(TpchGenerator.Pick(_random, TpchDomains.Segments))),
                new("c_comment", _ => Text(new TextMaker(_random).Sentence(29, 116))),
            ]),
            new("orders", () => OrderKeys(),
            [
                // Any customer, also one of those that never ordered (Q13's zero counts, Q22's NOT EXISTS).
                new("o_custkey", _ => Sql.Of(_random.Next(1, customers + 1))),
                new("o_orderstatus", _ => Text(TpchGenerator.Pick(_random, ["F", "O", "P"]))),
                new("o_totalprice", _ => Money(900.00m, 500_000.00m)),
                new("o_orderdate", _ => $"o_orderdate + {Days(90)}"),
                new("o_orderpriority", _ => Text(TpchGenerator.Pick(_random, TpchDomains.Priorities))),
                new("o_shippriority", _ => Sql.Of(_random.Next(2))),
                new("o_comment", _ => Text(_random.Next(2) == 0 ? new TextMaker(_random).Containing("special", "requests", 19, 78) : new TextMaker(_random).Sentence(19, 78))),
            ]),
            new("lineitem", () => LineKeys(),
            [
                // Part and supplier move together: the pair is a foreign key into partsupp.
                new("(l_partkey, l_suppkey)", _ => PartSupplierPair()),
                new("l_quantity", _ => Sql.Of((decimal)_random.Next(1, 51))),
                new("l_extendedprice", _ => Money(900.00m, 105_000.00m)),
                new("l_discount", _ => Sql.Of(_random.Next(0, 11) / 100m)),
                new("l_tax", _ => Sql.Of(_random.Next(0, 9) / 100m)),
                new("l_returnflag", _ => Text(TpchGenerator.Pick(_random, ["R", "A", "N"]))),
                new("l_linestatus", _ => Text(TpchGenerator.Pick(_random, ["O", "F"]))),
                new("l_shipdate", _ => $"l_shipdate + {Days(60)}"),
                new("l_commitdate", _ => $"l_commitdate + {Days(60)}"),
                new("l_receiptdate", _ => $"l_receiptdate + {Days(60)}"),
                new("l_shipinstruct", _ => Text(TpchGenerator.Pick(_random, TpchDomains.ShipInstructions))),
                new("l_shipmode", _ => Text(TpchGenerator.Pick(_random, TpchDomains.ShipModes))),
            ]),
        ];
    }

    private RowChoice IntegerKeys(string column, int first, int last)
    {
        var keys = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => _random.Next(first, last + 1)).Distinct().ToList();
        return new RowChoice($"{column} IN ({string.Join(", ", keys.Select(Sql.Of))})", keys);
    }

    private RowChoice TwoKeys(string column, int count)
    {
        var first = _random.Next(count);
        var second = (first + _random.Next(1, count)) % count;
        return new RowChoice($"{column} IN ({Sql.Of(first)}, {Sql.Of(second)})", [first, second]);
    }

    private RowChoice OrderKeys()
    {
        var keys = PickLiveOrders().ToList();
        return new RowChoice($"o_orderkey IN ({(keys.Count == 0 ? "NULL" : string.Join(", ", keys.Select(Sql.Of)))})", keys);
    }

    private RowChoice LineKeys()
    {
        var pairs = PickLiveOrders().Select(order => $"({Sql.Of(order)}, {Sql.Of(_random.Next(1, _liveOrderLines[order] + 1))})").ToList();
        return new RowChoice(pairs.Count == 0 ? "FALSE" : $"(l_orderkey, l_linenumber) IN ({string.Join(", ", pairs)})", []);
    }

    private RowChoice PartSupplierKeys()
    {
        var offers = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => _data.PartSuppliers[_random.Next(_data.PartSuppliers.Count)]).Distinct();
        return new RowChoice($"(ps_partkey, ps_suppkey) IN ({string.Join(", ", offers.Select(o => $"({Sql.Of(o.PartKey)}, {Sql.Of(o.SupplierKey)})"))})", []);
    }

    private IEnumerable<int> PickLiveOrders()
    {
        if (_liveOrderLines.Count == 0)
            return [];
        var live = _liveOrderLines.Keys.ToList();
        return Enumerable.Range(0, _random.Next(1, 4)).Select(_ => live[_random.Next(live.Count)]).Distinct();
    }

    /// <summary>Two rows trade values: the subquery reads the statement's snapshot, before either row changed.</summary>
    private static string Swap(string table, string column, string key, IReadOnlyList<int> keys) =>
        $"(SELECT other.{column} FROM {table} AS other WHERE other.{key} = {Sql.Of(keys[0] + keys[1])} - {table}.{key})";

    private string PartSupplierPair()
    {
        var offer = _data.PartSuppliers[_random.Next(_data.PartSuppliers.Count)];
        return $"({Sql.Of(offer.PartKey)}, {Sql.Of(offer.SupplierKey)})";
    }

    /// <summary>Names made of the color words, often with Q20's leading "forest" or Q9's "green".</summary>
    private string PartName()
    {
        var words = Enumerable.Range(0, 5).Select(_ => TpchGenerator.Pick(_random, TpchDomains.Colors)).ToArray();
        switch (_random.Next(3))
        {
            case 0: words[0] = "forest"; break;
            case 1: words[_random.Next(5)] = "green"; break;
        }
        return string.Join(' ', words);
    }

    private string Days(int most)
    {
        var days = _random.Next(-most, most + 1);
        return days.ToString(CultureInfo.InvariantCulture);
    }

    private string Money(decimal low, decimal high) => Sql.Of(new TextMaker(_random).Money(low, high));

    private static string Text(string value) => Sql.Of(value);

    private sealed record RowChoice(string Predicate, IReadOnlyList<int> Keys);

    private sealed record UpdatableColumn(string Target, Func<IReadOnlyList<int>, string> Value);

    private sealed record UpdatableTable(string Name, Func<RowChoice> ChooseRows, IReadOnlyList<UpdatableColumn> Columns);
}
