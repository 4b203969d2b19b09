using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Trickle.Generators;

/// <summary>C# names for SQL names: order_totals → OrderTotals, made unique and never a member the record already has.</summary>
internal static class CSharpNames
{
    private static readonly HashSet<string> RecordMembers = new()
    {
        "InstallScript", "StreamTableName", "SelectSql", "ReadAllAsync", "ReadListAsync", "EqualityContract", "Equals",
        "GetHashCode", "ToString", "PrintMembers", "Deconstruct", "Clone", "GetType", "MemberwiseClone", "Finalize",
    };

    public static string Pascal(string sqlName)
    {
        var builder = new StringBuilder();
        foreach (var part in Split(sqlName))
            builder.Append(char.ToUpperInvariant(part[0])).Append(part.Substring(1));
        var name = builder.ToString();
        if (name.Length == 0) return "";
        return char.IsDigit(name[0]) ? "_" + name : name;
    }

    /// <summary>Property names for the columns: unique, not the type's own name, not a member every record has.</summary>
    public static IReadOnlyList<string> Properties(IEnumerable<string> columns, string typeName)
    {
        var used = new HashSet<string>(RecordMembers) { typeName };
        var names = new List<string>();
        var index = 0;
        foreach (var column in columns)
        {
            index++;
            var baseName = Pascal(column);
            if (baseName.Length == 0) baseName = "Column" + index;
            var name = used.Contains(baseName) ? baseName + "Value" : baseName;
            for (var suffix = 2; !used.Add(name); suffix++) name = baseName + suffix;
            names.Add(name);
        }
        return names;
    }

    private static IEnumerable<string> Split(string text)
    {
        var current = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c)) current.Append(c);
            else if (current.Length > 0) { yield return current.ToString(); current.Clear(); }
        }
        if (current.Length > 0) yield return current.ToString();
    }

    /// <summary>A C# verbatim string literal of <paramref name="text"/>, line endings normalised to LF.</summary>
    public static string Verbatim(string text) => "@\"" + text.Replace("\r\n", "\n").Replace("\"", "\"\"") + "\"";
}
