using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Parsing;

/// <summary>
/// Characters no PostgreSQL server accepts in a query. A NUL cannot be sent at all (the protocol ends strings with it,
/// and psql stops reading there), so a file holding one would install something other than what it shows.
/// </summary>
internal static class SourceCharacters
{
    public static bool Check(SourceText source, SourceMap sourceMap, DiagnosticBag diagnostics)
    {
        var nul = source.Text.IndexOf('\0');
        if (nul < 0)
            return true;
        diagnostics.Error(DiagnosticCode.InvalidEncoding, source.Path, sourceMap.FromOffsets(nul, nul + 1),
            "the file contains a NUL character (byte 0x00), which PostgreSQL rejects in any query");
        return false;
    }
}
