using MFlow.Testing;

namespace MFlow.Benchmarks;

/// <summary>
/// The RabbitMQ and PostgreSQL the benchmark measures against: processes that <c>scripts/bench.sh</c>
/// starts with <c>scripts/test-servers.sh</c> and announces in <c>MFLOW_TEST_*</c> variables, not the
/// tests' containers. The benchmark reports the servers' own CPU and memory, read from
/// <c>/proc</c> through the pids the script records, and wants no container engine's port forwarding
/// between the services and the broker.
/// </summary>
static class BenchmarkServers
{
    /// <summary>The broker.</summary>
    public static RabbitMqServer RabbitMq =>
        new(new Uri(Require("MFLOW_TEST_RABBITMQ_URL")), new Uri(Require("MFLOW_TEST_RABBITMQ_MANAGEMENT_URL")));

    /// <summary>The database server.</summary>
    public static PostgresServer Postgres => new(Require("MFLOW_TEST_POSTGRES"));

    /// <summary>The state directory <c>test-servers.sh</c> keeps the servers' data, logs and pids in.</summary>
    public static string StateDirectory => Require(TestEnvironment.StateDirectoryVariable);

    static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set: the benchmark runs against the servers scripts/bench.sh starts. Run scripts/bench.sh.");
}
