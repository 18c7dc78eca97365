using MassTransit;

namespace MFlow.Persistence.Sagas;

/// <summary>
/// Work to do once a saga's change is stored, not before: a lost optimistic race is replayed on
/// fresh state, and whatever the losing attempt counted (a metric) would otherwise count twice.
/// <see cref="SqlSagaRepositoryContextFactory{TSaga}"/> puts one on each message's context and runs
/// it after the update committed.
/// </summary>
public sealed class AfterSagaSaved
{
    readonly List<Action> _actions = [];

    /// <summary>Runs <paramref name="action"/> once the saga's change is stored; at once under a repository without this hook (the in-memory one of saga tests).</summary>
    public static void Do(PipeContext context, Action action)
    {
        if (context.TryGetPayload<AfterSagaSaved>(out var saved))
            saved._actions.Add(action);
        else
            action();
    }

    internal void Run()
    {
        foreach (var action in _actions)
            action();
    }
}
