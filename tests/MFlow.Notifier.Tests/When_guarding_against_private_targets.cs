using System.Net;
using MFlow.Notifications;

namespace MFlow.Notifier.Tests;

public sealed class When_guarding_against_private_targets
{
    [Theory]
    [InlineData("127.0.0.1", "a loopback address")]
    [InlineData("127.255.0.9", "a loopback address")]
    [InlineData("::1", "a loopback address")]
    [InlineData("::ffff:127.0.0.1", "a loopback address")]
    [InlineData("10.0.0.1", "a private address")]
    [InlineData("172.16.0.1", "a private address")]
    [InlineData("172.31.255.255", "a private address")]
    [InlineData("192.168.1.1", "a private address")]
    [InlineData("fd00::1", "a private (unique local) address")]
    [InlineData("169.254.169.254", "a link-local address (cloud metadata lives there)")]
    [InlineData("fe80::1", "a link-local address")]
    [InlineData("100.64.0.1", "a shared (carrier-grade NAT) address")]
    [InlineData("0.0.0.0", "a 'this network' address")]
    [InlineData("224.0.0.1", "a multicast address")]
    [InlineData("::", "the unspecified address")]
    public void Should_refuse_loopback_private_link_local_and_special_addresses(string address, string why) =>
        Assert.Equal(why, NetworkGuard.WhyRefused(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("172.32.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    public void Should_let_public_addresses_through(string address) =>
        Assert.Null(NetworkGuard.WhyRefused(IPAddress.Parse(address)));

    [Fact]
    public async Task Should_refuse_a_name_that_resolves_to_loopback_unless_private_networks_are_allowed()
    {
        Assert.Contains("localhost", await NetworkGuard.CheckHostAsync("localhost", allowPrivate: false, CancellationToken.None));
        Assert.Null(await NetworkGuard.CheckHostAsync("localhost", allowPrivate: true, CancellationToken.None));
    }
}
