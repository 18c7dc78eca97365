using System.Diagnostics;
using MFlow.Notifications;
using MFlow.Notifier.Delivery;
using MFlow.ServiceDefaults;
using MFlow.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;

namespace MFlow.Notifier.Tests;

/// <summary>
/// The notifier's telemetry as every MFlow process configures it (AddMFlowTelemetry), with an
/// in-memory exporter beside it standing for the OTLP collector: what a try of a delivery exports.
/// </summary>
public sealed class When_a_delivery_is_traced
{
    const string Token = "XXXXsecretHookToken0123456789";

    [Fact]
    public async Task Should_export_the_receivers_host_and_never_the_token_in_its_url()
    {
        var spans = new List<Activity>();
        var builder = Host.CreateApplicationBuilder();
        builder.AddMFlowTelemetry();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
        using var host = builder.Build();
        await host.StartAsync();

        // Nothing listens there: the try fails, and is traced all the same.
        var port = FreePort.Next();
        var url = $"http://127.0.0.1:{port}/services/T0001/B0002/{Token}?key={Token}";
        using var sender = new DeliverySender(Options.Create(new NotificationOptions { AllowPrivateNetworks = true, RequestTimeout = TimeSpan.FromSeconds(5) }));
        var result = await sender.SendAsync(NotificationTargets.Slack, new OutgoingRequest(new Uri(url), "{}"u8.ToArray(), []), CancellationToken.None);
        Assert.False(result.Delivered);
        await host.StopAsync();
        host.Services.GetRequiredService<TracerProvider>().ForceFlush();

        var client = Assert.Single(spans, span => span.Kind == ActivityKind.Client);
        Assert.Equal($"http://127.0.0.1:{port}/***", client.GetTagItem("url.full"));
        Assert.Equal("127.0.0.1", client.GetTagItem("server.address"));
        foreach (var span in spans)
        {
            Assert.DoesNotContain(Token, span.DisplayName);
            Assert.All(span.TagObjects, tag => Assert.DoesNotContain(Token, tag.Value?.ToString() ?? ""));
            Assert.All(span.Events, e => Assert.All(e.Tags, tag => Assert.DoesNotContain(Token, tag.Value?.ToString() ?? "")));
        }
    }
}
