using MassTransit;
using MFlow.ServiceDefaults;

namespace MFlow.IntegrationTests.Support;

/// <summary>A MassTransit bus with no endpoints of its own: the test publishing as an upstream system or a worker would.</summary>
public static class TestBus
{
    /// <summary>Starts a bus on the virtual host at <paramref name="virtualHostUrl"/>, configured further by <paramref name="configure"/>.</summary>
    public static async Task<IBusControl> StartAsync(Uri virtualHostUrl, Action<IRabbitMqBusFactoryConfigurator>? configure = null)
    {
        var address = RabbitMqAddress.Parse(virtualHostUrl.ToString());
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(address.Host, (ushort)address.Port, address.VirtualHost, host =>
            {
                host.Username(address.Username);
                host.Password(address.Password);
            });
            configure?.Invoke(cfg);
        });
        await bus.StartAsync();
        return bus;
    }
}
