using System.Text;

namespace Trickle.Postgres;

/// <summary>The one place the test and benchmark infrastructure quotes identifiers and literals.</summary>
public static class SqlText
{
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    public static string Literal(string value) =>
        // standard_conforming_strings is on in every supported version, so doubling quotes is the whole story.
        "'" + value.Replace("'", "''") + "'";

    /// <summary>Removes trailing semicolons and whitespace so a query can be nested in parentheses.</summary>
    public static string AsSubquery(string query)
    {
        var text = query.TrimEnd();
        while (text.EndsWith(';'))
            text = text[..^1].TrimEnd();
        return text;
    }

    public static string Indent(string text, string prefix = "    ")
    {
        var builder = new StringBuilder();
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
            builder.Append(prefix).Append(line).Append('\n');
        return builder.ToString().TrimEnd('\n');
    }
}
