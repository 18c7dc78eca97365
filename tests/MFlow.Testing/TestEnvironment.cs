using System.Diagnostics;
using System.Text;

namespace MFlow.Testing;

/// <summary>
/// The throwaway servers that <c>scripts/test.sh</c> starts (through <c>scripts/test-servers.sh</c>) and
/// announces to the tests in <c>MFLOW_TEST_*</c> environment variables.
/// </summary>
/// <remarks>
/// A missing variable is an error, never a reason to skip: an integration test that silently does
/// not run proves nothing.
/// </remarks>
public static class TestEnvironment
{
    /// <summary>Name of the variable holding the AMQP URL of the throwaway RabbitMQ (default virtual host).</summary>
    public const string RabbitMqUrlVariable = "MFLOW_TEST_RABBITMQ_URL";

    /// <summary>Name of the variable holding the base URL of the RabbitMQ management HTTP API.</summary>
    public const string RabbitMqManagementUrlVariable = "MFLOW_TEST_RABBITMQ_MANAGEMENT_URL";

    /// <summary>Name of the variable holding the Npgsql connection string of the throwaway PostgreSQL.</summary>
    public const string PostgresVariable = "MFLOW_TEST_POSTGRES";

    /// <summary>Name of the variable holding the servers' state directory.</summary>
    public const string StateDirectoryVariable = "MFLOW_TEST_STATE_DIR";

    /// <summary>Name of the variable holding the absolute path of <c>scripts/test-servers.sh</c>.</summary>
    public const string ServersScriptVariable = "MFLOW_TEST_SERVERS_SCRIPT";

    /// <summary>
    /// Set on every <see cref="ServiceProcess"/> to the state directory, so that
    /// <c>test-servers.sh stop</c> can kill service processes a crashed test host left behind.
    /// </summary>
    public const string OwnerVariable = "MFLOW_TEST_OWNER";

    private static readonly TimeSpan _restartTimeout = TimeSpan.FromMinutes(3);

    /// <summary>AMQP URL of the throwaway RabbitMQ, e.g. <c>amqp://guest:guest@127.0.0.1:23917/</c>.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set.</exception>
    public static Uri RabbitMqUrl => new(Require(RabbitMqUrlVariable, "RabbitMQ"));

    /// <summary>Base URL of the RabbitMQ management API, e.g. <c>http://127.0.0.1:22690/</c>.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set.</exception>
    public static Uri RabbitMqManagementUrl => new(Require(RabbitMqManagementUrlVariable, "RabbitMQ"));

    /// <summary>Npgsql connection string of the throwaway PostgreSQL's <c>postgres</c> database.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set.</exception>
    public static string PostgresConnectionString => Require(PostgresVariable, "PostgreSQL");

    /// <summary>The state directory <c>test-servers.sh</c> keeps the servers' data, logs and pids in.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set.</exception>
    public static string StateDirectory => Require(StateDirectoryVariable, "servers");

    /// <summary>Absolute path of <c>scripts/test-servers.sh</c>.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set.</exception>
    public static string ServersScript => Require(ServersScriptVariable, "servers");

    /// <summary>
    /// Stops and starts the throwaway RabbitMQ again on the same ports with the same data. Clients see
    /// their connections drop and must reconnect.
    /// </summary>
    /// <param name="crash">Kill the broker (SIGKILL) instead of stopping it cleanly.</param>
    /// <param name="cancellationToken">Cancels the wait (the restart itself may still complete).</param>
    public static Task RestartRabbitMqAsync(bool crash = false, CancellationToken cancellationToken = default) =>
        RunServersScriptAsync("restart-rabbitmq", crash, cancellationToken);

    /// <summary>
    /// Stops and starts the throwaway PostgreSQL again on the same port with the same data, then clears
    /// this process's Npgsql pools (their connections are dead).
    /// </summary>
    /// <param name="crash">Crash the server (<c>pg_ctl stop -m immediate</c>, recovery on start) instead of stopping it cleanly.</param>
    /// <param name="cancellationToken">Cancels the wait (the restart itself may still complete).</param>
    public static async Task RestartPostgresAsync(bool crash = false, CancellationToken cancellationToken = default)
    {
        await RunServersScriptAsync("restart-postgres", crash, cancellationToken).ConfigureAwait(false);
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    private static string Require(string variable, string what)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{variable} is not set: integration tests need the throwaway {what} that scripts/test.sh starts. " +
                "Run scripts/test.sh (or `source <(scripts/test-servers.sh env <dir>)` after " +
                "`scripts/test-servers.sh start <dir>`).");
        }

        return value;
    }

    private static async Task RunServersScriptAsync(string command, bool crash, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(ServersScript);
        startInfo.ArgumentList.Add(command);
        startInfo.ArgumentList.Add(StateDirectory);
        if (crash)
        {
            startInfo.ArgumentList.Add("--kill");
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_restartTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"test-servers.sh {command} did not finish within {_restartTimeout.TotalMinutes} minutes. Output:\n{Snapshot(output)}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"test-servers.sh {command} failed with exit code {process.ExitCode}. Output:\n{Snapshot(output)}");
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
