using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using Scriban;
using Scriban.Runtime;
using Trickle.Compiler.Binding;
using Trickle.Compiler.Emit;

namespace Trickle.Generators;

/// <summary>Renders the C# file of one stream table from <c>Templates/stream_table.cs.sbn</c>.</summary>
internal static class CSharpEmitter
{
    private static readonly ConcurrentDictionary<string, Template> Templates = new();

    public static string Emit(string @namespace, string sourcePath, StreamTableShape shape, string installScript)
    {
        var typeName = CSharpNames.Pascal(shape.Name);
        if (typeName.Length == 0) typeName = "StreamTable";
        var properties = CSharpNames.Properties(shape.Columns.Select(c => c.Name), typeName);
        var columns = new ScriptArray();
        for (var i = 0; i < shape.Columns.Count; i++)
        {
            var column = shape.Columns[i];
            var clr = ClrType.For(column.Type);
            var read = clr == ClrType.Object
                ? $"reader.IsDBNull({i}) ? null : reader.GetValue({i})"
                : column.NotNull
                    ? $"reader.GetFieldValue<{clr.Name}>({i})"
                    : $"reader.IsDBNull({i}) ? null : reader.GetFieldValue<{clr.Name}>({i})";
            columns.Add(new ScriptObject
            {
                ["declared"] = clr.Declared(column.NotNull && clr != ClrType.Object),
                ["property"] = properties[i],
                ["read"] = read,
            });
        }
        var select = Render("select.sql.sbn", new ScriptObject
        {
            ["columns"] = new ScriptArray(shape.Columns.Select(c => SqlQuoting.Identifier(c.Name))),
            ["table"] = SqlQuoting.Qualified(shape.Schema, shape.Name),
        }).Trim();
        return Render("stream_table.cs.sbn", new ScriptObject
        {
            ["source_file"] = Path.GetFileName(sourcePath),
            ["namespace"] = @namespace,
            ["display_name"] = System.Security.SecurityElement.Escape(shape.Schema + "." + shape.Name),
            ["type_name"] = typeName,
            ["columns"] = columns,
            ["stream_table_name"] = CSharpNames.Verbatim(shape.Schema + "." + shape.Name),
            ["install_script"] = CSharpNames.Verbatim(installScript),
            ["select_sql"] = CSharpNames.Verbatim(select),
        });
    }

    private static string Render(string name, ScriptObject model)
    {
        var template = Templates.GetOrAdd(name, static n =>
        {
            using var stream = typeof(CSharpEmitter).Assembly.GetManifestResourceStream("Trickle.Generators.Templates." + n)
                ?? throw new InvalidOperationException($"template {n} is not embedded");
            using var reader = new StreamReader(stream);
            var parsed = Template.Parse(reader.ReadToEnd().Replace("\r\n", "\n"), n);
            if (parsed.HasErrors) throw new InvalidOperationException($"template {n} is invalid: {string.Join("; ", parsed.Messages)}");
            return parsed;
        });
        var context = new TemplateContext { StrictVariables = true };
        context.PushGlobal(model);
        return template.Render(context);
    }
}
