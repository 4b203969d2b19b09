using System.Globalization;
using Npgsql;
using Trickle.Cli.Commands;

namespace Trickle.Cli.Worker;

internal sealed record SchedulerWorkerSettings(string ConnectionString, TimeSpan Tick, int MaxFailures, TimeSpan RetryDelay);

/// <summary>
/// Keeps <c>CALL trickle.run_scheduler(…)</c> running on one unpooled session. The procedure reports each refresh as a
/// NOTICE and each failure as a WARNING, which Npgsql delivers while the CALL runs: they become log lines. When the
/// connection drops (database restart, network) it reconnects with exponential backoff; when another scheduler holds
/// the lock it stands by and retries; when <c>trickle.stop_scheduler()</c> stops it, or on SIGTERM/Ctrl+C, it exits 0.
/// </summary>
internal sealed class SchedulerWorker(SchedulerWorkerSettings settings, WorkerLog log)
{
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestReconnectDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StandbyDelay = TimeSpan.FromSeconds(5);

    private long _reconnects;
    private volatile bool _running;

    /// <summary>Whether this worker's scheduler is running now (for the metrics).</summary>
    public bool IsRunning => _running;

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var delay = FirstReconnectDelay;
        while (true)
        {
            try
            {
                var outcome = await RunSchedulerOnceAsync(cancellationToken);
                delay = FirstReconnectDelay;
                if (outcome == Outcome.Stopped)
                {
                    log.Info("scheduler stopped by trickle.stop_scheduler(); exiting");
                    return CliApp.ExitSuccess;
                }
                log.Info($"another scheduler is running in this database; standing by, next try in {StandbyDelay.TotalSeconds:0} s");
                await Task.Delay(StandbyDelay, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The cancel request rolled back the refresh in progress, if any: its changes stay buffered for the next run.
                log.Info("stopping: signal received");
                return CliApp.ExitSuccess;
            }
            catch (Exception exception) when (IsTransient(exception))
            {
                _running = false;
                Interlocked.Increment(ref _reconnects);
                log.Error($"connection lost or refused ({Describe(exception)}); reconnecting in {delay.TotalSeconds:0} s");
                try
                {
                    await Task.Delay(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    log.Info("stopping: signal received");
                    return CliApp.ExitSuccess;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestReconnectDelay.Ticks));
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or ArgumentException)
            {
                _running = false;
                return DatabaseConnection.Fail(log.ErrorWriter, exception);
            }
        }
    }

    private enum Outcome { Stopped, AnotherSchedulerRuns }

    private async Task<Outcome> RunSchedulerOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DatabaseConnection.OpenAsync(settings.ConnectionString, cancellationToken);
        var anotherRuns = false;
        connection.Notice += (_, e) =>
        {
            var notice = e.Notice;
            if (notice.MessageText.Contains("already running", StringComparison.Ordinal))
                anotherRuns = true;
            if (notice.Severity is "WARNING" or "ERROR")
                log.Error(notice.MessageText);
            else
                log.Info(notice.MessageText);
        };
        // Set before the CALL starts, so the server checks for a vanished worker while the procedure runs.
        await using (var check = new NpgsqlCommand("SET client_connection_check_interval = '1s'", connection))
            await check.ExecuteNonQueryAsync(cancellationToken);
        log.Info($"connected to {connection.Host}:{connection.Port}/{connection.Database}; running the scheduler");
        _running = true;
        try
        {
            await using var call = new NpgsqlCommand(
                "CALL trickle.run_scheduler(tick => $1, max_failures => $2, retry_delay => $3, verbose => true)", connection)
            {
                CommandTimeout = 0,
            };
            call.Parameters.Add(new NpgsqlParameter { Value = settings.Tick });
            call.Parameters.Add(new NpgsqlParameter { Value = settings.MaxFailures });
            call.Parameters.Add(new NpgsqlParameter { Value = settings.RetryDelay });
            await call.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _running = false;
        }
        return anotherRuns ? Outcome.AnotherSchedulerRuns : Outcome.Stopped;
    }

    /// <summary>Connection failures and server shutdowns are worth waiting out; anything else is reported and ends the worker.</summary>
    private static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState is "57P01" or "57P02" or "57P03" or "53300",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or System.Net.Sockets.SocketException,
        _ => false,
    };

    private static string Describe(Exception exception) =>
        exception is PostgresException postgres
            ? string.Create(CultureInfo.InvariantCulture, $"{postgres.MessageText}, SQLSTATE {postgres.SqlState}")
            : exception.InnerException?.Message ?? exception.Message;
}
