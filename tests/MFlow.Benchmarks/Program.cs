using MFlow.Benchmarks;

// scripts/bench.sh runs this against the throwaway servers it starts; see BenchmarkOptions for the arguments.
if (BenchmarkOptions.Parse(args, Console.Error) is not { } options)
    return 2;

var report = await new BenchmarkRunner(options, Console.Out).RunAsync();
ReportTable.Write(report, Console.Out);
await ReportJson.WriteAsync(report, options.JsonPath);
Console.Out.WriteLine($"JSON written to {options.JsonPath}");
return report.Complete ? 0 : 1;
