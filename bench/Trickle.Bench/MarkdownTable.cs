using System.Text;

namespace Trickle.Bench;

/// <summary>A GitHub-flavoured markdown table, built row by row.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public MarkdownTable Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        AppendRow(builder, headers);
        AppendRow(builder, headers.Select(_ => "---").ToArray());
        foreach (var row in _rows)
            AppendRow(builder, row);
        return builder.ToString();
    }

    private static void AppendRow(StringBuilder builder, string[] cells) =>
        builder.Append("| ").Append(string.Join(" | ", cells.Select(cell => cell.Replace("|", "\\|")))).Append(" |\n");
}

/// <summary>A promise the product makes, checked against a measured figure.</summary>
public sealed record Target(string Promise, bool Met)
{
    public override string ToString() => $"{(Met ? "met" : "**missed**")} ({Promise})";
}
