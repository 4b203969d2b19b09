using System.Text;
using System.Text.Unicode;
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
        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out var bytesRead, out var charsWritten, replaceInvalidSequences: false);
        if (status == System.Buffers.OperationStatus.Done)
            return new SourceText(path, new string(chars, 0, charsWritten));

        // Everything before the bad byte decoded: position it the way every other span is (UTF-16 columns).
        var span = Parsing.SourceMap.ForFile(new string(chars, 0, charsWritten)).FromOffsets(charsWritten, charsWritten);
        var badByte = bytes[bytesRead];
        diagnostics.Error(DiagnosticCode.InvalidEncoding, path, span with { Length = 1 },
            $"the file is not valid UTF-8: byte 0x{badByte:X2} at byte offset {bytesRead} does not form a character (save the file as UTF-8)");
        return null;
    }
}
