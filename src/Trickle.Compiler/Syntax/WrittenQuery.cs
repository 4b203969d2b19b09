namespace Trickle.Compiler.Syntax;

/// <summary>
/// A definition's query text as written (for the call forms, the content of its string literal; before a column list
/// renames it) and where each of its characters stands in the file. Binding may add to the query text that every
/// recomputation runs (tie-breakers appended to a top-k's ORDER BY); it places its additions at file offsets, which
/// this map turns into places in the text.
/// </summary>
/// <param name="FileOffsets">per character of <paramref name="Text"/>, plus one for its end, its offset in the file;
/// null when the text is a contiguous slice of the file starting at <paramref name="FileStart"/></param>
public sealed record WrittenQuery(string Text, int FileStart, IReadOnlyList<int>? FileOffsets = null)
{
    /// <summary>The index in <see cref="Text"/> of the character at a file offset (or of the text's end); null when the offset is outside it.</summary>
    public int? IndexOf(int fileOffset)
    {
        if (FileOffsets is null)
            return fileOffset - FileStart is var index && index >= 0 && index <= Text.Length ? index : null;
        // The offsets only grow (the literal is read left to right), so a binary search finds the character.
        int low = 0, high = FileOffsets.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (FileOffsets[middle] == fileOffset) return middle;
            if (FileOffsets[middle] < fileOffset) low = middle + 1;
            else high = middle - 1;
        }
        return null;
    }

    /// <summary>The text with each addition inserted at its file offset; an addition made twice (a CTE read twice) is inserted once.</summary>
    public string With(IEnumerable<QueryTextAddition> additions)
    {
        var text = Text;
        foreach (var addition in additions.Distinct().OrderByDescending(a => a.FileOffset))
        {
            if (IndexOf(addition.FileOffset) is not { } index)
                throw new InvalidOperationException($"an addition to the query text at file offset {addition.FileOffset} falls outside the query");
            text = text[..index] + addition.Text + text[index..];
        }
        return text;
    }
}

/// <summary>Text binding adds to the query as written, at a file offset: <c>, 1, 3</c> after a top-k's last ORDER BY item.</summary>
public sealed record QueryTextAddition(int FileOffset, string Text);
