using MFlow.Notifications;

namespace MFlow.Notifier.Tests;

public sealed class When_scheduling_tries
{
    [Fact]
    public void Should_make_eight_tries_over_about_an_hour_by_default()
    {
        var options = new NotificationOptions();
        var pauses = Enumerable.Range(1, options.MaxAttempts - 1).Select(options.RetryDelay).ToList();

        Assert.Equal(8, options.MaxAttempts);
        Assert.Equal(new[] { 0.5, 1, 2, 4, 8, 16, 30 }.Select(TimeSpan.FromMinutes), pauses);
        Assert.InRange(pauses.Aggregate(TimeSpan.Zero, (sum, pause) => sum + pause), TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(65));
    }

    [Fact]
    public void Should_never_pause_longer_than_the_cap()
    {
        var options = new NotificationOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(200), MaxRetryDelay = TimeSpan.FromSeconds(1) };
        Assert.Equal([200, 400, 800, 1000, 1000], Enumerable.Range(1, 5).Select(attempt => options.RetryDelay(attempt).TotalMilliseconds));
    }
}
