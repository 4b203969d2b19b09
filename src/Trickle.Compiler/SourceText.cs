using System.Text;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler;

/// <summary>A file's path (as diagnostics should print it) and its contents.</summary>
public sealed record SourceText(string Path, string Text)
{
    /// <summary>
    /// Decodes a file's bytes as UTF-8 (a byte-order mark is skipped). Invalid UTF-8 is an error positioned at the first
    /// bad byte, not a replacement character: <c>'K\xf6ln'</c> read leniently becomes <c>'K�ln'</c>, another filter than
    /// the one the user meant, while PostgreSQL itself rejects such input.
    /// </summary>
    public static SourceText? FromUtf8(string path, ReadOnlySpan<byte> bytes, DiagnosticBag diagnostics)
    {
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var array = bytes.ToArray();
        int bytesRead;
        try
        {
            return new SourceText(path, strict.GetString(array));
        }
        catch (DecoderFallbackException invalid)
        {
            bytesRead = invalid.Index;
        }

        // Everything before the bad byte decoded: position it the way every other span is (UTF-16 columns).
        var decoded = strict.GetString(array, 0, bytesRead);
        var span = Parsing.SourceMap.ForFile(decoded).FromOffsets(decoded.Length, decoded.Length);
        var badByte = array[bytesRead];
        diagnostics.Error(DiagnosticCode.InvalidEncoding, path, span with { Length = 1 },
            $"the file is not valid UTF-8: byte 0x{badByte:X2} at byte offset {bytesRead} does not form a character (save the file as UTF-8)");
        return null;
    }
}
