using System.Security.Cryptography;
using System.Text;

namespace MFlow.Notifier.Delivery;

/// <summary>How each target signs a request, as its platform documents it. Pure.</summary>
public static class Signatures
{
    /// <summary>
    /// A generic webhook's X-MFlow-Signature-256: "sha256=" and the lowercase hex HMAC-SHA256 of
    /// "&lt;timestamp&gt;.&lt;body&gt;" keyed with the subscription's secret (as Stripe signs; the
    /// timestamp in the signed text lets a receiver refuse a replayed request).
    /// </summary>
    public static string Webhook(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>
    /// A Feishu custom bot's "sign": base64 of HMAC-SHA256 keyed with "&lt;timestamp&gt;\n&lt;secret&gt;"
    /// over nothing (Feishu's documented algorithm; timestamp in seconds).
    /// </summary>
    public static string Feishu(string secret, long unixSeconds) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes($"{unixSeconds}\n{secret}"), Array.Empty<byte>()));

    /// <summary>
    /// A DingTalk robot's "sign": base64 of HMAC-SHA256 keyed with the secret over
    /// "&lt;timestamp&gt;\n&lt;secret&gt;" (timestamp in milliseconds); URL-encoded by the caller.
    /// </summary>
    public static string DingTalk(string secret, long unixMilliseconds) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{unixMilliseconds}\n{secret}")));
}
