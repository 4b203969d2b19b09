using System.Text;

namespace Trickle.Tpch;

/// <summary>
/// A deterministic TPC-H-shaped data set: the same scale and seed give the same rows, byte for byte. Our own generator
/// (not dbgen): the specification's value domains and key structure, uniform draws, and a few documented skews that a
/// data set of a few hundred orders needs for every query's validation parameters to select rows — at the
/// specification's scale the volume alone does that. The skews:
/// <list type="bullet">
/// <item>Every fourth part follows a <see cref="PartProfile"/>: the part attributes one query's parameters ask for
/// (Q2's size 15 brass parts, Q8's type, Q17's brand and container, Q19's three branches, Q20's "forest" names).</item>
/// <item>A quarter of line items are bought from a supplier of the customer's own nation (Q5), a quarter from one of its
/// region (Q7's French-German trade), a quarter are of the profiled parts; line items of Q17/Q19 parts lean to the
/// quantities, ship modes and instructions those queries select, and Q2/Q20 parts have a supplier in Europe/Canada.
/// Orders ship within two months, so most lines arrive on time and Q21's lone late supplier occurs.</item>
/// <item>One order in 40 is a bulk order of seven lines of 40 to 50 units, so Q18's sum over 300 holds for some and is
/// near the threshold for others; one order comment in 8 mentions special requests (Q13); one supplier in 10 has a
/// complaints comment (Q16).</item>
/// </list>
/// As the specification has it, customers whose key is a multiple of 3 never order (Q13, Q22) and every nation has
/// suppliers and customers (assigned round-robin over a seeded shuffle of the nations).
/// </summary>
public static class TpchGenerator
{
    public static TpchData Generate(TpchScale scale, int seed)
    {
        var random = new Random(seed);
        var text = new TextMaker(random);

        var regions = TpchDomains.Regions.Select((name, key) => new RegionRow(key, name, text.Sentence(31, 115))).ToList();
        var nations = TpchDomains.Nations.Select((nation, key) => new NationRow(key, nation.Name, nation.RegionKey, text.Sentence(31, 114))).ToList();

        var supplierNations = Shuffle(random, Enumerable.Range(0, TpchDomains.NationCount).ToArray());
        var suppliers = new List<SupplierRow>();
        for (var key = 1; key <= scale.Suppliers; key++)
        {
            var nation = supplierNations[(key - 1) % TpchDomains.NationCount];
            var comment = key % 10 == 3 ? text.Containing("Customer", "Complaints", 25, 100) : text.Sentence(25, 100);
            suppliers.Add(new SupplierRow(key, $"Supplier#{key:000000000}", text.Address(), nation, text.Phone(nation),
                text.Money(-999.99m, 9999.99m), comment));
        }

        var parts = new List<PartRow>();
        var profiles = new Dictionary<int, PartProfile>();
        for (var key = 1; key <= scale.Parts; key++)
        {
            var profile = PartProfiles.Of(key);
            if (profile != PartProfile.None)
                profiles[key] = profile;
            parts.Add(PartProfiles.Apply(profile, random, NewPart(key, random, text)));
        }

        var partSuppliers = new List<PartSupplierRow>();
        foreach (var part in parts)
        {
            foreach (var supplierKey in SuppliersOf(part.Key, profiles.GetValueOrDefault(part.Key), suppliers, random))
                partSuppliers.Add(new PartSupplierRow(part.Key, supplierKey, random.Next(1, 10_000), text.Money(1.00m, 1000.00m), text.Sentence(49, 198)));
        }

        var customerNations = Shuffle(random, Enumerable.Range(0, TpchDomains.NationCount).ToArray());
        var customers = new List<CustomerRow>();
        for (var key = 1; key <= scale.Customers; key++)
        {
            var nation = customerNations[(key - 1) % TpchDomains.NationCount];
            customers.Add(new CustomerRow(key, $"Customer#{key:000000000}", text.Address(), nation, text.Phone(nation),
                text.Money(-999.99m, 9999.99m), TpchDomains.Segments[random.Next(TpchDomains.Segments.Count)], text.Sentence(29, 116)));
        }

        var data = new TpchData(scale, seed, regions, nations, parts, suppliers, partSuppliers, customers, profiles);
        var factory = new OrderFactory(data, random);
        for (var key = 1; key <= scale.Orders; key++)
            data.AddOrder(factory.Create(key));
        return data;
    }

