using System.Globalization;
using System.Text;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace MFlow.Testing;

/// <summary>A RabbitMQ broker the tests use: its AMQP URL (default virtual host) and management API.</summary>
/// <param name="AmqpUrl">E.g. <c>amqp://rabbitmq:secret@127.0.0.1:23917/</c>.</param>
/// <param name="ManagementUrl">Base URL of the management HTTP API, same credentials, e.g. <c>http://127.0.0.1:22690/</c>.</param>
public sealed record RabbitMqServer(Uri AmqpUrl, Uri ManagementUrl);

/// <summary>A PostgreSQL server the tests use.</summary>
/// <param name="ConnectionString">Npgsql connection string of a superuser on the <c>postgres</c> database.</param>
public sealed record PostgresServer(string ConnectionString);

/// <summary>
/// The RabbitMQ and PostgreSQL of this test run: one container each, started side by side through
/// Testcontainers when a test first needs one, and shared by every test in the process (each test isolates itself in
/// a <see cref="RabbitMqVirtualHost"/> and a <see cref="PostgresDatabase"/>), removed when the process
/// exits.
/// </summary>
/// <remarks>
/// <para>
/// The images are the official <c>rabbitmq:3.13-management</c> and <c>postgres:15</c> unless
/// <see cref="RabbitMqImageVariable"/> / <see cref="PostgresImageVariable"/> name others:
/// <c>scripts/test.sh</c> sets them to local stand-ins where no registry can be reached. The engine is
/// whatever Testcontainers finds (<c>DOCKER_HOST</c>, the Docker socket); <c>scripts/test.sh</c> sets up
/// podman where there is none.
/// </para>
/// <para>
/// Each container carries the label <see cref="OwnerLabel"/> naming this process, so that
/// <c>scripts/container-engine.sh sweep</c> removes it if this process dies before it could (Testcontainers'
/// own reaper, Ryuk, cannot run everywhere). A container that cannot start is an error, never a
/// reason to skip: an integration test that silently does not run proves nothing.
/// </para>
/// </remarks>
public static class TestEnvironment
{
    /// <summary>Name of the variable that names the RabbitMQ image (with the management plugin).</summary>
    public const string RabbitMqImageVariable = "MFLOW_TEST_RABBITMQ_IMAGE";

    /// <summary>Name of the variable that names the PostgreSQL image.</summary>
    public const string PostgresImageVariable = "MFLOW_TEST_POSTGRES_IMAGE";

    /// <summary>The RabbitMQ image used when <see cref="RabbitMqImageVariable"/> is not set (as in <c>compose/docker-compose.yml</c>).</summary>
    public const string DefaultRabbitMqImage = "rabbitmq:3.13-management";

    /// <summary>The PostgreSQL image used when <see cref="PostgresImageVariable"/> is not set (as in <c>compose/docker-compose.yml</c>).</summary>
    public const string DefaultPostgresImage = "postgres:15";

    /// <summary>The label every container of this class carries: <c>&lt;host&gt;:&lt;pid&gt;:&lt;start time&gt;</c> of this process.</summary>
    public const string OwnerLabel = "mflow.test.owner";

    /// <summary>Name of the variable holding the test run's state directory (set by <c>scripts/test.sh</c>).</summary>
    public const string StateDirectoryVariable = "MFLOW_TEST_STATE_DIR";

    /// <summary>
    /// Set on every <see cref="ServiceProcess"/> to the state directory, so that <c>scripts/test.sh</c>
    /// can kill service processes a crashed test host left behind.
    /// </summary>
    public const string OwnerVariable = "MFLOW_TEST_OWNER";

    private const ushort AmqpPort = 5672;
    private const ushort ManagementPort = 15672;
    private const ushort PostgresPort = 5432;
    private static readonly TimeSpan _startTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan _removeTimeout = TimeSpan.FromSeconds(30);
    private static readonly Lazy<string> _owner = new(OwnerOfThisProcess);
    private static readonly Lazy<Task<RabbitMqContainer>> _rabbitMq = new(StartRabbitMqAsync);
    private static readonly Lazy<Task<PostgreSqlContainer>> _postgres = new(StartPostgresAsync);

    static TestEnvironment() => AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveContainers();

    /// <summary>The broker, started on first use.</summary>
    /// <param name="cancellationToken">Cancels the wait (the start itself goes on for the tests after).</param>
    /// <exception cref="InvalidOperationException">The container could not be started (the message says why and what to do).</exception>
    public static async Task<RabbitMqServer> RabbitMqAsync(CancellationToken cancellationToken = default)
    {
        StartBoth();
        var container = await _rabbitMq.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new RabbitMqServer(
            new Uri(container.GetConnectionString()),
            new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(ManagementPort)}/"));
    }

    /// <summary>The database server, started on first use.</summary>
    /// <param name="cancellationToken">Cancels the wait (the start itself goes on for the tests after).</param>
    /// <exception cref="InvalidOperationException">The container could not be started (the message says why and what to do).</exception>
    public static async Task<PostgresServer> PostgresAsync(CancellationToken cancellationToken = default)
    {
        StartBoth();
        var container = await _postgres.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new PostgresServer(container.GetConnectionString());
    }

