using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Parsing;

/// <summary>Entry point of the Parsing phase: text in, our own syntax tree (or diagnostics) out.</summary>
public static class SqlParser
{
    /// <summary>Parses a stream table input file (any of the four forms). Returns null when it reported errors.</summary>
    public static StreamTableDefinition? ParseDefinition(SourceText source, DiagnosticBag diagnostics) =>
        throw new NotImplementedException("parser in progress");

    /// <summary>Parses a schema (DDL) file. Statements other than the ones we model become <see cref="OtherStatement"/>.</summary>
    public static SchemaFile? ParseSchema(SourceText source, DiagnosticBag diagnostics) =>
        throw new NotImplementedException("parser in progress");
}
