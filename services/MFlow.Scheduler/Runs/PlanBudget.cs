using MFlow.Contracts;
using MFlow.Scheduler.Definitions;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// The size budget of a run's plan, counted while it is built. Params set for a whole pipeline or
/// stage are copied into every task's stored plan and every task's command, so a small document
/// can ask for a plan thousands of times its size; the planner stops at the budget and the run is
/// refused, naming the biggest value, before anything is encrypted, stored or sent.
/// </summary>
public sealed class PlanBudget(long limitChars)
{
    /// <summary>The default budget: 4 Mi characters of params, templates and containers over all tasks.</summary>
    public const long DefaultLimitChars = 4L * 1024 * 1024;

    string _largestName = "";
    long _largestSize;

    /// <summary>What the plan holds so far.</summary>
    public long UsedChars { get; private set; }

    /// <summary>The budget.</summary>
    public long LimitChars => limitChars;

    /// <summary>True once the plan is over budget.</summary>
    public bool Exceeded => UsedChars > limitChars;

    /// <summary>Counts a task's values; false when the plan is now over budget.</summary>
    public bool Add(IEnumerable<KeyValuePair<string, string>> values, long more = 0)
    {
        foreach (var (name, value) in values)
        {
            UsedChars += name.Length + value.Length;
            if (value.Length > _largestSize)
                (_largestName, _largestSize) = (name, value.Length);
        }

        UsedChars += more;
        return !Exceeded;
    }

    /// <summary>Why the plan was refused.</summary>
    public string Describe(int tasksPlanned, int tasksTotal) =>
        $"The run's plan would hold more than {limitChars} characters of params and containers " +
        $"(reached after {tasksPlanned} of {tasksTotal} tasks): a value set for the whole pipeline, stage or run is copied into every task. " +
        (_largestSize > 0 ? $"The largest value is {_largestName} ({_largestSize} characters)." : "");

    /// <summary>The characters of a container spec.</summary>
    public static long Size(ContainerSpec? container) =>
        container is null ? 0
        : (container.Name?.Length ?? 0) + container.Image.Length + (container.WorkingDir?.Length ?? 0)
          + container.Command.Sum(c => (long)c.Length) + container.Args.Sum(a => (long)a.Length)
          + container.Env.Sum(e => (long)e.Key.Length + e.Value.Length);

    /// <summary>The characters of a stored job's template.</summary>
    public static long Size(JobTemplate? template) =>
        template is null ? 0 : Size(template.Container) + (template.InitContainers ?? []).Sum(Size);

    static long Size(Pipelines.ContainerDocument? container) =>
        container is null ? 0
        : (container.Name?.Length ?? 0) + (container.Image?.Length ?? 0) + (container.WorkingDir?.Length ?? 0)
          + (container.Command ?? []).Sum(c => (long)(c?.Length ?? 0)) + (container.Args ?? []).Sum(a => (long)(a?.Length ?? 0))
          + (container.Env ?? []).Sum(e => (long)e.Key.Length + (e.Value?.Length ?? 0));
}
