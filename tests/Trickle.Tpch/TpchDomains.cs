namespace Trickle.Tpch;

/// <summary>The value domains the TPC-H specification defines for its columns (facts of the specification).</summary>
public static class TpchDomains
{
    public const int NationCount = 25;

    public static readonly IReadOnlyList<string> Regions = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"];

    /// <summary>The nations in key order, each with its region's key.</summary>
    public static readonly IReadOnlyList<(string Name, int RegionKey)> Nations =
    [
        ("ALGERIA", 0), ("ARGENTINA", 1), ("BRAZIL", 1), ("CANADA", 1), ("EGYPT", 4),
        ("ETHIOPIA", 0), ("FRANCE", 3), ("GERMANY", 3), ("INDIA", 2), ("INDONESIA", 2),
        ("IRAN", 4), ("IRAQ", 4), ("JAPAN", 2), ("JORDAN", 4), ("KENYA", 0),
        ("MOROCCO", 0), ("MOZAMBIQUE", 0), ("PERU", 1), ("CHINA", 2), ("ROMANIA", 3),
        ("SAUDI ARABIA", 4), ("VIETNAM", 2), ("RUSSIA", 3), ("UNITED KINGDOM", 3), ("UNITED STATES", 1),
    ];

    /// <summary>The words part names are made of: five distinct ones per part.</summary>
    public static readonly IReadOnlyList<string> Colors =
    [
        "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue", "blush", "brown",
        "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral", "cornflower", "cornsilk", "cream", "cyan",
        "dark", "deep", "dim", "dodger", "drab", "firebrick", "floral", "forest", "frosted", "gainsboro", "ghost",
        "goldenrod", "green", "grey", "honeydew", "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon",
        "light", "lime", "linen", "magenta", "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin",
        "navajo", "navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder",
        "puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell", "sienna", "sky",
        "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato", "turquoise", "violet", "wheat",
        "white", "yellow",
    ];

    public static readonly IReadOnlyList<string> TypeSizes = ["STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"];
    public static readonly IReadOnlyList<string> TypeFinishes = ["ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"];
    public static readonly IReadOnlyList<string> TypeMaterials = ["TIN", "NICKEL", "BRASS", "STEEL", "COPPER"];

    public static readonly IReadOnlyList<string> ContainerSizes = ["SM", "LG", "MED", "JUMBO", "WRAP"];
    public static readonly IReadOnlyList<string> ContainerKinds = ["CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"];

    public static readonly IReadOnlyList<string> Segments = ["AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"];
    public static readonly IReadOnlyList<string> Priorities = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"];
    public static readonly IReadOnlyList<string> ShipInstructions = ["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"];
    public static readonly IReadOnlyList<string> ShipModes = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"];

    public static readonly DateOnly StartDate = new(1992, 1, 1);
    public static readonly DateOnly EndDate = new(1998, 12, 31);

    /// <summary>The day the data set is "as of": shipped later means still open, received earlier means returnable.</summary>
    public static readonly DateOnly CurrentDate = new(1995, 6, 17);

    /// <summary>Phone numbers start with the nation's key plus 10: the country code Q22 filters on.</summary>
    public static int CountryCode(int nationKey) => nationKey + 10;
}
