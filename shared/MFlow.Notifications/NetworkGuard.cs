using System.Net;
using System.Net.Sockets;

namespace MFlow.Notifications;

/// <summary>
/// Which addresses a subscription may reach (SSRF guard). Checked twice: when a subscription is saved
/// (its host must resolve, and only to public addresses), and on every connection the notifier opens,
/// against the address it actually connects to, so a name that resolves elsewhere later (DNS
/// rebinding) is refused too.
/// </summary>
public static class NetworkGuard
{
    // Special-purpose ranges (RFC 6890 and successors) a webhook has no business reaching.
    static readonly (IPAddress Network, int Prefix, string Why)[] Refused =
    [
        (IPAddress.Parse("0.0.0.0"), 8, "a 'this network' address"),
        (IPAddress.Parse("10.0.0.0"), 8, "a private address"),
        (IPAddress.Parse("100.64.0.0"), 10, "a shared (carrier-grade NAT) address"),
        (IPAddress.Parse("127.0.0.0"), 8, "a loopback address"),
        (IPAddress.Parse("169.254.0.0"), 16, "a link-local address (cloud metadata lives there)"),
        (IPAddress.Parse("172.16.0.0"), 12, "a private address"),
        (IPAddress.Parse("192.0.0.0"), 24, "an IETF protocol assignment"),
        (IPAddress.Parse("192.168.0.0"), 16, "a private address"),
        (IPAddress.Parse("198.18.0.0"), 15, "a benchmarking address"),
        (IPAddress.Parse("224.0.0.0"), 4, "a multicast address"),
        (IPAddress.Parse("240.0.0.0"), 4, "a reserved address"),
        (IPAddress.Parse("::"), 128, "the unspecified address"),
        (IPAddress.Parse("::1"), 128, "a loopback address"),
        (IPAddress.Parse("64:ff9b:1::"), 48, "a local-use NAT64 address"),
        (IPAddress.Parse("fc00::"), 7, "a private (unique local) address"),
        (IPAddress.Parse("fe80::"), 10, "a link-local address"),
        (IPAddress.Parse("fec0::"), 10, "a site-local address"),
        (IPAddress.Parse("ff00::"), 8, "a multicast address"),
    ];

    /// <summary>Why <paramref name="address"/> is refused, or null when it is a public address.</summary>
    public static string? WhyRefused(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        else if (EmbeddedIPv4(address) is { } embedded)
            return WhyRefused(embedded) is { } embeddedWhy ? $"{embeddedWhy} (embedded in {address})" : null;
        foreach (var (network, prefix, why) in Refused)
        {
            if (network.AddressFamily == address.AddressFamily && InNetwork(address, network, prefix))
                return why;
        }

        return null;
    }

    /// <summary>
    /// Why <paramref name="address"/> is refused even where private networks are allowed: link-local
    /// addresses, where cloud metadata services (169.254.169.254) answer, never hold a webhook receiver.
    /// </summary>
    public static string? WhyAlwaysRefused(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        else if (EmbeddedIPv4(address) is { } embedded)
            address = embedded;
        return address.AddressFamily == AddressFamily.InterNetwork && InNetwork(address, IPAddress.Parse("169.254.0.0"), 16)
            || address.AddressFamily == AddressFamily.InterNetworkV6 && InNetwork(address, IPAddress.Parse("fe80::"), 10)
            ? "a link-local address (cloud metadata lives there), refused even where private networks are allowed"
            : null;
    }

    // The IPv4 address an IPv6 one carries and reaches: NAT64 (64:ff9b::/96), 6to4 (2002::/16), and
    // the deprecated IPv4-compatible form (::a.b.c.d); null for any other address.
    static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return null;
        var bytes = address.GetAddressBytes();
        if (InNetwork(address, IPAddress.Parse("64:ff9b::"), 96))
            return new IPAddress(bytes[12..16]);
        if (bytes[0] == 0x20 && bytes[1] == 0x02)
            return new IPAddress(bytes[2..6]);
        if (bytes[..12].All(b => b == 0) && !(bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0 && bytes[15] <= 1))
            return new IPAddress(bytes[12..16]);
        return null;
    }

    /// <summary>
    /// Resolves <paramref name="host"/> and returns why it is refused (an address it resolves to is
    /// not public, or it does not resolve), or null when every address is public. Nothing is refused
    /// when <paramref name="allowPrivate"/> is true, except a name that does not resolve.
    /// </summary>
    public static async Task<string?> CheckHostAsync(string host, bool allowPrivate, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return $"the host '{host}' does not resolve";
        }

        if (addresses.Length == 0)
            return $"the host '{host}' does not resolve";
        foreach (var address in addresses)
        {
            if (WhyAlwaysRefused(address) is { } always)
                return $"the host '{host}' resolves to {address}, {always}";
            if (allowPrivate)
                continue;
            if (WhyRefused(address) is { } why)
                return $"the host '{host}' resolves to {address}, {why}; private networks are refused unless MFlow:Notifications:AllowPrivateNetworks is true";
        }

        return null;
    }

    static bool InNetwork(IPAddress address, IPAddress network, int prefix)
    {
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        var whole = prefix / 8;
        for (var i = 0; i < whole; i++)
        {
            if (a[i] != n[i])
                return false;
        }

        var rest = prefix % 8;
        if (rest == 0)
            return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (a[whole] & mask) == (n[whole] & mask);
    }
}
