using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MassTransit;
using MassTransit.Saga;

namespace MFlow.Persistence.Sagas;

/// <summary>
/// MFlow's saga repository, on MassTransit's repository extension points: each message gets a
/// connection and a <see cref="SqlSagaDatabaseContext{TSaga}"/>; instances live as JSON documents
/// with a version column for optimistic concurrency.
/// </summary>
public sealed class SqlSagaRepositoryContextFactory<TSaga>(
    Database database,
    SqlSagaRepositoryOptions<TSaga> options,
    ISagaConsumeContextFactory<SqlSagaDatabaseContext<TSaga>, TSaga> factory) :
    ISagaRepositoryContextFactory<TSaga>,
    ILoadSagaRepositoryContextFactory<TSaga>,
    IQuerySagaRepositoryContextFactory<TSaga>
    where TSaga : class, IStoredSaga
{
    /// <inheritdoc />
    public void Probe(ProbeContext context) => context.Add("persistence", "sql");

    /// <inheritdoc />
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class
    {
        await using var databaseContext = await CreateContextAsync(context.CancellationToken);
        // A fresh one per attempt: a retried attempt must not run what the failed one queued.
        var saved = new AfterSagaSaved();
        context.AddOrUpdatePayload(() => saved, _ => saved);
        var repositoryContext = new SqlSagaRepositoryContext<TSaga, T>(databaseContext, context, factory);
        await next.Send(repositoryContext);
        saved.Run();
    }

    /// <inheritdoc />
    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class =>
        throw new NotSupportedException($"{typeof(TSaga).Name} is correlated by id only; query correlation is not supported by the SQL saga repository.");

    /// <inheritdoc />
    public async Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class
    {
        await using var databaseContext = await CreateContextAsync(cancellationToken);
        return await asyncMethod(new SqlLoadSagaRepositoryContext<TSaga>(databaseContext, cancellationToken));
    }

    /// <inheritdoc />
    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        throw new NotSupportedException($"{typeof(TSaga).Name} is correlated by id only; queries are not supported by the SQL saga repository.");

    async Task<SqlSagaDatabaseContext<TSaga>> CreateContextAsync(CancellationToken cancellationToken) =>
        new(await database.OpenAsync(cancellationToken), options.TableName, options.DocumentJson);
}

/// <summary>Where a saga type is stored and how its document is serialized.</summary>
public sealed record SqlSagaRepositoryOptions<TSaga>(string TableName, JsonSerializerOptions Json)
{
    /// <summary>
    /// <see cref="Json"/> without the saga's version: the version column is its only copy, so an
    /// instance serializes the same before and after its version moves, and one serialization per
    /// update both detects a change and is the document written.
    /// </summary>
    public JsonSerializerOptions DocumentJson { get; } = WithoutVersion(Json);

    static JsonSerializerOptions WithoutVersion(JsonSerializerOptions json) => new(json)
    {
        TypeInfoResolver = (json.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(type =>
        {
            if (type.Kind != JsonTypeInfoKind.Object || !typeof(ISagaVersion).IsAssignableFrom(type.Type))
                return;
            for (var i = type.Properties.Count - 1; i >= 0; i--)
            {
                if (type.Properties[i].AttributeProvider is PropertyInfo { Name: nameof(ISagaVersion.Version) })
                    type.Properties.RemoveAt(i);
            }
        }),
    };
}
