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
    [InlineData("64:ff9b::a9fe:a9fe", "169.254.169.254")] // NAT64 of the metadata address
    [InlineData("64:ff9b::a00:1", "10.0.0.1")]
    [InlineData("2002:7f00:1::", "127.0.0.1")]            // 6to4
    [InlineData("::a00:1", "10.0.0.1")]                   // IPv4-compatible
    public void Should_refuse_an_ipv6_address_that_carries_a_refused_ipv4_one(string address, string carried) =>
        Assert.Equal(NetworkGuard.WhyRefused(IPAddress.Parse(carried)) + $" (embedded in {IPAddress.Parse(address)})", NetworkGuard.WhyRefused(IPAddress.Parse(address)));

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("fe80::1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    public void Should_refuse_link_local_addresses_even_where_private_networks_are_allowed(string address) =>
        Assert.Contains("refused even where private networks are allowed", NetworkGuard.WhyAlwaysRefused(IPAddress.Parse(address)));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.1")]
    public void Should_leave_loopback_and_private_addresses_to_the_setting(string address) =>
        Assert.Null(NetworkGuard.WhyAlwaysRefused(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("172.32.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("64:ff9b::808:808")] // NAT64 of 8.8.8.8
    public void Should_let_public_addresses_through(string address) =>
        Assert.Null(NetworkGuard.WhyRefused(IPAddress.Parse(address)));

    [Fact]
    public async Task Should_refuse_a_name_that_resolves_to_loopback_unless_private_networks_are_allowed()
    {
        Assert.Contains("localhost", await NetworkGuard.CheckHostAsync("localhost", allowPrivate: false, CancellationToken.None));
        Assert.Null(await NetworkGuard.CheckHostAsync("localhost", allowPrivate: true, CancellationToken.None));
    }
}
