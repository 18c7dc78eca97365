using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using MFlow.IntegrationTests.Support;
using MFlow.Notifications;
using static MFlow.IntegrationTests.Notifications.Subscriptions;
using static MFlow.IntegrationTests.Support.PipelineDocuments;

namespace MFlow.IntegrationTests.Notifications;

/// <summary>
/// Each chat platform's receiver checks what that platform checks: the body format it documents, and
/// the signature where it has one (Feishu: timestamp and sign in the body; DingTalk: in the URL).
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class When_run_events_are_delivered_to_chat_bots(ServiceCluster cluster)
{
    const string FeishuSecret = "feishu-signing-secret";
    const string DingTalkSecret = "SECdingtalk0123456789";

    [Fact]
    public async Task Should_give_each_platform_its_documented_body_and_signature()
    {
        // Each answers as its platform does: Slack "ok", the others a JSON code of 0.
        await using var receiver = await WebhookReceiver.StartAsync((request, _, _) => Task.FromResult(request.Path switch
        {
            "/slack" => (200, "ok"),
            "/feishu" => (200, "{\"code\":0,\"msg\":\"success\",\"data\":{}}"),
            _ => (200, "{\"errcode\":0,\"errmsg\":\"ok\"}"),
        }));
        var pipeline = UniquePipeline("notify-chat");
        var subscriptions = new Dictionary<string, Guid>();
        foreach (var (target, path, secret) in new[]
        {
            ("slack", "/slack", (string?)null), ("feishu", "/feishu", FeishuSecret), ("dingtalk", "/dingtalk?access_token=tok123", DingTalkSecret), ("wecom", "/wecom?key=k-456", null),
        })
        {
            subscriptions[target] = await CreateAsync(cluster.Api, new
            {
                name = $"{pipeline}-{target}", target, url = receiver.Url(path), secret, pipelines = new[] { pipeline }, events = new[] { NotificationEvents.RunFailed },
            });
        }

        var runId = await cluster.SubmitAsync(Document(pipeline,
            Stage("test", ShellTask("integration", "build", "echo 'step 1 ok'; echo 'FAIL: <!channel> payment service timed out' >&2; exit 7"))), "application/json");
        Assert.Equal("Failed", (await cluster.WaitUntilFinalAsync(runId)).State);

        // Slack incoming webhook: text (the notification's fallback) and blocks in mrkdwn; a mention in the log is escaped, never sent as one.
        using (var slack = JsonDocument.Parse(Assert.Single(await receiver.WaitForAsync("/slack", 1, DeliveryTimeout)).Body))
        {
            Assert.Equal($"Pipeline {pipeline} failed", slack.RootElement.GetProperty("text").GetString());
            var section = slack.RootElement.GetProperty("blocks")[0];
            Assert.Equal("section", section.GetProperty("type").GetString());
            Assert.Equal("mrkdwn", section.GetProperty("text").GetProperty("type").GetString());
            var text = section.GetProperty("text").GetProperty("text").GetString()!;
            Assert.Contains("integration (exit 7, Error)", text);
            Assert.Contains("&lt;!channel&gt; payment service timed out", text);
            Assert.DoesNotContain("<!channel>", text);
            Assert.Contains($"<{ServiceCluster.PublicUrl}api/v1/runs/{runId}|Open the run>", text);
        }

        // Feishu custom bot: msg_type text, with timestamp (seconds) and sign = base64(HMAC-SHA256(key: "timestamp\nsecret", message: empty)).
        using (var feishu = JsonDocument.Parse(Assert.Single(await receiver.WaitForAsync("/feishu", 1, DeliveryTimeout)).Body))
        {
            var root = feishu.RootElement;
            var timestamp = root.GetProperty("timestamp").GetString()!;
            Assert.InRange(long.Parse(timestamp), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes($"{timestamp}\n{FeishuSecret}"), Array.Empty<byte>()));
            Assert.Equal(expected, root.GetProperty("sign").GetString());
            Assert.Equal("text", root.GetProperty("msg_type").GetString());
            var text = root.GetProperty("content").GetProperty("text").GetString()!;
            Assert.StartsWith($"Pipeline {pipeline} failed", text);
            Assert.Contains("payment service timed out", text);
        }

        // DingTalk robot: msgtype markdown; timestamp (ms) and sign = urlencode(base64(HMAC-SHA256(key: secret, message: "timestamp\nsecret"))) in the URL.
        var dingtalk = Assert.Single(await receiver.WaitForAsync("/dingtalk", 1, DeliveryTimeout));
        var query = HttpUtility.ParseQueryString(dingtalk.Query);
        Assert.Equal("tok123", query["access_token"]);
        var milliseconds = query["timestamp"]!;
        Assert.InRange(long.Parse(milliseconds), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.Equal(
            Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(DingTalkSecret), Encoding.UTF8.GetBytes($"{milliseconds}\n{DingTalkSecret}"))),
            query["sign"]);
        using (var body = JsonDocument.Parse(dingtalk.Body))
        {
            Assert.Equal("markdown", body.RootElement.GetProperty("msgtype").GetString());
            Assert.Equal($"Pipeline {pipeline} failed", body.RootElement.GetProperty("markdown").GetProperty("title").GetString());
            Assert.Contains("**Failed:** integration (exit 7, Error)", body.RootElement.GetProperty("markdown").GetProperty("text").GetString());
        }

        // WeCom group robot: msgtype markdown with content, the key kept in the URL.
        var wecom = Assert.Single(await receiver.WaitForAsync("/wecom", 1, DeliveryTimeout));
        Assert.Equal("?key=k-456", wecom.Query);
        using (var body = JsonDocument.Parse(wecom.Body))
        {
            Assert.Equal("markdown", body.RootElement.GetProperty("msgtype").GetString());
            var content = body.RootElement.GetProperty("markdown").GetProperty("content").GetString()!;
            Assert.StartsWith($"### Pipeline {pipeline} failed", content);
            Assert.Contains($"[Open the run]({ServiceCluster.PublicUrl}api/v1/runs/{runId})", content);
        }

        foreach (var (target, id) in subscriptions)
            await WaitForLogAsync(cluster.Api, id, d => d.Status == DeliveryStatus.Delivered, $"the {target} delivery is logged as delivered");
    }

    [Fact]
    public async Task Should_count_a_platform_error_code_in_a_200_answer_as_a_failed_try()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, number, _) =>
            Task.FromResult(number == 1 ? (200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}") : (200, "{\"errcode\":0,\"errmsg\":\"ok\"}")));
        var name = UniquePipeline("notify-dingtalk-refuses");
        var id = await CreateAsync(cluster.Api, new { name, target = "dingtalk", url = receiver.Url("/robot/send?access_token=t"), secret = DingTalkSecret });

        using (var response = await cluster.Api.PostAsync($"/api/v1/subscriptions/{id}/test", null))
            response.EnsureSuccessStatusCode();

        var log = await WaitForLogAsync(cluster.Api, id, d => d.Status == DeliveryStatus.Delivered, "the test event is delivered on its second try");
        var attempts = Assert.Single(log).AttemptLog;
        Assert.Equal(2, attempts.Count);
        Assert.Contains("errcode 310000", attempts[0].Error);
        Assert.Null(attempts[1].Error);
    }
}
