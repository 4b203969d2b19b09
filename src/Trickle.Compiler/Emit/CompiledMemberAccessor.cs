using System.Linq.Expressions;
using System.Reflection;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace Trickle.Compiler.Emit;

/// <summary>
/// Reads the properties of a model type through delegates compiled once per process, and leaves every other question
/// (which members exist, their names, setting, indexers) to Scriban's own accessor of the type.
/// </summary>
/// <remarks>
/// Scriban reads a .NET property with <see cref="PropertyInfo.GetValue(object)"/>. For the getters of these record types
/// .NET stays on its interpreted reflection path, which cost a tenth of a warm compile (a script reads model properties
/// tens of thousands of times). A compiled getter is a plain delegate call.
/// </remarks>
internal sealed class CompiledMemberAccessor(IObjectAccessor scriban, IReadOnlyDictionary<string, Func<object, object?>> getters) : IObjectAccessor
{
    /// <summary>
    /// An accessor that answers as <paramref name="scriban"/> does for <paramref name="type"/>, with a compiled getter for
    /// each public instance property it exposes under the name <paramref name="renamer"/> gives it.
    /// </summary>
    public static IObjectAccessor For(Type type, IObjectAccessor scriban, MemberRenamerDelegate renamer, TemplateContext context, object sample)
    {
        var getters = new Dictionary<string, Func<object, object?>>(StringComparer.Ordinal);
        foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
                continue;
            var name = renamer(property);
            if (string.IsNullOrEmpty(name) || !scriban.HasMember(context, default, sample, name))
                continue;
            var target = Expression.Parameter(typeof(object), "target");
            var read = Expression.Convert(Expression.Property(Expression.Convert(target, type), property), typeof(object));
            getters[name] = Expression.Lambda<Func<object, object?>>(read, target).Compile();
        }
        return new CompiledMemberAccessor(scriban, getters);
    }

    public bool TryGetValue(TemplateContext context, SourceSpan span, object target, string member, out object value)
    {
        if (getters.TryGetValue(member, out var getter))
        {
            value = getter(target)!;
            return true;
        }
        return scriban.TryGetValue(context, span, target, member, out value);
    }

    public int GetMemberCount(TemplateContext context, SourceSpan span, object target) => scriban.GetMemberCount(context, span, target);

    public IEnumerable<string> GetMembers(TemplateContext context, SourceSpan span, object target) => scriban.GetMembers(context, span, target);

    public bool HasMember(TemplateContext context, SourceSpan span, object target, string member) =>
        getters.ContainsKey(member) || scriban.HasMember(context, span, target, member);

    public bool TrySetValue(TemplateContext context, SourceSpan span, object target, string member, object value) =>
        scriban.TrySetValue(context, span, target, member, value);

    public bool TryGetItem(TemplateContext context, SourceSpan span, object target, object index, out object value) =>
        scriban.TryGetItem(context, span, target, index, out value);

    public bool TrySetItem(TemplateContext context, SourceSpan span, object target, object index, object value) =>
        scriban.TrySetItem(context, span, target, index, value);

    public bool HasIndexer => scriban.HasIndexer;

    public Type IndexType => scriban.IndexType;
}
