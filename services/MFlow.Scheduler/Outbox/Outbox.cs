using MassTransit;
using Microsoft.AspNetCore.DataProtection;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;

namespace MFlow.Scheduler.Outbox;

/// <summary>
/// The scheduler's outbox (table "outbox"): run-task commands and PipelineRunStarted, written with
/// the dispatch that causes them. A run-task command's secret values (update token, kubeconfig,
/// sensitive params) are stored encrypted with Data Protection, as everywhere else at rest.
/// </summary>
public sealed class Outbox(Database database, IBus bus, IDataProtectionProvider protection, ILogger<Outbox> logger)
    : TransactionalOutbox(database, bus, "outbox", logger)
{
    readonly IDataProtector _secrets = protection.CreateProtector("MFlow.Outbox.SecretValues");

    /// <inheritdoc />
    protected override object Seal(object message) => WithSecretValues(message, _secrets.Protect);

    /// <inheritdoc />
    protected override object Unseal(object message) => WithSecretValues(message, _secrets.Unprotect);

    static object WithSecretValues(object message, Func<string, string> transform) =>
        message is RunTaskCommand { SecretValues.Count: > 0 } command
            ? command with { SecretValues = command.SecretValues.ToDictionary(secret => secret.Key, secret => transform(secret.Value), StringComparer.Ordinal) }
            : message;
}
