#if !NET5_0_OR_GREATER
using System.Runtime.CompilerServices;

namespace System.Collections.Generic;

/// <summary>
/// The netstandard2.0 build (the one the source generator loads) lacks .NET 5's comparer by identity; the binder keys
/// syntax nodes by identity because records compare by value.
/// </summary>
internal sealed class ReferenceEqualityComparer : IEqualityComparer<object?>, IEqualityComparer
{
    public static ReferenceEqualityComparer Instance { get; } = new();

    private ReferenceEqualityComparer() { }

    public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);

    public int GetHashCode(object? obj) => RuntimeHelpers.GetHashCode(obj!);
}
#endif