    /// <summary>
    /// Stops and starts the broker's container again: same port, same data (its volume). Clients see
    /// their connections drop and must reconnect.
    /// </summary>
    /// <param name="crash">Kill the broker (SIGKILL) instead of stopping it cleanly.</param>
    /// <param name="cancellationToken">Cancels the restart.</param>
    public static async Task RestartRabbitMqAsync(bool crash = false, CancellationToken cancellationToken = default) =>
        await RestartAsync(await _rabbitMq.Value.ConfigureAwait(false), crash, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Stops and starts the database server's container again (same port, same data), then clears
    /// this process's Npgsql pools (their connections are dead).
    /// </summary>
    /// <param name="crash">
    /// Kill the server (SIGKILL: no shutdown checkpoint, WAL recovery on start) instead of stopping it
    /// cleanly (SIGINT, PostgreSQL's fast shutdown).
    /// </param>
    /// <param name="cancellationToken">Cancels the restart.</param>
    public static async Task RestartPostgresAsync(bool crash = false, CancellationToken cancellationToken = default)
    {
        await RestartAsync(await _postgres.Value.ConfigureAwait(false), crash, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection.ClearAllPools();
    }

    // Every integration test needs both: the first to ask starts the two side by side.
    private static void StartBoth()
    {
        _ = _rabbitMq.Value;
        _ = _postgres.Value;
    }

    private static Task<RabbitMqContainer> StartRabbitMqAsync()
    {
        var image = Image(RabbitMqImageVariable, DefaultRabbitMqImage);
        var container = new RabbitMqBuilder(image)
            .WithUsername("mflow-test")
            .WithPassword(Guid.NewGuid().ToString("N"))
            // Fixed host ports: a restarted container keeps them, and the services find it again.
            .WithPortBinding(FreePort.NextBelowEphemeralRange(), AmqpPort)
            .WithPortBinding(FreePort.NextBelowEphemeralRange(), ManagementPort)
            // Queue statistics every 500 ms instead of 5 s: tests read queue listings through the API.
            .WithResourceMapping(Encoding.UTF8.GetBytes("collect_statistics_interval = 500\n"), new FileInfo("/etc/rabbitmq/conf.d/90-mflow-test.conf"))
            .WithLabel(OwnerLabel, _owner.Value)
            .Build();
        return StartAsync(container, "RabbitMQ", image, RabbitMqImageVariable);
    }

    private static Task<PostgreSqlContainer> StartPostgresAsync()
    {
        var image = Image(PostgresImageVariable, DefaultPostgresImage);
        var container = new PostgreSqlBuilder(image)
            .WithPassword(Guid.NewGuid().ToString("N"))
            .WithPortBinding(FreePort.NextBelowEphemeralRange(), PostgresPort)
            // Testcontainers turns fsync, full_page_writes and synchronous_commit off. The first two
            // only guard against the machine crashing; synchronous_commit off would let a crash of the
            // server lose a commit it had acknowledged, which the crash tests must be able to rule out.
            // 300 connections: every service of every parallel test has its own pools.
            .WithCommand("-c", "synchronous_commit=on", "-c", "max_connections=1000")
            .WithLabel(OwnerLabel, _owner.Value)
            .Build();
        return StartAsync(container, "PostgreSQL", image, PostgresImageVariable);
    }

    private static string Image(string variable, string fallback)
    {
        var image = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(image) ? fallback : image.Trim();
    }

    private static async Task<TContainer> StartAsync<TContainer>(TContainer container, string what, string image, string variable)
        where TContainer : IContainer
    {
        using var timeout = new CancellationTokenSource(_startTimeout);
        try
        {
            await container.StartAsync(timeout.Token).ConfigureAwait(false);
            return container;
        }
        catch (Exception exception)
        {
            await RemoveAsync(container).ConfigureAwait(false);
            throw new InvalidOperationException(
                $"The test {what} container (image '{image}') did not start: {exception.Message} " +
                "Integration tests need a container engine and that image: run scripts/test.sh, which sets up podman where " +
                $"no engine runs and builds local stand-in images where no registry can be reached, or name an image you have in {variable}.",
                exception);
        }
    }

    private static async Task RestartAsync(IContainer container, bool crash, CancellationToken cancellationToken)
    {
        if (crash)
        {
            await KillAsync(container, cancellationToken).ConfigureAwait(false);
        }

        // After a kill the container has already exited: stopping it then only records when it
        // stopped, so that the start below waits for the new server's readiness, not the old one's
        // log line.
        await container.StopAsync(cancellationToken).ConfigureAwait(false);
        await container.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    // Testcontainers has no kill; its engine client does.
    private static async Task KillAsync(IContainer container, CancellationToken cancellationToken)
    {
        using var client = TestcontainersSettings.OS.DockerEndpointAuthConfig.GetDockerClientBuilder(Guid.NewGuid()).Build();
        await client.Containers.KillContainerAsync(container.Id, new ContainerKillParameters { Signal = "KILL" }, cancellationToken)
            .ConfigureAwait(false);
    }

    // A container still starting at exit is left to the sweep.
    private static void RemoveContainers()
    {
        var removals = new List<Task>();
        if (_rabbitMq.IsValueCreated && _rabbitMq.Value.IsCompletedSuccessfully)
        {
            removals.Add(RemoveAsync(_rabbitMq.Value.Result));
        }

        if (_postgres.IsValueCreated && _postgres.Value.IsCompletedSuccessfully)
        {
            removals.Add(RemoveAsync(_postgres.Value.Result));
        }

        Task.WaitAll([.. removals], _removeTimeout);
    }

    private static async Task RemoveAsync(IContainer container)
    {
        try
        {
            await container.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // scripts/container-engine.sh sweep removes it once this process has ended.
            Console.Error.WriteLine($"Could not remove test container {container.Name}: {exception.Message}");
        }
    }

    // host:pid:start time (clock ticks since boot, field 22 of /proc/self/stat): pids are reused, this triple is not.
    private static string OwnerOfThisProcess()
    {
        var startTime = "0";
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            startTime = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        }
        catch (IOException)
        {
            // Not Linux: the sweep cannot judge this owner and leaves its containers alone.
        }

        return string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{startTime}");
    }
}
