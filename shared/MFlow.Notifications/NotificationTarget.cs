namespace MFlow.Notifications;

/// <summary>Where a subscription delivers, and so which body and signature it gets.</summary>
public static class NotificationTargets
{
    /// <summary>A generic webhook: MFlow's JSON event, signed with the subscription's secret (X-MFlow-Signature-256).</summary>
    public const string Webhook = "webhook";

    /// <summary>A Slack incoming webhook (its URL is its secret; Slack has no signing for these).</summary>
    public const string Slack = "slack";

    /// <summary>A Feishu (Lark) custom bot; with the bot's signing secret, the body carries timestamp and sign.</summary>
    public const string Feishu = "feishu";

    /// <summary>A DingTalk custom robot; with its "SEC..." secret, the URL carries timestamp and sign.</summary>
    public const string DingTalk = "dingtalk";

    /// <summary>A WeCom (WeChat Work) group robot (its URL's key is its secret; no signing).</summary>
    public const string WeCom = "wecom";

    /// <summary>Every target.</summary>
    public static readonly IReadOnlyList<string> All = [Webhook, Slack, Feishu, DingTalk, WeCom];

    /// <summary>Targets that sign with a secret the subscription holds.</summary>
    public static bool TakesSecret(string target) => target is Webhook or Feishu or DingTalk;

    /// <summary>Targets that cannot work without a secret.</summary>
    public static bool NeedsSecret(string target) => target is Webhook;
}
