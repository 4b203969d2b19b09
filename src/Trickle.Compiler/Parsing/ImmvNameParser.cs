using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Parsing;

/// <summary>
/// Reads the first argument of pg_ivm's <c>create_immv</c>: <c>[schema.]name</c>, optionally followed by a list of
/// column names, <c>name(col1, col2)</c>. pg_ivm hands that text to PostgreSQL as the target of a CREATE TABLE AS, so
/// the list names the IMMV's columns: unquoted names fold to lower case, quoted ones keep their spelling. The text is
/// the literal's decoded content; <see cref="SourceMap"/> maps each of its characters back to the file, so a malformed
/// name is reported at the character inside the literal where it goes wrong.
/// </summary>
internal sealed class ImmvNameParser
{
    private readonly string _text;
    private readonly SourceMap _map;
    private readonly string _path;
    private readonly DiagnosticBag _diagnostics;
    private int _position;

    private ImmvNameParser(string text, SourceMap map, string path, DiagnosticBag diagnostics)
    {
        _text = text;
        _map = map;
        _path = path;
        _diagnostics = diagnostics;
    }

    public sealed record Result(QualifiedName Name, IReadOnlyList<Identifier> Columns);

    /// <summary>The name and its column list (empty when none is given); null after reporting an error.</summary>
    public static Result? Parse(string text, SourceMap map, string path, DiagnosticBag diagnostics) =>
        new ImmvNameParser(text, map, path, diagnostics).Parse();

    private Result? Parse()
    {
        SkipSpace();
        var start = _position;
        var parts = new List<Identifier>();
        while (true)
        {
            if (Identifier("a table name") is not { } part) return null;
            parts.Add(part);
            SkipSpace();
            if (!Accept('.')) break;
            SkipSpace();
        }
        if (parts.Count > 2)
            return Fail(parts[0].Span, "the IMMV's name has more than two parts: write name or schema.name");
        var name = new QualifiedName(_map.FromOffsets(start, _position), parts);

        var columns = new List<Identifier>();
        if (Accept('('))
        {
            do
            {
                SkipSpace();
                if (Identifier("a column name") is not { } column) return null;
                if (columns.FirstOrDefault(c => c.Value == column.Value) is not null)
                    return Fail(column.Span, $"column \"{column.Value}\" is named twice in the IMMV's column list");
                columns.Add(column);
                SkipSpace();
            }
            while (Accept(','));
            if (!Accept(')'))
                return Fail(Here(), _position < _text.Length
                    ? $"expected ',' or ')' in the IMMV's column list, found '{_text[_position]}'"
                    : "the IMMV's column list is not closed: expected ')'");
            SkipSpace();
        }
        if (_position < _text.Length)
            return Fail(Here(), $"unexpected '{_text[_position]}' after the IMMV's name: expected name, schema.name or name(column, …)");
        return new Result(name, columns);
    }

    private Identifier? Identifier(string what)
    {
        var start = _position;
        if (_position < _text.Length && _text[_position] == '"')
        {
            var value = new System.Text.StringBuilder();
            _position++;
            while (true)
            {
                if (_position >= _text.Length)
                {
                    Fail(_map.FromOffsets(start, start + 1), $"the quoted {what[2..]} is not closed: expected '\"'");
                    return null;
                }
                if (_text[_position] == '"')
                {
                    if (_position + 1 < _text.Length && _text[_position + 1] == '"')
                    {
                        value.Append('"');
                        _position += 2;
                        continue;
                    }
                    _position++;
                    break;
                }
                value.Append(_text[_position++]);
            }
            if (value.Length == 0)
            {
                Fail(_map.FromOffsets(start, _position), $"{what} cannot be an empty quoted identifier");
                return null;
            }
            return new Identifier(_map.FromOffsets(start, _position), value.ToString(), Quoted: true);
        }
        if (_position < _text.Length && IsIdentifierStart(_text[_position]))
        {
            _position++;
            while (_position < _text.Length && IsIdentifierPart(_text[_position]))
                _position++;
            return new Identifier(_map.FromOffsets(start, _position), NameBuilder.FoldCase(_text[start.._position]), Quoted: false);
        }
        Fail(Here(), _position < _text.Length ? $"expected {what}, found '{_text[_position]}'" : $"expected {what}");
        return null;
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= '\u0080';

    private static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || char.IsAsciiDigit(c) || c == '$';

    private bool Accept(char c)
    {
        if (_position >= _text.Length || _text[_position] != c) return false;
        _position++;
        return true;
    }

    private void SkipSpace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
            _position++;
    }

    private SourceSpan Here() => _map.FromOffsets(_position, Math.Min(_position + 1, _text.Length));

    private Result? Fail(SourceSpan span, string message)
    {
        _diagnostics.Error(DiagnosticCode.InvalidStreamTableName, _path, span, message);
        return null;
    }
}
