using MassTransit;

namespace MFlow.Persistence.Sagas;

/// <summary>A state machine saga instance <see cref="SqlSagaRepositoryExtensions.SqlRepository{TSaga}"/> can store.</summary>
public interface IStoredSaga : SagaStateMachineInstance, ISagaVersion
{
    /// <summary>The state machine's current state, kept in its own column so it can be queried.</summary>
    string CurrentState { get; set; }
}
