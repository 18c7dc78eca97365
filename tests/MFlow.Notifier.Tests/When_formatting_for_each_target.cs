using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MFlow.Notifications;
using MFlow.Notifier.Delivery;
using MFlow.Notifier.Messages;

namespace MFlow.Notifier.Tests;

public sealed class When_formatting_for_each_target
{
    static readonly DateTimeOffset Now = new(2026, 12, 6, 4, 0, 0, TimeSpan.Zero);

    static readonly NotificationEvent Failed = new()
    {
        Event = NotificationEvents.RunFailed,
        DeliveryId = Guid.Parse("0b6a9a52-55f5-4d4c-9d0c-3a1e2f5b7c11"),
        OccurredAt = Now,
        Run = new RunSummary
        {
            Id = Guid.Parse("01937c1e-0000-7000-8000-000000000001"), PipelineName = "deploy-shop", State = "Failed", Trigger = "push to main",
            TriggeredBy = "release-bot", DurationSeconds = 83.2, Url = "https://mflow.example.com/api/v1/runs/01937c1e-0000-7000-8000-000000000001",
            FailedTasks = [new FailedTaskSummary { Name = "unit-tests", Attempt = 1, ExitCode = 3, Reason = "Error", Message = "exited with code 3", LogTail = "<!channel> <at user_id=\"all\">x</at> [click](http://evil)" }],
        },
    };

    [Fact]
    public void Should_sign_a_webhook_over_the_timestamp_and_the_exact_body()
    {
        var request = PlatformMessages.For(NotificationTargets.Webhook, "https://hooks.example.com/mflow", "whsec", Failed, Now);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value);

        Assert.Equal("run.failed", headers["X-MFlow-Event"]);
        Assert.Equal(Failed.DeliveryId.ToString(), headers["X-MFlow-Delivery"]);
        Assert.Equal(Now.ToUnixTimeSeconds().ToString(), headers["X-MFlow-Timestamp"]);
        var signed = Encoding.UTF8.GetBytes($"{headers["X-MFlow-Timestamp"]}.").Concat(request.Body).ToArray();
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData("whsec"u8.ToArray(), signed)), headers["X-MFlow-Signature-256"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("unit-tests", body.RootElement.GetProperty("run").GetProperty("failedTasks")[0].GetProperty("name").GetString());
        Assert.False(body.RootElement.TryGetProperty("task", out _)); // nulls are left out
    }

    [Fact]
    public void Should_never_let_run_text_mention_anyone_or_inject_a_link()
    {
        foreach (var target in new[] { NotificationTargets.Slack, NotificationTargets.Feishu, NotificationTargets.DingTalk, NotificationTargets.WeCom })
        {
            var text = JsonDocument.Parse(PlatformMessages.For(target, "https://chat.example.com/hook", null, Failed, Now).Body).RootElement.ToString();
            Assert.DoesNotContain("<!channel>", text);
            Assert.DoesNotContain("<at user_id", text);
            // Slack's links are <url|text>, escaped above; [text](url) is inert there.
            if (target != NotificationTargets.Slack)
                Assert.DoesNotContain("[click](http://evil)", text);
        }
    }

    [Fact]
    public void Should_sign_feishu_in_the_body_and_dingtalk_in_the_url()
    {
        var feishu = JsonDocument.Parse(PlatformMessages.For(NotificationTargets.Feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/x", "fs", Failed, Now).Body).RootElement;
        var seconds = Now.ToUnixTimeSeconds();
        Assert.Equal(seconds.ToString(), feishu.GetProperty("timestamp").GetString());
        Assert.Equal(Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes($"{seconds}\nfs"), Array.Empty<byte>())), feishu.GetProperty("sign").GetString());

        var dingtalk = PlatformMessages.For(NotificationTargets.DingTalk, "https://oapi.dingtalk.com/robot/send?access_token=t", "SECx", Failed, Now);
        var milliseconds = Now.ToUnixTimeMilliseconds();
        var sign = Uri.EscapeDataString(Convert.ToBase64String(HMACSHA256.HashData("SECx"u8.ToArray(), Encoding.UTF8.GetBytes($"{milliseconds}\nSECx"))));
        Assert.Equal($"https://oapi.dingtalk.com/robot/send?access_token=t&timestamp={milliseconds}&sign={sign}", dingtalk.Url.OriginalString);

        // Without a secret, neither carries a signature.
        Assert.False(JsonDocument.Parse(PlatformMessages.For(NotificationTargets.Feishu, "https://f.example/h", null, Failed, Now).Body).RootElement.TryGetProperty("sign", out _));
    }

    [Fact]
    public void Should_keep_a_wecom_message_under_its_4096_byte_limit()
    {
        var huge = Failed with { Run = Failed.Run! with { FailedTasks = [.. Enumerable.Range(0, 50).Select(i => new FailedTaskSummary { Name = $"task-{i}", LogTail = new string('日', 2000) })] } };
        var content = JsonDocument.Parse(PlatformMessages.For(NotificationTargets.WeCom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", null, huge, Now).Body)
            .RootElement.GetProperty("markdown").GetProperty("content").GetString()!;
        Assert.InRange(Encoding.UTF8.GetByteCount(content), 1, 4096);
    }
}
