using System.Collections.Generic;
using System.Linq;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Generators;

/// <summary>What an AdditionalFiles item is to Trickle, from its <c>TrickleKind</c> metadata.</summary>
internal enum TrickleFileKind { StreamTable, Schema }

/// <summary>
/// One AdditionalFiles item Trickle reads: its path, contents and the per-file overrides (<c>TrickleName</c>,
/// <c>TrickleMode</c>, <c>TrickleSchedule</c>), the same as <c>trickle compile --name/--mode/--schedule</c>.
/// </summary>
internal sealed record TrickleFile(string Path, TrickleFileKind Kind, string Text, string? Name, string? Mode, string? Schedule);

/// <summary>The project-wide settings: the namespace generated types go into.</summary>
internal sealed record GeneratorSettings(string Namespace);

/// <summary>
/// A diagnostic as plain values, so a step's output compares equal across runs (Roslyn's Location and Diagnostic hold
/// syntax trees and would defeat caching). The end position is computed here from the file's text.
/// </summary>
internal sealed record DiagnosticInfo(string Code, bool IsError, string Message, string Path, int Start, int Length, int Line, int Column, int EndLine, int EndColumn)
{
    public static DiagnosticInfo From(Diagnostic diagnostic, string text)
    {
        var span = diagnostic.Span;
        var start = System.Math.Min(System.Math.Max(span.Start, 0), text.Length);
        var end = System.Math.Min(start + System.Math.Max(span.Length, 0), text.Length);
        var (endLine, endColumn) = (span.Line, span.Column);
        for (var i = start; i < end; i++)
        {
            if (text[i] == '\n') { endLine++; endColumn = 1; }
            else endColumn++;
        }
        return new DiagnosticInfo(diagnostic.Code, diagnostic.IsError, diagnostic.Message, diagnostic.FilePath, start, end - start,
            span.Line, span.Column, endLine, endColumn);
    }
}

/// <summary>The compiled form of one stream table: the generated C# file (null when compilation failed) and diagnostics.</summary>
internal sealed record GeneratedStreamTable(string HintName, string? Source, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>The schema files, ordered by path so the catalog does not depend on the order the build lists them in.</summary>
internal sealed record SchemaSet(EquatableArray<TrickleFile> Files)
{
    public static SchemaSet Of(IEnumerable<TrickleFile> files) => new(new EquatableArray<TrickleFile>(files.OrderBy(f => f.Path, System.StringComparer.Ordinal)));
}
