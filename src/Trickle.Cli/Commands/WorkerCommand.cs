using System.CommandLine;
using Trickle.Cli.Worker;
using Trickle.Compiler.Schedules;

namespace Trickle.Cli.Commands;

/// <summary>
/// <c>trickle worker --connection CONNSTR [--tick 100ms] [--max-failures 5] [--retry-delay 1s] [--wal-interval 100ms] [--metrics-port N]</c>:
/// runs <c>trickle.run_scheduler</c> and keeps it running across database restarts until SIGTERM or Ctrl+C; beside it,
/// reads the changes of sources captured from the WAL into their buffers.
/// </summary>
internal sealed class WorkerCommand
{
    private readonly Option<string> _connection = DatabaseConnection.Option();

    private readonly Option<string> _tick = new("--tick")
    {
        Description = "How often the scheduler looks for due stream tables when none is due sooner (a duration).",
        HelpName = "DURATION",
        DefaultValueFactory = _ => "100ms",
    };

    private readonly Option<int> _maxFailures = new("--max-failures")
    {
        Description = "Failed refreshes in a row after which a stream table is suspended.",
        HelpName = "N",
        DefaultValueFactory = _ => 5,
    };

    private readonly Option<string> _retryDelay = new("--retry-delay")
    {
        Description = "Wait before retrying a failed refresh, doubled after each further failure (a duration).",
        HelpName = "DURATION",
        DefaultValueFactory = _ => "1s",
    };

    private readonly Option<string> _walInterval = new("--wal-interval")
    {
        Description = "How often changes of sources captured from the WAL (trickle.set_capture) are read into their buffers (a duration).",
        HelpName = "DURATION",
        DefaultValueFactory = _ => "100ms",
    };

    private readonly Option<int?> _metricsPort = new("--metrics-port")
    {
        Description = "Serve Prometheus metrics on http://*:PORT/metrics.",
        HelpName = "PORT",
    };

    public WorkerCommand()
    {
        Command = new Command("worker", "Run the stream-table scheduler against a database until stopped (SIGTERM, Ctrl+C or trickle.stop_scheduler()).")
        {
            _connection, _tick, _maxFailures, _retryDelay, _walInterval, _metricsPort,
        };
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var option in new[] { _tick, _retryDelay, _walInterval })
            if (Duration(parseResult.GetRequiredValue(option)) is null)
                problems.Add($"{option.Name} '{parseResult.GetValue(option)}' is not a duration such as 100ms, 1s or 1m30s");
        if (parseResult.GetValue(_maxFailures) < 1)
            problems.Add("--max-failures must be at least 1");
        if (parseResult.GetValue(_metricsPort) is < 1 or > 65535)
            problems.Add("--metrics-port must be between 1 and 65535");
        foreach (var problem in problems)
            DiagnosticPrinter.PrintUsageError(parseResult.InvocationConfiguration.Error, null, problem);
        if (problems.Count > 0)
            return CliApp.ExitUsage;

        string connectionString;
        try
        {
            connectionString = DatabaseConnection.Resolve(parseResult, _connection);
        }
        catch (ArgumentException exception)
        {
            return DatabaseConnection.Fail(parseResult.InvocationConfiguration.Error, exception);
        }
        var settings = new SchedulerWorkerSettings(
            connectionString,
            Duration(parseResult.GetRequiredValue(_tick))!.Value,
            parseResult.GetValue(_maxFailures),
            Duration(parseResult.GetRequiredValue(_retryDelay))!.Value);
        var log = new WorkerLog(parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
        var worker = new SchedulerWorker(settings, log);
        MetricsEndpoint? metrics = null;
        try
        {
            if (parseResult.GetValue(_metricsPort) is { } port)
            {
                try
                {
                    metrics = MetricsEndpoint.Start(port, settings.ConnectionString, worker, log);
                }
                catch (System.Net.HttpListenerException exception)
                {
                    DiagnosticPrinter.PrintUsageError(parseResult.InvocationConfiguration.Error, null,
                        $"cannot serve metrics on port {port}: {exception.Message}");
                    return CliApp.ExitFailure;
                }
                log.Info($"metrics on http://*:{port}/metrics");
            }
            // The WAL reader runs as long as the scheduler's loop does.
            using var walStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var wal = new WalCaptureWorker(settings.ConnectionString, Duration(parseResult.GetRequiredValue(_walInterval))!.Value, 10000, log);
            var walTask = wal.RunAsync(walStop.Token);
            try
            {
                return await worker.RunAsync(cancellationToken);
            }
            finally
            {
                await walStop.CancelAsync();
                await walTask;
            }
        }
        finally
        {
            metrics?.Dispose();
        }
    }

    /// <summary>Durations are written as schedules are ('250ms', '1s'); a cron expression is not one.</summary>
    private static TimeSpan? Duration(string text) =>
        Schedule.Parse(text, out _) is { Kind: ScheduleKind.Duration } schedule ? schedule.Period : null;
}
