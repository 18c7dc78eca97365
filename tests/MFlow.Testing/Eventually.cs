using System.Diagnostics;

namespace MFlow.Testing;

/// <summary>
/// Polling for outcomes that happen asynchronously (a message consumed, a row written, a process up).
/// </summary>
/// <remarks>
/// The condition is checked at once, then after delays growing from 10 ms to 250 ms, and one last time
/// at the deadline. An exception thrown by the condition (an assertion, a refused connection while a
/// server restarts) counts as "not yet"; the last one is reported if time runs out.
/// </remarks>
public static class Eventually
{
    private static readonly TimeSpan _firstDelay = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan _maxDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Waits until <paramref name="condition"/> returns true.</summary>
    /// <param name="condition">The outcome to wait for.</param>
    /// <param name="timeout">How long to wait before failing.</param>
    /// <param name="description">What is awaited, completing "waiting until ...", e.g. "the run is Succeeded".</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">The condition was still false (or throwing) at the deadline.</exception>
    public static Task UntilAsync(
        Func<Task<bool>> condition, TimeSpan timeout, string description, CancellationToken cancellationToken = default) =>
        UntilAsync(condition, static satisfied => satisfied, timeout, description, reportState: false, cancellationToken);

    /// <summary>
    /// Observes a value until <paramref name="isSatisfied"/> accepts it, and returns that value. On timeout
    /// the message shows the last observed value (records print all their members).
    /// </summary>
    /// <typeparam name="T">The observed state.</typeparam>
    /// <param name="observe">Reads the current state.</param>
    /// <param name="isSatisfied">Whether the state is the awaited one.</param>
    /// <param name="timeout">How long to wait before failing.</param>
    /// <param name="description">What is awaited, completing "waiting until ...".</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The first observed state that satisfied the predicate.</returns>
    /// <exception cref="TimeoutException">No observed state satisfied the predicate by the deadline.</exception>
    public static Task<T> UntilAsync<T>(
        Func<Task<T>> observe,
        Func<T, bool> isSatisfied,
        TimeSpan timeout,
        string description,
        CancellationToken cancellationToken = default) =>
        UntilAsync(observe, isSatisfied, timeout, description, reportState: true, cancellationToken);

    /// <summary>Waits, blocking the calling thread, until <paramref name="condition"/> returns true.</summary>
    /// <param name="condition">The outcome to wait for.</param>
    /// <param name="timeout">How long to wait before failing.</param>
    /// <param name="description">What is awaited, completing "waiting until ...".</param>
    /// <exception cref="TimeoutException">The condition was still false (or throwing) at the deadline.</exception>
    public static void Until(Func<bool> condition, TimeSpan timeout, string description)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        var delay = _firstDelay;
        Exception? lastException = null;
        while (true)
        {
            try
            {
                if (condition())
                {
                    return;
                }

                lastException = null;
            }
            catch (Exception exception)
            {
                lastException = exception;
            }

            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw Timeout(description, timeout, state: null, lastException);
            }

            Thread.Sleep(Min(delay, remaining));
            delay = Min(delay * 2, _maxDelay);
        }
    }

    private static async Task<T> UntilAsync<T>(
        Func<Task<T>> observe,
        Func<T, bool> isSatisfied,
        TimeSpan timeout,
        string description,
        bool reportState,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observe);
        ArgumentNullException.ThrowIfNull(isSatisfied);
        var clock = Stopwatch.StartNew();
        var delay = _firstDelay;
        var observed = false;
        T last = default!;
        Exception? lastException = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var value = await observe().ConfigureAwait(false);
                if (isSatisfied(value))
                {
                    return value;
                }

                (last, observed, lastException) = (value, true, null);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                lastException = exception;
            }

            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw Timeout(description, timeout, reportState && observed ? Describe(last) : null, lastException);
            }

            await Task.Delay(Min(delay, remaining), cancellationToken).ConfigureAwait(false);
            delay = Min(delay * 2, _maxDelay);
        }
    }

    private static TimeoutException Timeout(string description, TimeSpan timeout, string? state, Exception? lastException)
    {
        var message = $"Timed out after {timeout.TotalSeconds:0.###} s waiting until {description}.";
        if (state is not null)
        {
            message += $" Last observed: {state}.";
        }

        if (lastException is not null)
        {
            message += $" Last attempt threw {lastException.GetType().Name}: {lastException.Message}";
        }

        return new TimeoutException(message, lastException);
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        System.Collections.IEnumerable sequence => "[" + string.Join(", ", sequence.Cast<object?>().Select(item => item?.ToString() ?? "null")) + "]",
        _ => value.ToString() ?? "null",
    };

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
