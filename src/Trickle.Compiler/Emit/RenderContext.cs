using System.Collections.Concurrent;
using Scriban;
using Scriban.Runtime;

namespace Trickle.Compiler.Emit;

/// <summary>
/// The render context of every template: strict variables, no loop or string limits, and what can outlive one render
/// shared by all of them. Each compile renders in a new context; Scriban keeps per context both the templates an
/// <c>include</c> parsed and the reflection accessor of each model type, so without sharing them every compile parsed
/// every included template again and rebuilt the accessors, whose reflection calls the runtime then compiled into new
/// invocation stubs: together most of a warm compile's time. Parsed templates and accessors hold no render state.
/// </summary>
internal sealed class RenderContext : TemplateContext
{
    private static readonly ConcurrentDictionary<Type, IObjectAccessor> Accessors = new();

    public RenderContext()
    {
        TemplateLoader = TemplateLibrary.Instance;
        StrictVariables = true;
        MemberRenamer = StandardMemberRenamer.Default;
        LoopLimit = 0;
        RecursiveLimit = 50;
        // An include is a string value, which Scriban cuts at LimitToString (with "...") when it writes it: the template
        // parts (stream_maintenance holds every mode's functions) can be longer than its default.
        LimitToString = 0;
        TemplateLibrary.Instance.Preload(this);
    }

    protected override IObjectAccessor? GetMemberAccessorImpl(object target)
    {
        // Script objects and arrays carry their own members: only .NET model types are worth sharing.
        if (target is IScriptObject or System.Collections.IList or System.Collections.IDictionary)
            return base.GetMemberAccessorImpl(target);
        if (Accessors.TryGetValue(target.GetType(), out var shared))
            return shared;
        var accessor = base.GetMemberAccessorImpl(target);
        if (accessor is null)
            return null;
        // Compiled getters only for Scriban's reflection accessor of a plain .NET type; anything else it picked stays.
        if (accessor is Scriban.Runtime.Accessors.TypedObjectAccessor)
            accessor = CompiledMemberAccessor.For(target.GetType(), accessor, MemberRenamer, this, target);
        return Accessors.GetOrAdd(target.GetType(), accessor);
    }
}
