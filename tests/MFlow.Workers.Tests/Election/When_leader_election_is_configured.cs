using MFlow.Execution.Kubernetes;
using MFlow.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MFlow.Workers.Tests.Election;

/// <summary>Timings under which a leader could not keep its Lease stop the worker at start, naming the setting.</summary>
public sealed class When_leader_election_is_configured
{
    [Theory]
    [InlineData("15", "10", "0", "MFlow:Kubernetes:LeaderElection:RetryPeriod must be positive.")]
    [InlineData("15", "2", "2", "MFlow:Kubernetes:LeaderElection:RenewDeadline must be longer than 1.2 times RetryPeriod (00:00:02).")]
    [InlineData("10", "10", "2", "MFlow:Kubernetes:LeaderElection:LeaseDuration must be longer than RenewDeadline (00:00:10).")]
    public void Should_refuse_timings_a_leader_could_not_keep_its_lease_with(string leaseSeconds, string renewSeconds, string retrySeconds, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(new()
        {
            ["Enabled"] = "true",
            ["LeaseDuration"] = $"00:00:{leaseSeconds}",
            ["RenewDeadline"] = $"00:00:{renewSeconds}",
            ["RetryPeriod"] = $"00:00:{retrySeconds}",
        }));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Should_accept_client_gos_defaults_and_any_timing_while_disabled()
    {
        Assert.True(Options(new() { ["Enabled"] = "true" }).LeaderElection.Enabled);
        Assert.False(Options(new() { ["RetryPeriod"] = "00:00:00" }).LeaderElection.Enabled);
    }

    static KubernetesExecutorOptions Options(Dictionary<string, string?> leaderElection)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(leaderElection.ToDictionary(setting => $"{KubernetesExecutorOptions.Section}:LeaderElection:{setting.Key}", setting => setting.Value));
        builder.AddValidatedOptions<KubernetesExecutorOptions>(KubernetesExecutorOptions.Section);
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<KubernetesExecutorOptions>>().Value;
    }
}
