using MFlow.Contracts;

namespace MFlow.ContractDocs;

/// <summary>Who sends a message and who takes it.</summary>
public enum MessageRole
{
    /// <summary>A command upstream systems send to MFlow.</summary>
    Command,

    /// <summary>An event MFlow publishes for subscribers.</summary>
    Event,

    /// <summary>Between MFlow's own services; documented for operators, not a contract.</summary>
    Internal,
}

/// <summary>A message of MFlow.Contracts as the documents describe it.</summary>
/// <param name="Type">The record.</param>
/// <param name="Role">Command, event or internal.</param>
/// <param name="PlainQueue">Where the plain JSON form is taken (commands only), from <see cref="PlainJsonQueues"/>.</param>
/// <param name="ConsumedBy">The service queue that takes the envelope form (commands and internal messages).</param>
public sealed record CatalogedMessage(Type Type, MessageRole Role, string? PlainQueue, string? ConsumedBy)
{
    /// <summary>The message type's exchange (MassTransit's name for it).</summary>
    public string Exchange => $"{Type.Namespace}:{Type.Name}";

    /// <summary>The message type's URN in the envelope's messageType.</summary>
    public string Urn => $"urn:message:{Type.Namespace}:{Type.Name}";
}

/// <summary>
/// Every message in MFlow.Contracts. A record added to the contracts must be listed here (a test
/// fails otherwise); then regenerate the documents: <c>dotnet run --project tools/MFlow.ContractDocs</c>.
/// </summary>
public static class MessageCatalog
{
    /// <summary>The messages, commands first, then events, then internal ones.</summary>
    public static IReadOnlyList<CatalogedMessage> All { get; } =
    [
        new(typeof(StartPipeline), MessageRole.Command, PlainJsonQueues.StartPipeline, "mflow-scheduler"),
        new(typeof(CancelPipelineRun), MessageRole.Command, PlainJsonQueues.CancelPipelineRun, "mflow-aggregator"),
        new(typeof(PipelineRunStarted), MessageRole.Event, null, null),
        new(typeof(PipelineRunSucceeded), MessageRole.Event, null, null),
        new(typeof(PipelineRunFailed), MessageRole.Event, null, null),
        new(typeof(PipelineRunCancelled), MessageRole.Event, null, null),
        new(typeof(TaskFailed), MessageRole.Event, null, null),
        new(typeof(PipelineRunWaitingForApproval), MessageRole.Event, null, null),
        new(typeof(TaskUpdated), MessageRole.Event, null, null),
        new(typeof(RunBuildTask), MessageRole.Internal, null, "mflow-build-worker"),
        new(typeof(RunDeployTask), MessageRole.Internal, null, "mflow-deploy-worker"),
        new(typeof(RunVmTask), MessageRole.Internal, null, "mflow-vm-worker"),
        new(typeof(CancelTask), MessageRole.Internal, null, "mflow-build-worker-cancel, mflow-deploy-worker-cancel, mflow-vm-worker-cancel"),
        new(typeof(StageCompleted), MessageRole.Internal, null, "mflow-scheduler"),
        new(typeof(GetTaskOutcomes), MessageRole.Internal, null, "mflow-aggregator"),
        new(typeof(TaskOutcomes), MessageRole.Internal, null, null),
        new(typeof(StopPipelineRun), MessageRole.Internal, null, "mflow-aggregator"),
        new(typeof(ApprovalTimedOut), MessageRole.Internal, null, "mflow-scheduler"),
        new(typeof(DispatchTaskAttempt), MessageRole.Internal, null, "mflow-scheduler"),
        new(typeof(ResumePipelineRun), MessageRole.Internal, null, "mflow-aggregator"),
    ];

    /// <summary>
    /// The records of MFlow.Contracts that travel on their own: concrete records that no other
    /// contract holds as a field (those are parts of a message, such as PlannedStage).
    /// </summary>
    public static IReadOnlyList<Type> MessageTypesInContracts()
    {
        var types = typeof(StartPipeline).Assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsAbstract && t.GetMethod("<Clone>$") is not null)
            .ToList();
        var parts = types.SelectMany(t => t.GetProperties()).SelectMany(p => ContainedTypes(p.PropertyType)).ToHashSet();
        return types.Where(t => !parts.Contains(t)).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    static IEnumerable<Type> ContainedTypes(Type type)
    {
        yield return type;
        foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
        {
            foreach (var inner in ContainedTypes(argument))
                yield return inner;
        }
    }
}
