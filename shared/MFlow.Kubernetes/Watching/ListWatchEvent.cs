using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Watching;

/// <summary>What a <see cref="ListWatcher{T}"/> delivers: a full snapshot after each (re)list, or one change.</summary>
/// <typeparam name="T">The watched object type.</typeparam>
public sealed class ListWatchEvent<T>
    where T : IKubernetesObject
{
    private ListWatchEvent(ListWatchEventType type, T? @object, IReadOnlyList<T> items)
    {
        Type = type;
        Object = @object;
        Items = items;
    }

    /// <summary>What happened.</summary>
    public ListWatchEventType Type { get; }

    /// <summary>The changed object; null for <see cref="ListWatchEventType.Synced"/>.</summary>
    public T? Object { get; }

    /// <summary>For <see cref="ListWatchEventType.Synced"/>, every current object; empty otherwise.</summary>
    public IReadOnlyList<T> Items { get; }

    /// <summary>Creates a snapshot event.</summary>
    public static ListWatchEvent<T> Synced(IReadOnlyList<T> items) => new(ListWatchEventType.Synced, default, items);

    /// <summary>Creates a change event.</summary>
    public static ListWatchEvent<T> Changed(ListWatchEventType type, T @object)
    {
        if (type == ListWatchEventType.Synced)
        {
            throw new ArgumentException("Use Synced for snapshots.", nameof(type));
        }

        return new(type, @object, []);
    }

    /// <inheritdoc />
    public override string ToString() => Type == ListWatchEventType.Synced ? $"Synced ({Items.Count} items)" : $"{Type} {Object}";
}
