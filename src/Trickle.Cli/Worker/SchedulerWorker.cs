using System.Globalization;
using Npgsql;
using Trickle.Cli.Commands;

namespace Trickle.Cli.Worker;

internal sealed record SchedulerWorkerSettings(string ConnectionString, TimeSpan Tick, int MaxFailures, TimeSpan RetryDelay)
{
    /// <summary>
    /// A session that ran the scheduler this long was healthy: a failure after it is a new incident, retried after the
    /// shortest delay, not after the delay left over from earlier ones.
    /// </summary>
    public TimeSpan HealthyPeriod { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Keeps <c>CALL trickle.run_scheduler(…)</c> running on one unpooled session. The procedure reports each refresh as a
/// NOTICE and each failure as a WARNING, which Npgsql delivers while the CALL runs: they become log lines. When the
/// connection drops (database restart, network), or the CALL is cancelled (<c>pg_cancel_backend</c>, a
/// <c>statement_timeout</c> or <c>lock_timeout</c> imposed on the session), it logs why and starts again with exponential
/// backoff, back to the shortest delay once a session has run healthy for <see cref="SchedulerWorkerSettings.HealthyPeriod"/>; when another
/// scheduler holds the lock it stands by and retries; when <c>trickle.stop_scheduler()</c> stops it, or on
/// SIGTERM/Ctrl+C, it exits 0.
/// </summary>
internal sealed class SchedulerWorker(SchedulerWorkerSettings settings, WorkerLog log)
{
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestReconnectDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StandbyDelay = TimeSpan.FromSeconds(5);

    /// <summary>When the current session's CALL started (null while not running): how long it has run healthy.</summary>
    private DateTime? _callStarted;

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
            catch (Exception exception) when (IsTransient(exception) || IsCancelled(exception))
            {
                _running = false;
                Interlocked.Increment(ref _reconnects);
                if (_callStarted is { } started && DateTime.UtcNow - started >= settings.HealthyPeriod)
                    delay = FirstReconnectDelay;
                _callStarted = null;
                log.Error(IsCancelled(exception)
                    ? $"the scheduler's statement was cancelled ({Describe(exception)}); its refresh in progress rolled back and stays pending; restarting in {delay.TotalSeconds:0} s"
                    : $"connection lost or refused ({Describe(exception)}); reconnecting in {delay.TotalSeconds:0} s");
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
        // Set before the CALL starts, so the server checks for a vanished worker while the procedure runs. The CALL
        // lasts as long as the worker: a statement_timeout (or idle_session_timeout) from the role or database would
        // cancel it over and over, so this session has none; refreshes inside it still honour lock_timeout.
        string? timeout;
        await using (var read = new NpgsqlCommand("SELECT current_setting('statement_timeout')", connection))
            timeout = (string?)await read.ExecuteScalarAsync(cancellationToken);
        if (timeout is not null and not "0")
            log.Info($"statement_timeout is {timeout} for this role; the scheduler's session sets it to 0 (its CALL runs until the worker stops)");
        await using (var check = new NpgsqlCommand(
            "SET client_connection_check_interval = '1s'; SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0", connection))
            await check.ExecuteNonQueryAsync(cancellationToken);
        log.Info($"connected to {connection.Host}:{connection.Port}/{connection.Database}; running the scheduler");
        _running = true;
        _callStarted = DateTime.UtcNow;
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
            || postgres.SqlState is "57P01" or "57P02" or "57P03" or "57P05" or "25P03" or "53300",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or System.Net.Sockets.SocketException,
        _ => false,
    };

    /// <summary>
    /// The CALL cancelled while the session lives on: <c>pg_cancel_backend</c>, <c>statement_timeout</c>, or
    /// <c>lock_timeout</c> (57014, 55P03). The session is closed (its scheduler lock with it) and the scheduler started again.
    /// </summary>
    private static bool IsCancelled(Exception exception) =>
        exception is PostgresException { SqlState: "57014" or "55P03" };

    private static string Describe(Exception exception) =>
        exception is PostgresException postgres
            ? string.Create(CultureInfo.InvariantCulture, $"{postgres.MessageText}, SQLSTATE {postgres.SqlState}")
            : exception.InnerException?.Message ?? exception.Message;
}
