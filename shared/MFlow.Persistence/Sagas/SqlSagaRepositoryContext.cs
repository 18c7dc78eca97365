using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;

namespace MFlow.Persistence.Sagas;

/// <summary>The repository as one consumed message sees it.</summary>
public sealed class SqlSagaRepositoryContext<TSaga, TMessage> :
    ConsumeContextScope<TMessage>,
    SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, IStoredSaga
    where TMessage : class
{
    readonly SqlSagaDatabaseContext<TSaga> _database;
    readonly ConsumeContext<TMessage> _consumeContext;
    readonly ISagaConsumeContextFactory<SqlSagaDatabaseContext<TSaga>, TSaga> _factory;

    /// <summary>Wraps the consumed message's context.</summary>
    public SqlSagaRepositoryContext(
        SqlSagaDatabaseContext<TSaga> database,
        ConsumeContext<TMessage> consumeContext,
        ISagaConsumeContextFactory<SqlSagaDatabaseContext<TSaga>, TSaga> factory)
        : base(consumeContext, database)
    {
        _database = database;
        _consumeContext = consumeContext;
        _factory = factory;
    }

    /// <inheritdoc />
    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> context, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        _factory.CreateSagaConsumeContext(_database, context, instance, mode);

    /// <inheritdoc />
    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        _factory.CreateSagaConsumeContext(_database, _consumeContext, instance, SagaConsumeContextMode.Add);

    /// <inheritdoc />
    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        await _database.InsertAsync(instance, CancellationToken);
        return await _factory.CreateSagaConsumeContext(_database, _consumeContext, instance, SagaConsumeContextMode.Insert);
    }

    /// <inheritdoc />
    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await _database.LoadAsync(correlationId, CancellationToken);
        return instance is null
            ? null!
            : await _factory.CreateSagaConsumeContext(_database, _consumeContext, instance, SagaConsumeContextMode.Load);
    }

    /// <inheritdoc />
    public Task Save(SagaConsumeContext<TSaga> context) => _database.InsertAsync(context.Saga, CancellationToken);

    /// <inheritdoc />
    public Task Update(SagaConsumeContext<TSaga> context) => _database.UpdateAsync(context.Saga, CancellationToken);

    /// <inheritdoc />
    public Task Delete(SagaConsumeContext<TSaga> context) => _database.DeleteAsync(context.Saga, CancellationToken);

    /// <inheritdoc />
    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    /// <inheritdoc />
    public Task Undo(SagaConsumeContext<TSaga> context) => Task.CompletedTask;
}

/// <summary>The repository outside a message (the load API MassTransit's saga tooling uses).</summary>
public sealed class SqlLoadSagaRepositoryContext<TSaga>(SqlSagaDatabaseContext<TSaga> database, CancellationToken cancellationToken) :
    BasePipeContext(cancellationToken),
    LoadSagaRepositoryContext<TSaga>
    where TSaga : class, IStoredSaga
{
    /// <inheritdoc />
    public async Task<TSaga> Load(Guid correlationId) => (await database.LoadAsync(correlationId, CancellationToken))!;
}
