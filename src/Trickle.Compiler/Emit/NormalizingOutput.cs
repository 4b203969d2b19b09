using System.Text;
using Scriban.Runtime;

namespace Trickle.Compiler.Emit;

/// <summary>
/// A template's output, normalized as it is written: Unix newlines, no trailing whitespace on a line, at most one blank
/// line in a row, none at the start, exactly one final newline. The text is written once into one builder.
/// </summary>
/// <remarks>
/// Scripts are hundreds of kilobytes. Rendering to a string and normalizing that into another made three script-sized
/// copies per compile on the large-object heap, and the collections they caused were the largest remaining cost of a
/// warm compile.
/// </remarks>
internal sealed class NormalizingOutput : IScriptOutput
{
    private readonly StringBuilder _text = new();
    /// <summary>Whitespace written since the last visible character of the current line: kept only if more follows.</summary>
    private readonly StringBuilder _pendingWhitespace = new();
    private bool _lineHasText;
    private bool _lastLineWasBlank = true;   // so that blank lines at the start are dropped

    public void Write(string text, int offset, int count) => Append(text.AsSpan(offset, count));

    public ValueTask WriteAsync(string text, int offset, int count, CancellationToken cancellationToken)
    {
        Write(text, offset, count);
        return default;
    }

    public NormalizingOutput Append(ReadOnlySpan<char> text)
    {
        while (true)
        {
            var newline = text.IndexOf('\n');
            var segment = newline < 0 ? text : text[..newline];
            var visible = segment.TrimEnd();
            if (visible.Length > 0)
            {
                _text.Append(_pendingWhitespace).Append(visible);
                _pendingWhitespace.Clear();
                _lineHasText = true;
            }
            _pendingWhitespace.Append(segment[visible.Length..]);
            if (newline < 0)
                return this;
            EndLine();
            text = text[(newline + 1)..];
        }
    }

    private void EndLine()
    {
        // The pending whitespace is the line's end ("\r" of a "\r\n" included), or the whole of a blank line.
        _pendingWhitespace.Clear();
        if (_lineHasText || !_lastLineWasBlank)
        {
            _text.Append('\n');
            _lastLineWasBlank = !_lineHasText;
        }
        _lineHasText = false;
    }

    /// <summary>The normalized text: what a final newline would end is ended, and the text ends in exactly one newline.</summary>
    public override string ToString()
    {
        if (_lineHasText)
            EndLine();
        _pendingWhitespace.Clear();
        while (_text.Length > 0 && _text[^1] == '\n')
            _text.Length--;
        return _text.Append('\n').ToString();
    }
}
