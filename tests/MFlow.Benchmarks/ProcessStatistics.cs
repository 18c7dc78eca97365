using System.Globalization;
using MFlow.Testing;

namespace MFlow.Benchmarks;

/// <summary>
/// CPU time and resident memory of the processes taking part, from <c>/proc</c>: each service, the
/// RabbitMQ node, PostgreSQL (the postmaster and its backends) and this process, which hosts the fake
/// Kubernetes API. Used to see which process burns the CPU at each level.
/// </summary>
public sealed class ProcessStatistics
{
    // USER_HZ: /proc reports CPU time in these ticks; 100 on every Linux this runs on.
    const double TicksPerSecond = 100;

    readonly IReadOnlyDictionary<string, Func<int?>> _processes;
    readonly int? _postmaster;

    /// <summary>Follows the services by name, plus the servers named in the test servers' state file.</summary>
    public ProcessStatistics(IReadOnlyDictionary<string, ServiceProcess> services)
    {
        var state = ReadServersState();
        var processes = services.ToDictionary(s => s.Key, s => (Func<int?>)(() => s.Value.HasExited ? null : s.Value.ProcessId));
        if (state.GetValueOrDefault("RABBITMQ_PID") is { } rabbit && int.TryParse(rabbit, out var rabbitPid))
            processes["rabbitmq"] = () => rabbitPid;
        if (state.GetValueOrDefault("POSTGRES_PID") is { } postgres && int.TryParse(postgres, out var postgresPid))
        {
            _postmaster = postgresPid;
            processes["postgres"] = () => postgresPid;
        }

        processes["bench+fake-k8s"] = () => Environment.ProcessId;
        _processes = processes;
    }

    /// <summary>The names reported, in order.</summary>
    public IReadOnlyList<string> Names => [.. _processes.Keys];

    /// <summary>CPU seconds used so far by each process (PostgreSQL: the postmaster with all its backends, live and exited).</summary>
    public IReadOnlyDictionary<string, double> CpuSeconds()
    {
        var children = _postmaster is { } postmaster ? ChildrenOf(postmaster) : [];
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, pid) in _processes)
        {
            if (pid() is not { } id || ReadStat(id) is not { } stat)
                continue;
            var ticks = stat.OwnTicks;
            if (id == _postmaster)
                ticks += stat.ReapedChildTicks + children.Sum(child => ReadStat(child)?.OwnTicks ?? 0);
            result[name] = ticks / TicksPerSecond;
        }

        return result;
    }

    /// <summary>Resident memory (VmRSS) of each MFlow service now, in MB.</summary>
    public IReadOnlyDictionary<string, double> ServiceMemoryMegabytes(IEnumerable<string> services)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in services)
        {
            if (_processes.TryGetValue(name, out var pid) && pid() is { } id && ResidentKilobytes(id) is { } kilobytes)
                result[name] = kilobytes / 1024.0;
        }

        return result;
    }

    static long? ResidentKilobytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return null;
    }

    static ProcStat? ReadStat(int pid)
    {
        try
        {
            // The command name (field 2) may hold spaces and parentheses: fields are counted after its closing one.
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            return new ProcStat((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    static List<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && ReadStat(pid) is { } stat && stat.ParentId == parent)
                children.Add(pid);
        }

        return children;
    }

    static Dictionary<string, string> ReadServersState()
    {
        var path = Path.Combine(BenchmarkServers.StateDirectory, "servers.state");
        return File.Exists(path)
            ? File.ReadLines(path).Select(line => line.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1])
            : [];
    }

    sealed record ProcStat(int ParentId, long OwnTicks, long ReapedChildTicks);
}

/// <summary>Samples the services' resident memory in the background and keeps each one's peak.</summary>
public sealed class MemoryPeakSampler : IAsyncDisposable
{
    readonly ProcessStatistics _statistics;
    readonly IReadOnlyList<string> _services;
    readonly Dictionary<string, double> _peaks = new(StringComparer.Ordinal);
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;

    /// <summary>Starts sampling every 250 ms.</summary>
    public MemoryPeakSampler(ProcessStatistics statistics, IReadOnlyList<string> services)
    {
        _statistics = statistics;
        _services = services;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The highest resident memory seen per service, in MB.</summary>
    public IReadOnlyDictionary<string, double> Peaks
    {
        get
        {
            lock (_peaks)
            {
                return new Dictionary<string, double>(_peaks, StringComparer.Ordinal);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var now = _statistics.ServiceMemoryMegabytes(_services);
            lock (_peaks)
            {
                foreach (var (name, megabytes) in now)
                    _peaks[name] = Math.Max(_peaks.GetValueOrDefault(name), megabytes);
            }

            try
            {
                await Task.Delay(250, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
