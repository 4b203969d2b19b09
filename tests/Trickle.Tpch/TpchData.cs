using System.Text;

namespace Trickle.Tpch;

/// <summary>A generated data set (see <see cref="TpchGenerator"/>): the rows of the eight tables.</summary>
public sealed class TpchData
{
    private readonly List<OrderRow> _orders = [];
    private readonly List<LineItemRow> _lineItems = [];

    internal TpchData(TpchScale scale, int seed, IReadOnlyList<RegionRow> regions, IReadOnlyList<NationRow> nations, IReadOnlyList<PartRow> parts,
        IReadOnlyList<SupplierRow> suppliers, IReadOnlyList<PartSupplierRow> partSuppliers, IReadOnlyList<CustomerRow> customers,
        IReadOnlyDictionary<int, PartProfile> profiles)
    {
        Scale = scale;
        Seed = seed;
        Regions = regions;
        Nations = nations;
        Parts = parts;
        Suppliers = suppliers;
        PartSuppliers = partSuppliers;
        Customers = customers;
        Profiles = profiles;
    }

    public TpchScale Scale { get; }

    public int Seed { get; }

    public IReadOnlyList<RegionRow> Regions { get; }

    public IReadOnlyList<NationRow> Nations { get; }

    public IReadOnlyList<PartRow> Parts { get; }

    public IReadOnlyList<SupplierRow> Suppliers { get; }

    public IReadOnlyList<PartSupplierRow> PartSuppliers { get; }

    public IReadOnlyList<CustomerRow> Customers { get; }

    public IReadOnlyList<OrderRow> Orders => _orders;

    public IReadOnlyList<LineItemRow> LineItems => _lineItems;

    /// <summary>The parts made to match a query's validation parameters, by part key.</summary>
    public IReadOnlyDictionary<int, PartProfile> Profiles { get; }

    /// <summary>The schema: CREATE TABLE statements with primary and foreign keys (<c>tpch-schema.sql</c>).</summary>
    public static string SchemaDdl { get; } = TpchResources.Read("tpch-schema.sql");

    /// <summary>The tables in an order that inserts parents before children (delete in reverse).</summary>
    public static IReadOnlyList<string> Tables { get; } = ["region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem"];

    /// <summary>INSERT statements for every row, parents first, so the foreign keys hold after each statement.</summary>
    public string ToInsertSql()
    {
        var builder = new StringBuilder();
        foreach (var rows in new IReadOnlyList<ITpchRow>[] { Regions, Nations, Parts, Suppliers, PartSuppliers, Customers, Orders, LineItems })
            builder.Append(Sql.Inserts(rows));
        return builder.ToString();
    }

    internal void AddOrder((OrderRow Order, IReadOnlyList<LineItemRow> Lines) order)
    {
        _orders.Add(order.Order);
        _lineItems.AddRange(order.Lines);
    }
}

/// <summary>
/// Makes an order and its line items from the reference data (customers, parts, suppliers): used for the initial
/// orders and for the new orders of RF1, so both have the same distributions.
/// </summary>
internal sealed class OrderFactory
{
    private const int LastOrderDayOffset = 151;

    /// <summary>
    /// Orders ship within two months (the specification allows four): with deliveries due 30 to 90 days after the order,
    /// about a quarter of the lines arrive late, so Q21's "the only late supplier of a multi-supplier order" happens.
    /// </summary>
    private const int ShipDaysMost = 60;

    private readonly TpchData _data;
    private readonly Random _random;
    private readonly TextMaker _text;
    private readonly IReadOnlyList<CustomerRow> _orderingCustomers;
    private readonly ILookup<int, SupplierRow> _suppliersByNation;
    private readonly ILookup<int, SupplierRow> _suppliersByRegion;
    private readonly ILookup<int, int> _partsBySupplier;
    private readonly ILookup<int, int> _suppliersByPart;
    private readonly IReadOnlyList<int> _profiledParts;
    private readonly int _clerks;

    public OrderFactory(TpchData data, Random random)
    {
        _data = data;
        _random = random;
        _text = new TextMaker(random);
        // The specification's rule: a third of the customers (keys divisible by 3) never place an order.
        _orderingCustomers = data.Customers.Where(customer => customer.Key % 3 != 0).ToList();
        _suppliersByNation = data.Suppliers.ToLookup(supplier => supplier.NationKey);
        _suppliersByRegion = data.Suppliers.ToLookup(supplier => TpchDomains.Nations[supplier.NationKey].RegionKey);
        _partsBySupplier = data.PartSuppliers.ToLookup(offer => offer.SupplierKey, offer => offer.PartKey);
        _suppliersByPart = data.PartSuppliers.ToLookup(offer => offer.PartKey, offer => offer.SupplierKey);
        _profiledParts = data.Profiles.Keys.Order().ToList();
        _clerks = Math.Max(1, data.Scale.Orders / 1500);
    }

