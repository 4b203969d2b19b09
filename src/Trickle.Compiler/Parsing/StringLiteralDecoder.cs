using System.Globalization;
using System.Text;

namespace Trickle.Compiler.Parsing;

/// <summary>
/// Undoes the quoting of PostgreSQL string constants. Besides the value it returns, for every character of the
/// value (and for its end), the offset inside the token it came from: the call forms parse a query out of a string
/// and need those offsets to point diagnostics at the right place in the file.
/// </summary>
internal static class StringLiteralDecoder
{
    public readonly record struct DecodedString(string Value, int[] TokenOffsets);

    public static DecodedString Decode(string tokenText)
    {
        if (tokenText.StartsWith('$'))
            return DecodeDollarQuoted(tokenText);
        var first = char.ToLowerInvariant(tokenText[0]);
        return first switch
        {
            'e' => DecodeEscaped(tokenText),
            'u' => DecodeUnicodeEscaped(tokenText, quote: '\'', prefixLength: 3),
            _ => DecodeDoubledQuotes(tokenText, quote: '\'', prefixLength: 1),
        };
    }

    /// <summary>"Weird ""Name""" → <c>Weird "Name"</c>; also U&amp;"d\0061t\+000061".</summary>
    public static string DecodeQuotedIdentifier(string tokenText) =>
        tokenText[0] == '"'
            ? DecodeDoubledQuotes(tokenText, quote: '"', prefixLength: 1).Value
            : DecodeUnicodeEscaped(tokenText, quote: '"', prefixLength: 3).Value;

    private static DecodedString DecodeDollarQuoted(string tokenText)
    {
        var delimiterLength = tokenText.IndexOf('$', 1) + 1;
        var length = tokenText.Length - 2 * delimiterLength;
        var offsets = new int[length + 1];
        for (var i = 0; i <= length; i++)
            offsets[i] = delimiterLength + i;
        return new DecodedString(tokenText.Substring(delimiterLength, length), offsets);
    }

    private static DecodedString DecodeDoubledQuotes(string tokenText, char quote, int prefixLength)
    {
        var value = new StringBuilder(tokenText.Length);
        var offsets = new List<int>(tokenText.Length);
        var end = tokenText.Length - 1;
        for (var i = prefixLength; i < end; i++)
        {
            offsets.Add(i);
            value.Append(tokenText[i]);
            if (tokenText[i] == quote)
                i++;
        }
        offsets.Add(end);
        return new DecodedString(value.ToString(), offsets.ToArray());
    }

    private static DecodedString DecodeEscaped(string tokenText)
    {
        var value = new StringBuilder(tokenText.Length);
        var offsets = new List<int>(tokenText.Length);
        var end = tokenText.Length - 1;
        var i = 2;
        while (i < end)
        {
            var start = i;
            var c = tokenText[i];
            if (c == '\'')
            {
                Append(value, offsets, "'", start);
                i += 2;
                continue;
            }
            if (c != '\\' || i + 1 >= end)
            {
                Append(value, offsets, c.ToString(), start);
                i++;
                continue;
            }
            var next = tokenText[i + 1];
            i += 2;
            switch (next)
            {
                case 'b': Append(value, offsets, "\b", start); break;
                case 'f': Append(value, offsets, "\f", start); break;
                case 'n': Append(value, offsets, "\n", start); break;
                case 'r': Append(value, offsets, "\r", start); break;
                case 't': Append(value, offsets, "\t", start); break;
                case 'x' or 'X':
                    Append(value, offsets, CodePoint(ReadDigits(tokenText, ref i, end, 2, IsHex), 16), start);
                    break;
                case 'u':
                    Append(value, offsets, CodePoint(ReadDigits(tokenText, ref i, end, 4, IsHex), 16), start);
                    break;
                case 'U':
                    Append(value, offsets, CodePoint(ReadDigits(tokenText, ref i, end, 8, IsHex), 16), start);
                    break;
                case >= '0' and <= '7':
                    i--;
                    Append(value, offsets, CodePoint(ReadDigits(tokenText, ref i, end, 3, d => d is >= '0' and <= '7'), 8), start);
                    break;
                default: Append(value, offsets, next.ToString(), start); break;
            }
        }
        offsets.Add(end);
        return new DecodedString(value.ToString(), offsets.ToArray());
    }

    private static DecodedString DecodeUnicodeEscaped(string tokenText, char quote, int prefixLength)
    {
        var value = new StringBuilder(tokenText.Length);
        var offsets = new List<int>(tokenText.Length);
        var end = tokenText.Length - 1;
        var i = prefixLength;
        while (i < end)
        {
            var start = i;
            var c = tokenText[i];
            if (c == quote)
            {
                Append(value, offsets, quote.ToString(), start);
                i += 2;
            }
            else if (c == '\\' && i + 1 < end && tokenText[i + 1] == '\\')
            {
                Append(value, offsets, "\\", start);
                i += 2;
            }
            else if (c == '\\' && i + 1 < end && tokenText[i + 1] == '+')
            {
                i += 2;
                Append(value, offsets, CodePoint(ReadDigits(tokenText, ref i, end, 6, IsHex), 16), start);
            }
            else if (c == '\\')
            {
                i += 1;
                Append(value, offsets, CodePoint(ReadDigits(tokenText, ref i, end, 4, IsHex), 16), start);
            }
            else
            {
                Append(value, offsets, c.ToString(), start);
                i++;
            }
        }
        offsets.Add(end);
        return new DecodedString(value.ToString(), offsets.ToArray());
    }

    private static void Append(StringBuilder value, List<int> offsets, string text, int tokenOffset)
    {
        foreach (var c in text)
        {
            value.Append(c);
            offsets.Add(tokenOffset);
        }
    }

    private static string ReadDigits(string text, ref int index, int end, int maxDigits, Func<char, bool> isDigit)
    {
        var start = index;
        while (index < end && index - start < maxDigits && isDigit(text[index]))
            index++;
        return text[start..index];
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static string CodePoint(string digits, int radix)
    {
        if (digits.Length == 0)
            return "";
        var value = radix == 16
            ? int.Parse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : Convert.ToInt32(digits, 8);
        return value is >= 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF)
            ? char.ConvertFromUtf32(value)
            : "\uFFFD";
    }
}
