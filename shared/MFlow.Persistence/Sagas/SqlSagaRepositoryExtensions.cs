using System.Text.Json;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MFlow.Persistence.Sagas;

/// <summary>Registers <see cref="SqlSagaRepositoryContextFactory{TSaga}"/> for a saga.</summary>
public static class SqlSagaRepositoryExtensions
{
    /// <summary>
    /// Stores the saga in <paramref name="tableName"/> (correlation_id, current_state, version, data,
    /// updated_at) of MFlow's <see cref="Database"/>, with optimistic concurrency: a lost race throws
    /// <see cref="ConcurrencyException"/>, which the endpoint's retry policy must retry.
    /// </summary>
    public static ISagaRegistrationConfigurator<TSaga> SqlRepository<TSaga>(this ISagaRegistrationConfigurator<TSaga> saga, string tableName, JsonSerializerOptions json)
        where TSaga : class, IStoredSaga =>
        saga.Repository(repository =>
        {
            repository.TryAddSingleton(new SqlSagaRepositoryOptions<TSaga>(tableName, json));
            repository.RegisterLoadSagaRepository<TSaga, SqlSagaRepositoryContextFactory<TSaga>>();
            repository.RegisterQuerySagaRepository<TSaga, SqlSagaRepositoryContextFactory<TSaga>>();
            repository.RegisterSagaRepository<TSaga, SqlSagaDatabaseContext<TSaga>,
                SagaConsumeContextFactory<SqlSagaDatabaseContext<TSaga>, TSaga>, SqlSagaRepositoryContextFactory<TSaga>>();
        });
}
