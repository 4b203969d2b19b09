using Antlr4.Runtime;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Parsing;

/// <summary>
/// Turns character offsets of the text given to the lexer into spans of the file the user wrote. For a query
/// written inside a string literal the lexed text is the literal's content; <see cref="_fileOffsets"/> then maps
/// each content character back to where it stands in the file, so diagnostics point into the file.
/// </summary>
internal sealed class SourceMap
{
    private readonly string _fileText;
    private readonly int[] _lineStarts;
    private readonly int[]? _fileOffsets;
    private readonly SourceSpan? _pinned;

    private SourceMap(string fileText, int[] lineStarts, int[]? fileOffsets, SourceSpan? pinned = null)
    {
        _pinned = pinned;
        _fileText = fileText;
        _lineStarts = lineStarts;
        _fileOffsets = fileOffsets;
    }

    public static SourceMap ForFile(string fileText) => new(fileText, ComputeLineStarts(fileText), null);

    /// <summary>
    /// A map for text that was taken out of this file. <paramref name="fileOffsets"/> has one entry per character of
    /// the extracted text plus one for its end.
    /// </summary>
    public SourceMap ForExtractedText(int[] fileOffsets) => new(_fileText, _lineStarts, fileOffsets);

    /// <summary>
    /// A map that places all of a text at one span of another file: a view's definition, parsed where a query reads the
    /// view, is reported at that reference (the definition has no place in the query's file).
    /// </summary>
    public static SourceMap Pinned(SourceSpan span) => new("", [0], null, span);

    public SourceSpan FromOffsets(int start, int endExclusive)
    {
        if (_pinned is { } pinned)
            return pinned;
        var fileStart = ToFileOffset(start);
        var fileEnd = Math.Max(fileStart, ToFileOffset(endExclusive));
        var (line, column) = LineAndColumn(fileStart);
        return new SourceSpan(fileStart, fileEnd - fileStart, line, column);
    }

    public SourceSpan FromToken(IToken token) =>
        token.Type == TokenConstants.EOF
            ? FromOffsets(token.StartIndex, token.StartIndex)
            : FromOffsets(token.StartIndex, token.StopIndex + 1);

    public SourceSpan FromContext(ParserRuleContext context)
    {
        var stop = context.Stop;
        // An empty rule (all parts optional) stops before it starts.
        if (stop is null || stop.StopIndex < context.Start.StartIndex)
            return FromOffsets(context.Start.StartIndex, context.Start.StartIndex);
        return FromOffsets(context.Start.StartIndex, stop.StopIndex + 1);
    }

    public SourceSpan FromTokens(IToken first, IToken last) => FromOffsets(first.StartIndex, last.StopIndex + 1);

    private int ToFileOffset(int offset)
    {
        if (_fileOffsets is null)
            return offset;
        return _fileOffsets[Math.Clamp(offset, 0, _fileOffsets.Length - 1)];
    }

    private (int Line, int Column) LineAndColumn(int fileOffset)
    {
        var index = Array.BinarySearch(_lineStarts, fileOffset);
        if (index < 0)
            index = ~index - 1;
        return (index + 1, fileOffset - _lineStarts[index] + 1);
    }

    private static int[] ComputeLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                continue;
            if (c is '\n' or '\r')
                starts.Add(i + 1);
        }
        return starts.ToArray();
    }
}
