using System.Collections.Concurrent;
using LinqExpression = System.Linq.Expressions.Expression;
using System.Reflection;

namespace Trickle.Compiler.Syntax;

/// <summary>
/// The one generic walk over the syntax tree: a node's children are the syntax nodes its record properties hold, alone
/// or in lists, read through getters compiled once per node type.
/// </summary>
/// <remarks>
/// The walkers used to read the properties with <see cref="PropertyInfo.GetValue(object)"/> on every visit. Under the
/// garbage collector's pressure of a compile loop .NET dropped and rebuilt the reflection caches, emitting and then
/// finalizing invocation stubs over and over: a quarter of a warm compile went to the finalizer thread.
/// </remarks>
public static class SyntaxWalk
{
    private static readonly ConcurrentDictionary<Type, Func<object, object?>[]> Getters = new();

    /// <summary>
    /// <paramref name="root"/> and every node under it, depth first (the last child of a node first), entering the
    /// children of a node only when <paramref name="descendInto"/> says so (always when null).
    /// </summary>
    public static IEnumerable<SyntaxNode> DescendantsAndSelf(SyntaxNode root, Func<SyntaxNode, bool>? descendInto = null)
    {
        var stack = new Stack<SyntaxNode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            if (descendInto is not null && !descendInto(current))
                continue;
            foreach (var child in Children(current))
                stack.Push(child);
        }
    }

    /// <summary>The syntax nodes <paramref name="node"/>'s properties hold, in declaration order.</summary>
    public static IEnumerable<SyntaxNode> Children(SyntaxNode node)
    {
        foreach (var getter in Getters.GetOrAdd(node.GetType(), GettersOf))
        {
            switch (getter(node))
            {
                case SyntaxNode child:
                    yield return child;
                    break;
                case System.Collections.IEnumerable list and not string:
                    foreach (var element in list)
                        if (element is SyntaxNode child)
                            yield return child;
                    break;
            }
        }
    }

    /// <summary>A getter for each property that can hold syntax nodes; the span and the record's contract hold none.</summary>
    private static Func<object, object?>[] GettersOf(Type type) => type.GetProperties(BindingFlags.Instance | BindingFlags.Public)
        .Where(property => property.Name is not ("Span" or "EqualityContract") && property.GetIndexParameters().Length == 0)
        .Where(property => !property.PropertyType.IsValueType && property.PropertyType != typeof(string))
        .Select(property =>
        {
            var target = LinqExpression.Parameter(typeof(object), "node");
            var read = LinqExpression.Convert(LinqExpression.Property(LinqExpression.Convert(target, type), property), typeof(object));
            return LinqExpression.Lambda<Func<object, object?>>(read, target).Compile();
        })
        .ToArray();
}
