using System.Text;

namespace Trickle.Compiler.Emit;

/// <summary>
/// The one place generated SQL quotes identifiers and literals. Every identifier is quoted, always, so names with
/// quotes, spaces, upper case, unicode or reserved words can never change the meaning of generated SQL.
/// </summary>
public static class SqlQuoting
{
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    public static string Qualified(string schema, string name) => Identifier(schema) + "." + Identifier(name);

    /// <summary>
    /// A string literal. With <c>standard_conforming_strings</c> on (the default since 9.1, and set by every script we
    /// emit) only the quote needs doubling; backslashes are ordinary characters.
    /// </summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''") + "'";

    /// <summary>
    /// Derives a name for an object Trickle creates, from the stream table's name and a suffix, within PostgreSQL's
    /// 63-byte identifier limit (PostgreSQL would truncate a longer one silently, and two objects could end up with one
    /// name). Names that would be too long keep a prefix and get a 64-bit hash of the whole base name, so two long names
    /// that share their first bytes stay apart, deterministically.
    /// </summary>
    public static string InternalName(string baseName, string suffix)
    {
        const int maxBytes = 63;
        var full = baseName + "__" + suffix;
        if (Encoding.UTF8.GetByteCount(full) <= maxBytes)
            return full;
        // 64 bits: with 32, two long names colliding is a birthday away (about 77,000 stream tables, or one crafted pair).
        var hash = WideHash(baseName);
        var room = maxBytes - Encoding.UTF8.GetByteCount("__" + suffix) - hash.Length - 1;
        return TruncateUtf8(baseName, room) + "_" + hash + "__" + suffix;
    }

    /// <summary>The first 64 bits of SHA-256 over UTF-8, as 16 hex digits: stable, and wide enough that names do not collide.</summary>
    public static string WideHash(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 8);

    /// <summary>FNV-1a over UTF-8: stable across runs and platforms, unlike string.GetHashCode.</summary>
    public static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 16777619u;
        return hash;
    }

    /// <summary>The longest prefix of whole characters within <paramref name="maxBytes"/> UTF-8 bytes, as PostgreSQL clips names.</summary>
    public static string TruncateUtf8(string text, int maxBytes)
    {
        var builder = new StringBuilder();
        var bytes = 0;
        // By code point, so a surrogate pair is kept or cut whole (written without Rune, which netstandard2.0 lacks).
        for (var i = 0; i < text.Length; i++)
        {
            var pair = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            bytes += pair ? 4 : text[i] < 0x80 ? 1 : text[i] < 0x800 ? 2 : 3;
            if (bytes > maxBytes) break;
            if (pair) builder.Append(text[i]).Append(text[++i]);
            else builder.Append(char.IsSurrogate(text[i]) ? '\uFFFD' : text[i]);
        }
        return builder.ToString();
    }
}