    private static PartRow NewPart(int key, Random random, TextMaker text)
    {
        var words = new List<string>();
        while (words.Count < 5)
        {
            var word = TpchDomains.Colors[random.Next(TpchDomains.Colors.Count)];
            if (!words.Contains(word))
                words.Add(word);
        }
        var manufacturer = random.Next(1, 6);
        return new PartRow(
            key,
            string.Join(' ', words),
            $"Manufacturer#{manufacturer}",
            $"Brand#{manufacturer}{random.Next(1, 6)}",
            $"{Pick(random, TpchDomains.TypeSizes)} {Pick(random, TpchDomains.TypeFinishes)} {Pick(random, TpchDomains.TypeMaterials)}",
            random.Next(1, 51),
            $"{Pick(random, TpchDomains.ContainerSizes)} {Pick(random, TpchDomains.ContainerKinds)}",
            RetailPrice(key),
            text.Sentence(5, 22));
    }

    /// <summary>The specification's formula: a price that varies with the key, between 900 and about 2,100.</summary>
    private static decimal RetailPrice(int partKey) => (90_000 + partKey / 10 % 20_001 + 100 * (partKey % 1000)) / 100m;

    /// <summary>
    /// Four distinct suppliers a quarter of the suppliers apart, shifted per round of parts so that each supplier's
    /// parts vary. A Q2 or Q20 part without a supplier in the region or nation its query filters on gets one in place
    /// of its first.
    /// </summary>
    private static IReadOnlyList<int> SuppliersOf(int partKey, PartProfile profile, IReadOnlyList<SupplierRow> suppliers, Random random)
    {
        var count = suppliers.Count;
        var stride = Math.Max(1, count / 4);
        var keys = Enumerable.Range(0, 4).Select(i => (partKey - 1 + i * stride + (partKey - 1) / count) % count + 1).Distinct().ToList();
        if (PartProfiles.RequiredSupplier(profile) is { } required
            && !keys.Any(key => required(suppliers[key - 1])))
        {
            var candidates = suppliers.Where(supplier => required(supplier) && !keys.Contains(supplier.Key)).ToList();
            keys[0] = candidates[random.Next(candidates.Count)].Key;
        }
        return keys;
    }

    internal static T Pick<T>(Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];

    private static int[] Shuffle(Random random, int[] values)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
        return values;
    }
}

/// <summary>The query whose validation parameters a part is made to match (see <see cref="TpchGenerator"/>).</summary>
public enum PartProfile
{
    None,
    Q2SizeFifteenBrass,
    Q8EconomyAnodizedSteel,
    Q17Brand23MediumBox,
    Q19Brand12Small,
    Q19Brand23Medium,
    Q19Brand34Large,
    Q20Forest,
}

internal static class PartProfiles
{
    private static readonly PartProfile[] Cycle = Enum.GetValues<PartProfile>().Where(profile => profile != PartProfile.None).ToArray();

    private const int CanadaKey = 3;
    private const int EuropeKey = 3;

    /// <summary>Every fourth part, the profiles taken in turn.</summary>
    public static PartProfile Of(int partKey) => partKey % 4 == 0 ? Cycle[(partKey / 4 - 1) % Cycle.Length] : PartProfile.None;

