using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MFlow.Notifications;
using MFlow.Notifier.Messages;

namespace MFlow.Notifier.Delivery;

/// <summary>
/// The request each target gets for a notification, in the body its platform documents, signed the
/// way it documents. Pure: the clock and the secret are arguments, so every format is tested as data.
/// </summary>
/// <remarks>
/// Text from runs (task names, messages, log lines) is untrusted: in chat bodies the characters a
/// platform reads as a mention or a link (Slack's &lt;!channel&gt;, Feishu's &lt;at&gt;, WeCom's
/// &lt;@user&gt;) are neutralised, and every body stays under its platform's size limit.
/// </remarks>
public static class PlatformMessages
{
    /// <summary>How the generic webhook's body is written: camelCase, nulls left out.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Header names of the generic webhook.</summary>
    public const string EventHeader = "X-MFlow-Event", DeliveryHeader = "X-MFlow-Delivery", TimestampHeader = "X-MFlow-Timestamp", SignatureHeader = "X-MFlow-Signature-256";

    // Slack's section text holds 3000 characters; WeCom's markdown 4096 bytes; DingTalk and Feishu
    // take more, but a chat message longer than this is not read anyway.
    const int MaxChatText = 2800;

    /// <summary>The request for <paramref name="notification"/> to a subscription's target.</summary>
    public static OutgoingRequest For(string target, string url, string? secret, NotificationEvent notification, DateTimeOffset now) => target switch
    {
        NotificationTargets.Webhook => Webhook(url, secret, notification, now),
        NotificationTargets.Slack => Post(url, new JsonObject
        {
            ["text"] = Title(notification),
            ["blocks"] = new JsonArray(new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Cut(Slack(notification), MaxChatText) },
            }),
        }),
        NotificationTargets.Feishu => Post(url, Feishu(notification, secret, now)),
        NotificationTargets.DingTalk => Post(DingTalkUrl(url, secret, now), new JsonObject
        {
            ["msgtype"] = "markdown",
            ["markdown"] = new JsonObject { ["title"] = Title(notification), ["text"] = Cut(DingTalk(notification), MaxChatText) },
        }),
        NotificationTargets.WeCom => Post(url, new JsonObject
        {
            ["msgtype"] = "markdown",
            ["markdown"] = new JsonObject { ["content"] = CutUtf8(WeCom(notification), 4000) },
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown target."),
    };

    /// <summary>One line that says what happened.</summary>
    public static string Title(NotificationEvent n)
    {
        var pipeline = n.Run?.PipelineName ?? "";
        return n.Event switch
        {
            NotificationEvents.RunStarted => $"Pipeline {pipeline} started",
            NotificationEvents.RunSucceeded => $"Pipeline {pipeline} succeeded",
            NotificationEvents.RunFailed when n.Run?.State == "Rejected" => $"Pipeline {pipeline} was rejected",
            NotificationEvents.RunFailed => $"Pipeline {pipeline} failed",
            NotificationEvents.RunWaitingForApproval => $"Pipeline {pipeline} waits for approval",
            NotificationEvents.RunCancelled => $"Pipeline {pipeline} was cancelled",
            NotificationEvents.TaskFailed => $"Task {n.Task?.Name} failed{(n.Task?.AllowedFailure == true ? " (allowed to fail)" : "")} in pipeline {pipeline}",
            _ => "MFlow test event",
        };
    }

    static OutgoingRequest Webhook(string url, string? secret, NotificationEvent n, DateTimeOffset now)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(n, Json);
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var headers = new List<KeyValuePair<string, string>>
        {
            new(EventHeader, n.Event),
            new(DeliveryHeader, n.DeliveryId.ToString()),
            new(TimestampHeader, timestamp),
        };
        if (secret is not null)
            headers.Add(new(SignatureHeader, Signatures.Webhook(secret, timestamp, body)));
        return new OutgoingRequest(new Uri(url), body, headers);
    }

    static JsonObject Feishu(NotificationEvent n, string? secret, DateTimeOffset now)
    {
        var message = new JsonObject();
        if (secret is not null)
        {
            var seconds = now.ToUnixTimeSeconds();
            message["timestamp"] = seconds.ToString(CultureInfo.InvariantCulture);
            message["sign"] = Signatures.Feishu(secret, seconds);
        }

        message["msg_type"] = "text";
        message["content"] = new JsonObject { ["text"] = Cut(Plain(n, Neutralise), MaxChatText) };
        return message;
    }

    static string DingTalkUrl(string url, string? secret, DateTimeOffset now)
    {
        if (secret is null)
            return url;
        var milliseconds = now.ToUnixTimeMilliseconds();
        var separator = url.Contains('?') ? '&' : '?';
        return $"{url}{separator}timestamp={milliseconds}&sign={Uri.EscapeDataString(Signatures.DingTalk(secret, milliseconds))}";
    }

    // The facts every format shows, as (label, value) lines, and the failed tasks.
    static IEnumerable<(string Label, string Value)> Facts(NotificationEvent n)
    {
        if (n.Message is { } message)
            yield return ("", message);
        if (n.Run is not { } run)
            yield break;
        yield return ("Run", run.Id.ToString());
        if (run.Trigger is not null || run.TriggeredBy is not null)
            yield return ("Trigger", string.Join(" by ", new[] { run.Trigger, run.TriggeredBy }.Where(v => v is not null)));
        if (run.IdempotencyKey is { } key)
            yield return ("Key", key);
        if (run.DurationSeconds is { } seconds)
            yield return ("Duration", Duration(seconds));
        if (run.CancelReason is { } reason)
            yield return ("Reason", run.CancelledBy is { } by ? $"{reason} (by {by})" : reason);
    }

    static IReadOnlyList<FailedTaskSummary> Failures(NotificationEvent n) =>
        n.Task is { } task ? [task] : n.Run?.FailedTasks ?? [];

    static string Failure(FailedTaskSummary t) =>
        t.Name + " (" + string.Join(", ", new[] { t.ExitCode is { } code ? $"exit {code}" : null, t.Reason }.Where(v => v is not null)) + ")"
        + (t.Message is { } message ? ": " + message : "");

    // Plain text (Feishu): neutralised by the caller's rule.
    static string Plain(NotificationEvent n, Func<string, string> safe)
    {
        var text = new StringBuilder(safe(Title(n))).Append('\n');
        foreach (var (label, value) in Facts(n))
            text.Append(label.Length > 0 ? $"{label}: " : "").Append(safe(value)).Append('\n');
        foreach (var failure in Failures(n))
        {
            text.Append("Failed: ").Append(safe(Failure(failure))).Append('\n');
            if (failure.LogTail is { Length: > 0 } tail)
                text.Append(safe(tail)).Append('\n');
        }

        if (n.Run?.Url is { } url)
            text.Append(url).Append('\n');
        return text.ToString().TrimEnd();
    }

    static string Slack(NotificationEvent n)
    {
        static string Escape(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
        var text = new StringBuilder($"*{Escape(Title(n))}*\n");
        foreach (var (label, value) in Facts(n))
            text.Append(label.Length > 0 ? $"*{label}:* " : "").Append(Escape(value)).Append('\n');
        foreach (var failure in Failures(n))
        {
            text.Append("*Failed:* ").Append(Escape(Failure(failure))).Append('\n');
            if (failure.LogTail is { Length: > 0 } tail)
                text.Append("```").Append(Escape(tail.Replace("```", "'''"))).Append("```\n");
        }

        if (n.Run?.Url is { } url)
            text.Append('<').Append(url).Append("|Open the run>\n");
        return text.ToString().TrimEnd();
    }

    static string DingTalk(NotificationEvent n) => Markdown(n, "#### ", value => Neutralise(value).Replace("\n", "\n> "));

    static string WeCom(NotificationEvent n) => Markdown(n, "### ", value => Neutralise(value).Replace("\n", "\n> "));

    // Markdown for DingTalk and WeCom: a heading, facts in bold, log tails quoted, the link last.
    static string Markdown(NotificationEvent n, string heading, Func<string, string> safe)
    {
        var text = new StringBuilder(heading).Append(safe(Title(n))).Append("\n\n");
        foreach (var (label, value) in Facts(n))
            text.Append(label.Length > 0 ? $"**{label}:** " : "").Append(safe(value)).Append("\n\n");
        foreach (var failure in Failures(n))
        {
            text.Append("**Failed:** ").Append(safe(Failure(failure))).Append("\n\n");
            if (failure.LogTail is { Length: > 0 } tail)
                text.Append("> ").Append(safe(tail)).Append("\n\n");
        }

        if (n.Run?.Url is { } url)
            text.Append("[Open the run](").Append(url).Append(")\n");
        return text.ToString().TrimEnd();
    }

    // Tags and mentions (<at ...>, <@user>) and link syntax ([text](url)) in run text are shown, never acted on.
    static string Neutralise(string value) =>
        value.Replace('<', '‹').Replace('>', '›').Replace("](", "] (");

    static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m {span.Seconds}s"
            : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds}s"
            : $"{seconds:0.#}s";
    }

    static OutgoingRequest Post(string url, JsonObject body) =>
        new(new Uri(url), Encoding.UTF8.GetBytes(body.ToJsonString()), []);

    static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    static string CutUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
            return text;
        var cut = text;
        while (Encoding.UTF8.GetByteCount(cut) > maxBytes - 3)
            cut = cut[..(cut.Length * 9 / 10)];
        return cut + "…";
    }
}

/// <summary>One HTTP POST: where, the JSON body, and the headers beside Content-Type.</summary>
public sealed record OutgoingRequest(Uri Url, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers);
