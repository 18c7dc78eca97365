using MFlow.Contracts;
using MFlow.Notifications;
using MFlow.Notifier.Delivery;
using MFlow.Notifier.Messages;

namespace MFlow.Notifier.Tests;

public sealed class When_a_run_waits_or_is_stopped
{
    static readonly DateTimeOffset Now = new(2026, 12, 6, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_announce_a_gate_with_what_it_asks_and_when_its_timeout_decides()
    {
        var runId = Guid.NewGuid();
        var occurrence = NotificationEventFactory.From(new PipelineRunWaitingForApproval
        {
            RunId = runId, PipelineName = "release", StageIndex = 2, StageName = "production", Message = "Ship it?",
            WaitingSince = Now, ExpiresAt = Now.AddHours(4), OnTimeout = "reject", RunUrl = "https://mflow.example.com/api/v1/runs/x",
        });

        Assert.Equal($"run.waiting_for_approval/{runId}/2", occurrence.Key);
        Assert.Equal(NotificationEvents.RunWaitingForApproval, occurrence.Notification.Event);
        Assert.Equal("WaitingForApproval", occurrence.Notification.Run!.State);
        Assert.Equal("Stage 'production' waits for approval: Ship it? (its timeout rejects it at 2026-12-06 08:00:00Z)", occurrence.Notification.Message);
        Assert.Equal("Pipeline release waits for approval", PlatformMessages.Title(occurrence.Notification));
        Assert.True(NotificationEvents.IsKnown("run.waiting_for_approval"));
    }

    [Theory]
    [InlineData("Rejected", "Stage 'production' was rejected by ops: not today", "Rejected", "Pipeline release was rejected")]
    [InlineData("Timeout", "The run's timeout (30m) expired.", "Failed", "Pipeline release failed")]
    public void Should_say_why_a_run_failed_without_a_failed_task(string reason, string message, string state, string title)
    {
        var occurrence = NotificationEventFactory.From(new PipelineRunFailed
        {
            RunId = Guid.NewGuid(), PipelineName = "release", Reason = reason, Message = message, StartedAt = Now, CompletedAt = Now.AddMinutes(30),
        });

        Assert.Equal((state, message), (occurrence.Notification.Run!.State, occurrence.Notification.Message));
        Assert.Equal(title, PlatformMessages.Title(occurrence.Notification));
    }
}
