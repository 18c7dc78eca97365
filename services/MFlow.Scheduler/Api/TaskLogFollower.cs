using System.Text;
using MFlow.Contracts;
using MFlow.Persistence.Runs;
using MFlow.Scheduler.Runs;
using MFlow.ServiceDefaults;
using Microsoft.AspNetCore.Http.Features;

namespace MFlow.Scheduler.Api;

/// <summary>
/// GET /api/v1/runs/{id}/tasks/{task}/log?follow=true: a task attempt's log as it is written, ending
/// when the attempt ends. An attempt this process runs (the embedded default's local executor) is read
/// from its log file as lines arrive, masked like its stored log; any other is followed through the
/// run's event journal (woken by its notifications) and its stored log is sent once it ended, which
/// is when the worker hands it over.
/// </summary>
public static class TaskLogFollower
{
    /// <summary>Streams the log; the caller checked the run, the task and the stream limits.</summary>
    public static async Task FollowAsync(
        HttpContext http, Guid runId, Guid taskId, string taskName, int attempt, TaskLogStore logs, RunEventSignal signal, LiveTaskLogs? live,
        TimeSpan recheck, CancellationToken cancellationToken)
    {
        var response = http.Response;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken);

        using var watch = signal.Watch(runId);
        while (!cancellationToken.IsCancellationRequested)
        {
            var woken = watch.Next();
            if (live?.Find(taskId, attempt) is { } running)
            {
                await StreamLiveAsync(response.Body, running, cancellationToken);
                return;
            }

            if (await logs.GetAsync(runId, taskName, attempt, cancellationToken) is { } stored)
            {
                await response.WriteAsync(stored.Log, cancellationToken);
                return;
            }

            if (await logs.NoMoreLogAsync(runId, taskId, attempt, cancellationToken))
                return; // ended without a log (never ran, or its log was lost with its pod)

            // Not started yet, or running elsewhere: the attempt's next change wakes this (its end brings the log).
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(woken, Task.Delay(recheck, idle.Token));
            await idle.CancelAsync();
        }
    }

    // The file as it grows, whole lines at a time, masked as the stored log is (a line that may begin a
    // multi-line secret waits for the lines after it), up to the stored log's limit.
    static async Task StreamLiveAsync(Stream body, LiveTaskLog running, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(running.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(file, Encoding.UTF8);
        var pending = new StringBuilder();
        var buffer = new char[16 * 1024];
        long sent = 0;
        while (true)
        {
            var written = running.Next();
            var ended = running.Ended;
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
            {
                pending.Append(buffer, 0, read);
                // A line longer than what is left to send (a progress bar redrawn with \r, say) ends
                // the follow before it is buffered whole: memory stays within the stored log's limit.
                if (sent + pending.Length > TaskUpdated.MaxLogLength)
                    return;
                var (lines, length) = running.Mask(pending.ToString(), ended: false);
                if (length == 0)
                    continue;
                pending.Remove(0, length);
                if (sent + lines.Length > TaskUpdated.MaxLogLength)
                    return; // the stored log keeps the end of a longer one
                sent += lines.Length;
                await body.WriteAsync(Encoding.UTF8.GetBytes(lines), cancellationToken);
            }

            await body.FlushAsync(cancellationToken);
            if (ended)
            {
                if (pending.Length > 0)
                    await body.WriteAsync(Encoding.UTF8.GetBytes(running.Mask(pending.ToString(), ended: true).Masked), cancellationToken);
                return;
            }

            await written.WaitAsync(cancellationToken);
        }
    }
}
