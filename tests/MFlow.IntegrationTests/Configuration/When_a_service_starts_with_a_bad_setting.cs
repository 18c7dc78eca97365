using MFlow.IntegrationTests.Support;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Configuration;

/// <summary>
/// Settings are validated when a service starts: a bad one stops it at once with a message naming
/// the setting, rather than a service that runs wrongly or fails on first use.
/// </summary>
public sealed class When_a_service_starts_with_a_bad_setting
{
    // Everything else valid (nothing listens there: validation comes before any connection).
    private static readonly Dictionary<string, string?> _valid = new()
    {
        ["ConnectionStrings__RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
        ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=postgres",
        ["MFlow__Worker__Executor"] = "local",
    };

    [Theory]
    [InlineData("MFlow.Workers.Vm", "MFlow__Worker__MaxConcurrentTasks", "0", "MFlow:Worker:MaxConcurrentTasks must be between 1 and 1000.")]
    [InlineData("MFlow.Workers.Build", "MFlow__Bus__PrefetchCount", "-5", "MFlow:Bus:PrefetchCount must be between 1 and 10000.")]
    [InlineData("MFlow.Workers.Deploy", "ConnectionStrings__RabbitMq", "http://broker:5672", "The RabbitMQ URL is not an amqp:// URL")]
    [InlineData("MFlow.Aggregator", "ConnectionStrings__Postgres", "Host=db;Colour=blue", "is not a valid Postgres connection string")]
    public async Task Should_exit_at_start_naming_the_setting(string project, string variable, string value, string expected)
    {
        var environment = new Dictionary<string, string?>(_valid) { [variable] = value };
        await using var service = ServiceProcess.Start(project, environment, $"{project}-bad-setting");

        await service.WaitForExitAsync(ServiceCluster.StartTimeout);

        Assert.NotEqual(0, service.ExitCode);
        Assert.Contains(service.Output, line => line.Contains(expected, StringComparison.Ordinal));
        // The setting's value may be a secret (a connection string's password): it is not echoed.
        Assert.DoesNotContain(service.Output, line => line.Contains(value, StringComparison.Ordinal) && value.Length > 2);
    }
}