    public (OrderRow Order, IReadOnlyList<LineItemRow> Lines) Create(int orderKey)
    {
        var customer = _orderingCustomers[_random.Next(_orderingCustomers.Count)];
        var days = TpchDomains.EndDate.DayNumber - LastOrderDayOffset - TpchDomains.StartDate.DayNumber;
        var orderDate = TpchDomains.StartDate.AddDays(_random.Next(days + 1));
        // A bulk order: seven lines of 40 to 50 units, 280 to 350 in all, on both sides of Q18's 300.
        var bulk = _random.Next(40) == 0;
        var lineCount = bulk ? 7 : _random.Next(1, 8);
        var lines = new List<LineItemRow>(lineCount);
        for (var lineNumber = 1; lineNumber <= lineCount; lineNumber++)
            lines.Add(CreateLine(orderKey, lineNumber, orderDate, customer.NationKey, bulk));

        var status = lines.All(line => line.LineStatus == "F") ? "F" : lines.All(line => line.LineStatus == "O") ? "O" : "P";
        var total = lines.Sum(line => Math.Round(line.ExtendedPrice * (1 + line.Tax) * (1 - line.Discount), 2));
        var comment = _random.Next(8) == 0 ? _text.Containing("special", "requests", 19, 78) : _text.Sentence(19, 78);
        var order = new OrderRow(orderKey, customer.Key, status, total, orderDate, TpchGenerator.Pick(_random, TpchDomains.Priorities),
            $"Clerk#{_random.Next(1, _clerks + 1):000000000}", 0, comment);
        return (order, lines);
    }

    private LineItemRow CreateLine(int orderKey, int lineNumber, DateOnly orderDate, int customerNation, bool bulk)
    {
        var (partKey, supplierKey) = ChooseOffer(customerNation);
        var profile = _data.Profiles.GetValueOrDefault(partKey);
        var quantity = bulk ? _random.Next(40, 51) : _random.Next(1, 51);
        var shipInstruction = TpchGenerator.Pick(_random, TpchDomains.ShipInstructions);
        var shipMode = TpchGenerator.Pick(_random, TpchDomains.ShipModes);
        if (!bulk && Q19Quantities(profile) is { } range && _random.Next(2) == 0)
        {
            quantity = _random.Next(range.Low, range.High + 1);
            shipInstruction = "DELIVER IN PERSON";
            shipMode = TpchGenerator.Pick(_random, ["AIR", "AIR REG"]);
        }
        else if (!bulk && profile == PartProfile.Q17Brand23MediumBox && _random.Next(4) == 0)
        {
            // Q17 sums the lines under a fifth of the part's average quantity.
            quantity = _random.Next(1, 4);
        }

        var shipDate = orderDate.AddDays(_random.Next(1, ShipDaysMost + 1));
        var commitDate = orderDate.AddDays(_random.Next(30, 91));
        var receiptDate = shipDate.AddDays(_random.Next(1, 31));
        var returnFlag = receiptDate <= TpchDomains.CurrentDate ? (_random.Next(2) == 0 ? "R" : "A") : "N";
        var lineStatus = shipDate > TpchDomains.CurrentDate ? "O" : "F";
        return new LineItemRow(orderKey, partKey, supplierKey, lineNumber, quantity, quantity * _data.Parts[partKey - 1].RetailPrice,
            _random.Next(0, 11) / 100m, _random.Next(0, 9) / 100m, returnFlag, lineStatus, shipDate, commitDate, receiptDate,
            shipInstruction, shipMode, _text.Sentence(10, 43));
    }

    /// <summary>
    /// A quarter of the lines from a supplier of the customer's nation (Q5 joins them), a quarter from one of its region
    /// (Q7's French and German trade), a quarter of a profiled part, the rest of any part; then one of the part's four
    /// suppliers, Q20's Canadian one for half of a forest part's lines.
    /// </summary>
    private (int PartKey, int SupplierKey) ChooseOffer(int customerNation)
    {
        var roll = _random.Next(8);
        var local = roll switch
        {
            < 2 => _suppliersByNation[customerNation].ToList(),
            < 4 => _suppliersByRegion[TpchDomains.Nations[customerNation].RegionKey].ToList(),
            _ => [],
        };
        if (local.Count > 0)
        {
            var supplier = local[_random.Next(local.Count)];
            var parts = _partsBySupplier[supplier.Key].ToList();
            return (parts[_random.Next(parts.Count)], supplier.Key);
        }
        var partKey = roll < 6 ? _profiledParts[_random.Next(_profiledParts.Count)] : _random.Next(1, _data.Parts.Count + 1);
        var suppliers = _suppliersByPart[partKey].ToList();
        if (PartProfiles.PreferredSupplier(_data.Profiles.GetValueOrDefault(partKey), _data.Suppliers, suppliers) is { } preferred
            && _random.Next(2) == 0)
            return (partKey, preferred);
        return (partKey, suppliers[_random.Next(suppliers.Count)]);
    }

    private static (int Low, int High)? Q19Quantities(PartProfile profile) => profile switch
    {
        PartProfile.Q19Brand12Small => (1, 11),
        PartProfile.Q19Brand23Medium => (10, 20),
        PartProfile.Q19Brand34Large => (20, 30),
        _ => null,
    };
}
