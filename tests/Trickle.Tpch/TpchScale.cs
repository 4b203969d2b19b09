namespace Trickle.Tpch;

/// <summary>
/// How many rows the generated tables get. Line items follow from the orders (one to seven each, four on average),
/// part suppliers from the parts (four each); nations (25) and regions (5) are fixed.
/// </summary>
public sealed record TpchScale(int Customers, int Orders, int Parts, int Suppliers)
{
    /// <summary>
    /// The specification's proportions at <paramref name="factor"/> (1 is 1.5 million orders), with floors so that a
    /// tiny factor still has two suppliers per nation (every nation-filtered query finds suppliers) and enough parts
    /// for every validation profile of <see cref="TpchGenerator"/> to have several.
    /// </summary>
    public static TpchScale FromFactor(double factor)
    {
        if (!(factor > 0))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "the scale factor must be positive");
        var customers = Math.Max(MinimumCustomers, (int)Math.Round(150_000 * factor));
        return new TpchScale(
            Customers: customers,
            Orders: Math.Max(customers, (int)Math.Round(1_500_000 * factor)),
            Parts: Math.Max(MinimumParts, (int)Math.Round(200_000 * factor)),
            Suppliers: Math.Max(MinimumSuppliers, (int)Math.Round(10_000 * factor)));
    }

    /// <summary>What CI runs: 600 orders, about 2,400 line items; every query's validation parameters select rows.</summary>
    public static TpchScale Ci { get; } = FromFactor(0.0004);

    private const int MinimumCustomers = 30;
    private const int MinimumParts = 200;
    private const int MinimumSuppliers = 2 * TpchDomains.NationCount;
}
