using System.Collections.Concurrent;
using System.Reflection;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace Trickle.Compiler.Emit;

/// <summary>
/// The SQL templates, embedded in this assembly as <c>Emit/Templates/*.sql.sbn</c>. Templates include each other by
/// file name. Parsed templates are cached: they are immutable and parsing dominates a warm compile otherwise.
/// </summary>
internal sealed class TemplateLibrary : ITemplateLoader
{
    public static readonly TemplateLibrary Instance = new();

    private const string ResourcePrefix = "Trickle.Compiler.Emit.Templates.";
    private readonly ConcurrentDictionary<string, Template> _parsed = new();

    public Template Get(string name) => _parsed.GetOrAdd(name, static n =>
    {
        var template = Template.Parse(ReadText(n), n);
        if (template.HasErrors)
            throw new InvalidOperationException($"template {n} is invalid: {string.Join("; ", template.Messages)}");
        return template;
    });

    /// <summary>Gives a render context every template already parsed (see <see cref="RenderContext"/>).</summary>
    public void Preload(TemplateContext context)
    {
        foreach (var name in TemplateNames.Value)
            context.CachedTemplates[name] = Get(name);
    }

    private static readonly Lazy<IReadOnlyList<string>> TemplateNames = new(() =>
        Assembly.GetExecutingAssembly().GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..])
            .ToList());

    public string GetPath(TemplateContext context, SourceSpan callerSpan, string templateName) => templateName;

    public string Load(TemplateContext context, SourceSpan callerSpan, string templatePath) => ReadText(templatePath);

    public ValueTask<string?> LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) => new(ReadText(templatePath));

    private static string ReadText(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"template {name} is not embedded");
        using var reader = new StreamReader(stream);
        // Templates are stored with LF endings whatever the checkout does, so scripts are byte-identical everywhere.
        return reader.ReadToEnd().Replace("\r\n", "\n");
    }
}
