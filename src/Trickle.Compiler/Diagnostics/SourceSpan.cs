namespace Trickle.Compiler.Diagnostics;

/// <summary>
/// A region of a source file. Line and column are 1-based and count UTF-16 code units, as C# compilers report them.
/// </summary>
public readonly record struct SourceSpan(int Start, int Length, int Line, int Column)
{
    public static readonly SourceSpan None = new(0, 0, 1, 1);

    public int End => Start + Length;

    /// <summary>The smallest span covering both spans.</summary>
    public SourceSpan Cover(SourceSpan other)
    {
        var first = other.Start < Start ? other : this;
        var end = Math.Max(End, other.End);
        return first with { Length = end - first.Start };
    }
}
