using System.Globalization;
using System.Text;
using Trickle.Postgres;

namespace Trickle.Tpch;

/// <summary>A generated row: its table and its values as SQL literals in column order.</summary>
public interface ITpchRow
{
    string Table { get; }

    IEnumerable<string> SqlValues();
}

public sealed record RegionRow(int Key, string Name, string Comment) : ITpchRow
{
    public string Table => "region";

    public IEnumerable<string> SqlValues() => [Sql.Of(Key), Sql.Of(Name), Sql.Of(Comment)];
}

public sealed record NationRow(int Key, string Name, int RegionKey, string Comment) : ITpchRow
{
    public string Table => "nation";

    public IEnumerable<string> SqlValues() => [Sql.Of(Key), Sql.Of(Name), Sql.Of(RegionKey), Sql.Of(Comment)];
}

public sealed record PartRow(int Key, string Name, string Manufacturer, string Brand, string Type, int Size, string Container,
    decimal RetailPrice, string Comment) : ITpchRow
{
    public string Table => "part";

    public IEnumerable<string> SqlValues() =>
        [Sql.Of(Key), Sql.Of(Name), Sql.Of(Manufacturer), Sql.Of(Brand), Sql.Of(Type), Sql.Of(Size), Sql.Of(Container), Sql.Of(RetailPrice), Sql.Of(Comment)];
}

public sealed record SupplierRow(int Key, string Name, string Address, int NationKey, string Phone, decimal AccountBalance, string Comment) : ITpchRow
{
    public string Table => "supplier";

    public IEnumerable<string> SqlValues() =>
        [Sql.Of(Key), Sql.Of(Name), Sql.Of(Address), Sql.Of(NationKey), Sql.Of(Phone), Sql.Of(AccountBalance), Sql.Of(Comment)];
}

public sealed record PartSupplierRow(int PartKey, int SupplierKey, int AvailableQuantity, decimal SupplyCost, string Comment) : ITpchRow
{
    public string Table => "partsupp";

    public IEnumerable<string> SqlValues() =>
        [Sql.Of(PartKey), Sql.Of(SupplierKey), Sql.Of(AvailableQuantity), Sql.Of(SupplyCost), Sql.Of(Comment)];
}

public sealed record CustomerRow(int Key, string Name, string Address, int NationKey, string Phone, decimal AccountBalance, string Segment,
    string Comment) : ITpchRow
{
    public string Table => "customer";

    public IEnumerable<string> SqlValues() =>
        [Sql.Of(Key), Sql.Of(Name), Sql.Of(Address), Sql.Of(NationKey), Sql.Of(Phone), Sql.Of(AccountBalance), Sql.Of(Segment), Sql.Of(Comment)];
}

public sealed record OrderRow(int Key, int CustomerKey, string Status, decimal TotalPrice, DateOnly OrderDate, string Priority, string Clerk,
    int ShipPriority, string Comment) : ITpchRow
{
    public string Table => "orders";

    public IEnumerable<string> SqlValues() =>
        [Sql.Of(Key), Sql.Of(CustomerKey), Sql.Of(Status), Sql.Of(TotalPrice), Sql.Of(OrderDate), Sql.Of(Priority), Sql.Of(Clerk), Sql.Of(ShipPriority), Sql.Of(Comment)];
}

public sealed record LineItemRow(int OrderKey, int PartKey, int SupplierKey, int LineNumber, decimal Quantity, decimal ExtendedPrice,
    decimal Discount, decimal Tax, string ReturnFlag, string LineStatus, DateOnly ShipDate, DateOnly CommitDate, DateOnly ReceiptDate,
    string ShipInstruction, string ShipMode, string Comment) : ITpchRow
{
    public string Table => "lineitem";

    public IEnumerable<string> SqlValues() =>
    [
        Sql.Of(OrderKey), Sql.Of(PartKey), Sql.Of(SupplierKey), Sql.Of(LineNumber), Sql.Of(Quantity), Sql.Of(ExtendedPrice), Sql.Of(Discount),
        Sql.Of(Tax), Sql.Of(ReturnFlag), Sql.Of(LineStatus), Sql.Of(ShipDate), Sql.Of(CommitDate), Sql.Of(ReceiptDate), Sql.Of(ShipInstruction),
        Sql.Of(ShipMode), Sql.Of(Comment),
    ];
}

/// <summary>SQL literals of the generated values, culture-independent.</summary>
internal static class Sql
{
    public static string Of(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Every generated decimal is money or a rate with two decimals, as the numeric(15,2) columns store it.</summary>
    public static string Of(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Of(DateOnly value) => $"DATE '{value:yyyy-MM-dd}'";

    public static string Of(string value) => SqlText.Literal(value);

    /// <summary>
    /// Multi-row INSERTs of <paramref name="rows"/> (all of one table), at most <paramref name="rowsPerStatement"/> rows
    /// each, every statement ending with a semicolon and a line break.
    /// </summary>
    public static string Inserts(IReadOnlyList<ITpchRow> rows, int rowsPerStatement = 500)
    {
        var builder = new StringBuilder();
        for (var start = 0; start < rows.Count; start += rowsPerStatement)
        {
            builder.Append("INSERT INTO ").Append(rows[start].Table).Append(" VALUES\n");
            var end = Math.Min(rows.Count, start + rowsPerStatement);
            for (var i = start; i < end; i++)
            {
                builder.Append("    (").AppendJoin(", ", rows[i].SqlValues()).Append(')');
                builder.Append(i + 1 < end ? ",\n" : ";\n");
            }
        }
        return builder.ToString();
    }
}
