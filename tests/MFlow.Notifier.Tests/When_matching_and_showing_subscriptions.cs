using MFlow.Notifications;

namespace MFlow.Notifier.Tests;

public sealed class When_matching_and_showing_subscriptions
{
    [Fact]
    public void Should_match_by_event_and_pipeline_and_a_filter_without_version_every_version()
    {
        var subscription = new Subscription { Events = ["run.failed"], Pipelines = ["deploy-shop"] };
        Assert.True(subscription.Wants("run.failed", "deploy-shop"));
        Assert.True(subscription.Wants("run.failed", "deploy-shop:1.2.0"));
        Assert.False(subscription.Wants("run.succeeded", "deploy-shop"));
        Assert.False(subscription.Wants("run.failed", "deploy-shopping"));
        Assert.True((subscription with { Pipelines = [] }).Wants("run.failed", "anything"));
        Assert.False((subscription with { Enabled = false }).Wants("run.failed", "deploy-shop"));
    }

    [Theory]
    [InlineData("https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx", "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/***")]
    [InlineData("https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef", "https://oapi.dingtalk.com/robot/send?access_token=***")]
    [InlineData("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***")]
    [InlineData("https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-4e5f-6789-abcd-ef0123456789", "https://open.feishu.cn/open-apis/bot/v2/hook/***")]
    [InlineData("https://hooks.example.com:8443/mflow", "https://hooks.example.com:8443/mflow")]
    public void Should_mask_what_looks_like_a_credential_in_a_url(string url, string shown) =>
        Assert.Equal(shown, SubscriptionView.MaskedUrl(url));
}
