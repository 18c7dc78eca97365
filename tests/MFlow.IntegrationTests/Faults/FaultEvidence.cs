namespace MFlow.IntegrationTests.Faults;

/// <summary>A Job as the fake API server showed it at one moment: which run it belongs to and whether it had ended.</summary>
public sealed record JobSighting(string Name, Guid RunId, bool Finished);

/// <summary>
/// One fault a test struck: the Jobs as they were when it began and when the system had recovered
/// (null while it has not). Read from the fake API server alone, so taking one costs no call to a
/// service in the middle of the fault.
/// </summary>
public sealed record StruckFault(string Name, IReadOnlyList<JobSighting> AtStart)
{
    /// <summary>The Jobs once the fault was over (the service ready again, the server back up).</summary>
    public IReadOnlyList<JobSighting>? AtRecovery { get; set; }
}

/// <summary>
/// The checks that make a fault test prove something: the fault hit work in flight, and every task
/// attempt and run ended exactly once. Pure functions over what the test recorded, so that each is
/// itself tested (a fault struck after the runs ended, a duplicate counted twice) without a cluster.
/// </summary>
public static class FaultEvidence
{
    /// <summary>
    /// Violations unless the fault began while at least one run had a Job left to create or finish,
    /// and, once it was over, at least one Job was created or finished: the system did work after recovering.
    /// </summary>
    /// <param name="fault">The fault and its two sightings.</param>
    /// <param name="jobsPerRun">How many Jobs each run creates when all goes well.</param>
    /// <param name="atEnd">The Jobs once every run has ended.</param>
    public static IReadOnlyList<string> MidFlight(StruckFault fault, IReadOnlyDictionary<Guid, int> jobsPerRun, IReadOnlyList<JobSighting> atEnd)
    {
        var violations = new List<string>();
        var finishedAtStart = fault.AtStart.Where(job => job.Finished).GroupBy(job => job.RunId).ToDictionary(g => g.Key, g => g.Count());
        var inFlight = jobsPerRun.Count(run => finishedAtStart.GetValueOrDefault(run.Key) < run.Value);
        if (inFlight == 0)
            violations.Add($"{fault.Name}: every run had ended when the fault began ({fault.AtStart.Count} Jobs, all finished): the fault hit no work in flight");

        if (fault.AtRecovery is not { } recovered)
        {
            violations.Add($"{fault.Name}: the fault never ended (no recovery was recorded)");
            return violations;
        }

        var (createdAfter, finishedAfter) = WorkAfter(recovered, atEnd);
        if (createdAfter + finishedAfter == 0)
            violations.Add($"{fault.Name}: no Job was created or finished after the recovery: the runs did not depend on the system coming back");
        return violations;
    }

    /// <summary>How many Jobs were created, and how many that existed unfinished then finished, between two sightings.</summary>
    public static (int Created, int Finished) WorkAfter(IReadOnlyList<JobSighting> then, IReadOnlyList<JobSighting> now)
    {
        var before = then.ToDictionary(job => job.Name, job => job.Finished, StringComparer.Ordinal);
        return (
            now.Count(job => !before.ContainsKey(job.Name)),
            now.Count(job => job.Finished && before.TryGetValue(job.Name, out var finished) && !finished));
    }

    /// <summary>
    /// Violations unless <paramref name="copies"/> (every terminal event seen for one task attempt or
    /// one run) make exactly one event, with the expected outcome. Copies with the same MessageId are
    /// one event delivered more than once (a publish retried after a lost confirm, an outbox relayed
    /// again, a restarted worker reporting a finished Job again), which a subscriber drops by MessageId;
    /// two MessageIds are two events, counted twice, and break exactly-once.
    /// </summary>
    /// <param name="what">Names the task attempt or run in the messages.</param>
    /// <param name="copies">Each terminal event received: its MessageId (null: none, each copy its own event) and outcome.</param>
    /// <param name="expectedOutcome">The one outcome it must have.</param>
    public static IReadOnlyList<string> ExactlyOnce(string what, IReadOnlyList<(Guid? MessageId, string Outcome)> copies, string expectedOutcome)
    {
        var events = copies.GroupBy(copy => copy.MessageId ?? Guid.NewGuid()).ToList();
        var outcomes = copies.Select(copy => copy.Outcome).Distinct().ToList();
        if (events.Count == 0)
            return [$"{what}: no terminal event, expected {expectedOutcome}"];
        if (outcomes.Count > 1 || outcomes[0] != expectedOutcome)
            return [$"{what}: terminal events say {string.Join(" / ", outcomes)}, expected {expectedOutcome} once"];
        if (events.Count > 1)
            return [$"{what}: {events.Count} distinct terminal events ({copies.Count} copies, MessageIds {string.Join(", ", events.Select(e => e.Key))}), expected exactly one"];
        return [];
    }
}