    public static PartRow Apply(PartProfile profile, Random random, PartRow part) => profile switch
    {
        PartProfile.None => part,
        PartProfile.Q2SizeFifteenBrass => part with { Size = 15, Type = part.Type[..part.Type.LastIndexOf(' ')] + " BRASS" },
        PartProfile.Q8EconomyAnodizedSteel => part with { Type = "ECONOMY ANODIZED STEEL" },
        PartProfile.Q17Brand23MediumBox => WithBrand(part, 2, 3) with { Container = "MED BOX" },
        PartProfile.Q19Brand12Small => WithBrand(part, 1, 2) with { Container = TpchGenerator.Pick(random, Q19SmallContainers), Size = random.Next(1, 6) },
        PartProfile.Q19Brand23Medium => WithBrand(part, 2, 3) with { Container = TpchGenerator.Pick(random, Q19MediumContainers), Size = random.Next(1, 11) },
        PartProfile.Q19Brand34Large => WithBrand(part, 3, 4) with { Container = TpchGenerator.Pick(random, Q19LargeContainers), Size = random.Next(1, 16) },
        PartProfile.Q20Forest => part with { Name = "forest " + string.Join(' ', part.Name.Split(' ').Where(word => word != "forest").Take(4)) },
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, null),
    };

    /// <summary>Q2 keeps the cheapest European offer, Q20 Canadian suppliers: such a part has one.</summary>
    public static Func<SupplierRow, bool>? RequiredSupplier(PartProfile profile) => profile switch
    {
        PartProfile.Q2SizeFifteenBrass => supplier => TpchDomains.Nations[supplier.NationKey].RegionKey == EuropeKey,
        PartProfile.Q20Forest => supplier => supplier.NationKey == CanadaKey,
        _ => null,
    };

    /// <summary>Q20 sums what the Canadian supplier shipped of the part: half of the part's line items come from it.</summary>
    public static int? PreferredSupplier(PartProfile profile, IReadOnlyList<SupplierRow> suppliers, IEnumerable<int> supplierKeys) =>
        profile == PartProfile.Q20Forest ? supplierKeys.First(key => suppliers[key - 1].NationKey == CanadaKey) : null;

    private static PartRow WithBrand(PartRow part, int manufacturer, int brand) =>
        part with { Manufacturer = $"Manufacturer#{manufacturer}", Brand = $"Brand#{manufacturer}{brand}" };

    private static readonly string[] Q19SmallContainers = ["SM CASE", "SM BOX", "SM PACK", "SM PKG"];
    private static readonly string[] Q19MediumContainers = ["MED BAG", "MED BOX", "MED PKG", "MED PACK"];
    private static readonly string[] Q19LargeContainers = ["LG CASE", "LG BOX", "LG PACK", "LG PKG"];
}

/// <summary>Comments, addresses, phone numbers and amounts: random, but never the words the queries search for.</summary>
internal sealed class TextMaker(Random random)
{
    // A vocabulary of our own; none of it matches a query's LIKE pattern, which only the skews put in.
    private static readonly string[] Words =
    [
        "prompt", "late", "steady", "careful", "quiet", "bold", "plain", "final", "pending", "regular", "even", "slow",
        "parcels", "crates", "invoices", "notes", "shipments", "accounts", "pallets", "dealers", "ledgers", "bundles",
        "arrive", "wait", "move", "sleep", "check", "print", "haul", "stack", "about", "after", "along", "beside",
        "under", "over", "near", "past",
    ];

    private const string AddressCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,";

    public string Sentence(int minLength, int maxLength)
    {
        var target = random.Next(minLength, maxLength + 1);
        var builder = new StringBuilder();
        while (builder.Length < target)
        {
            if (builder.Length > 0)
                builder.Append(' ');
            builder.Append(Words[random.Next(Words.Length)]);
        }
        return builder.ToString(0, Math.Min(builder.Length, maxLength)).TrimEnd();
    }

    /// <summary>A sentence with <paramref name="first"/> and later <paramref name="second"/> in it (LIKE '%first%second%').</summary>
    public string Containing(string first, string second, int minLength, int maxLength)
    {
        var middle = $"{first} {Words[random.Next(Words.Length)]} {second}";
        var room = Math.Max(0, maxLength - middle.Length - 2);
        var before = Sentence(0, room / 2);
        var after = Sentence(Math.Max(0, minLength - middle.Length - before.Length), room / 2);
        return string.Join(' ', new[] { before, middle, after }.Where(part => part.Length > 0));
    }

    public string Address()
    {
        var length = random.Next(10, 41);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
            chars[i] = AddressCharacters[random.Next(AddressCharacters.Length)];
        return new string(chars).Trim() is { Length: > 0 } trimmed ? trimmed : "0";
    }

    public string Phone(int nationKey) =>
        $"{TpchDomains.CountryCode(nationKey)}-{random.Next(100, 1000)}-{random.Next(100, 1000)}-{random.Next(1000, 10_000)}";

    /// <summary>A uniform amount in cents between the bounds, inclusive.</summary>
    public decimal Money(decimal low, decimal high) => random.NextInt64((long)(low * 100), (long)(high * 100) + 1) / 100m;
}
