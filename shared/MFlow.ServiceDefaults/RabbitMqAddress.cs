namespace MFlow.ServiceDefaults;

/// <summary>The parts of an AMQP URL, parsed once so that credentials never end up in a log line.</summary>
public sealed record RabbitMqAddress(string Host, int Port, string VirtualHost, string Username, string Password, bool UseTls)
{
    /// <summary>What is wrong with a URL <see cref="Parse"/> refuses (never the URL itself: it may hold a password).</summary>
    public const string NotAnAmqpUrl = "The RabbitMQ URL is not an amqp:// URL (set ConnectionStrings:RabbitMq or MFlow:Bus:RabbitMqUrl).";

    /// <summary>Parses amqp://user:password@host:port/vhost (and amqps://, rabbitmq://).</summary>
    /// <exception cref="InvalidOperationException">It is not such a URL.</exception>
    public static RabbitMqAddress Parse(string url) =>
        TryParse(url, out var address) ? address : throw new InvalidOperationException(NotAnAmqpUrl);

    /// <summary>Parses amqp://user:password@host:port/vhost (and amqps://, rabbitmq://); false for anything else.</summary>
    public static bool TryParse(string url, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RabbitMqAddress? address)
    {
        address = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps" or "rabbitmq" or "rabbitmqs"))
            return false;

        var useTls = uri.Scheme.EndsWith('s');
        var user = "guest";
        var password = "guest";
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
        }

        var path = uri.AbsolutePath.TrimStart('/');
        var virtualHost = path.Length == 0 ? "/" : Uri.UnescapeDataString(path);
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (useTls ? 5671 : 5672) : uri.Port;
        address = new RabbitMqAddress(uri.Host, port, virtualHost, user, password, useTls);
        return true;
    }

    /// <summary>The address without credentials, safe to log.</summary>
    public override string ToString() => $"{(UseTls ? "amqps" : "amqp")}://{Host}:{Port}/{Uri.EscapeDataString(VirtualHost)}";
}
