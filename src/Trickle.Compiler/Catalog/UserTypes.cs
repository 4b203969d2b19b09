using Trickle.Compiler.Emit;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Catalog;

/// <summary>How a user-defined type was declared in a schema file.</summary>
public enum DeclaredTypeKind { Enum, Composite, Range, Base, Domain, Extension }

/// <summary>
/// A type a schema file declares (<c>CREATE TYPE</c>, <c>CREATE DOMAIN</c>, or an extension's type after
/// <c>CREATE EXTENSION</c>), with what is needed to resolve columns of it: a domain's base type, a composite type's
/// attribute types, and for a base type whether a default hash operator class was declared for it.
/// </summary>
public sealed record DeclaredType(string Schema, string Name, DeclaredTypeKind Kind)
{
    public TypeName? BaseType { get; init; }
    public IReadOnlyList<TypeName> Attributes { get; init; } = [];
    public bool HasHashClass { get; init; }
}

/// <summary>
/// The user-defined types of a schema file set. A column (or cast) naming one of them gets a <see cref="SqlType"/>
/// spelled schema-qualified (generated functions run with search_path pinned to pg_catalog), with the schema of its
/// operators and whether it hashes; every other type name is taken as a built-in, as before.
/// </summary>
public sealed class UserTypes
{
    public static readonly UserTypes None = new([], ["public"]);

    // Extension types we know, by extension: whether each has a default hash operator class with an extended hash
    // function. A type of an extension not listed here is still resolved from the live catalog (--connection).
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<(string Type, bool Hashable)>> KnownExtensionTypes =
        new Dictionary<string, IReadOnlyList<(string, bool)>>
        {
            ["citext"] = [("citext", true)],
        };

    private readonly Dictionary<(string Schema, string Name), DeclaredType> _types = new();
    private readonly IReadOnlyDictionary<(string Schema, string Name), SqlType> _resolved;
    private readonly IReadOnlyList<string> _searchPath;

    /// <param name="types">types declared in schema files, resolved on use</param>
    /// <param name="searchPath">where unqualified type names are looked up</param>
    /// <param name="resolved">types read from a live catalog, already resolved (qualified name, operator schema, hashing)</param>
    public UserTypes(IEnumerable<DeclaredType> types, IReadOnlyList<string> searchPath, IReadOnlyDictionary<(string Schema, string Name), SqlType>? resolved = null)
    {
        foreach (var type in types)
            _types[(type.Schema, type.Name)] = type;
        _searchPath = searchPath;
        _resolved = resolved ?? new Dictionary<(string, string), SqlType>();
    }

    /// <summary>The types an extension brings, created in <paramref name="schema"/>.</summary>
    public static IEnumerable<DeclaredType> OfExtension(string extension, string schema) =>
        KnownExtensionTypes.TryGetValue(extension, out var types)
            ? types.Select(t => new DeclaredType(schema, t.Type, DeclaredTypeKind.Extension) { HasHashClass = t.Hashable })
            : [];

    /// <summary>The type a column or cast names: a declared user type, resolved; any other name as a built-in.</summary>
    public SqlType Resolve(TypeName type) => Resolve(type, depth: 0);

    private SqlType Resolve(TypeName type, int depth)
    {
        var builtIn = SqlType.Of(type.Name, type.Modifiers.Count == 0 ? null : string.Join(",", type.Modifiers), type.ArrayDimensions);
        if (FindResolved(type) is { } live)
            return type.ArrayDimensions == 0 ? live : live with { ArrayDimensions = type.ArrayDimensions, OperatorSchema = null };
        if (Find(type) is not { } declared || depth > 16)
            return builtIn;
        var element = new SqlType(SqlQuoting.Qualified(declared.Schema, declared.Name), builtIn.Modifiers)
        {
            OperatorSchema = OperatorSchemaOf(declared, depth),
            Hashable = IsHashable(declared, depth),
        };
        // An array compares with pg_catalog's array_eq whatever its element; it hashes only if its element does.
        return type.ArrayDimensions == 0 ? element : element with { ArrayDimensions = type.ArrayDimensions, OperatorSchema = null };
    }

    private SqlType? FindResolved(TypeName type)
    {
        if (_resolved.Count == 0)
            return null;
        if (type.Schema is { } schema)
            return _resolved.GetValueOrDefault((schema.Last.Value, type.Name));
        foreach (var candidate in _searchPath)
            if (_resolved.TryGetValue((candidate, type.Name), out var resolved))
                return resolved;
        return null;
    }

    private DeclaredType? Find(TypeName type)
    {
        if (type.Schema is { } schema)
            return _types.GetValueOrDefault((schema.Last.Value, type.Name));
        foreach (var candidate in _searchPath)
            if (_types.TryGetValue((candidate, type.Name), out var declared))
                return declared;
        return null;
    }

    private string? OperatorSchemaOf(DeclaredType type, int depth) => type.Kind switch
    {
        // Enums, composites and ranges compare with pg_catalog's polymorphic operators (enum_eq, record_eq, range_eq).
        DeclaredTypeKind.Base or DeclaredTypeKind.Extension => type.Schema,
        DeclaredTypeKind.Domain => Resolve(type.BaseType!, depth + 1) is { IsArray: false } baseType ? baseType.OperatorSchema : null,
        _ => null,
    };

    private bool IsHashable(DeclaredType type, int depth) => type.Kind switch
    {
        DeclaredTypeKind.Enum => true,
        DeclaredTypeKind.Base or DeclaredTypeKind.Extension => type.HasHashClass,
        DeclaredTypeKind.Domain => HashesAsItself(Resolve(type.BaseType!, depth + 1)),
        DeclaredTypeKind.Composite => type.Attributes.All(a => HashesAsItself(Resolve(a, depth + 1))),
        // A range hashes through its subtype, which the schema file's CREATE TYPE … AS RANGE (…) we do not read.
        _ => false,
    };

    /// <summary>
    /// Whether hash_record_extended can hash the value as it is: a built-in needing a hash cast (money, bit strings,
    /// tsvector) cannot once it is inside a domain or composite type, where the cast is not applied.
    /// </summary>
    private static bool HashesAsItself(SqlType type) =>
        type.Hashable && !type.LacksEquality && type.Name is not ("money" or "bit" or "bit varying" or "tsvector");
}
