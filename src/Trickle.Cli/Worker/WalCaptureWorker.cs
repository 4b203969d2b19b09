using System.Globalization;
using Npgsql;
using Trickle.Cli.Commands;

namespace Trickle.Cli.Worker;

/// <summary>
/// Beside the scheduler, on a session of its own: reads the changes of sources captured from the WAL out of the
/// replication slot into their change buffers (<c>trickle.wal_catch_up</c>, one transaction per call), so that a
/// refresh finds them buffered and has only the last moments to read itself. Each call advances the slot to what the
/// previous call committed, never further: a worker killed between reading and committing leaves the changes in the
/// slot, and one killed after committing leaves them to be skipped (docs/runtime.md, "WAL capture"). With no source
/// captured from the WAL a call returns at once; on a runtime without WAL capture it stops after one line.
/// </summary>
internal sealed class WalCaptureWorker(string connectionString, TimeSpan interval, int batchChanges, WorkerLog log)
{
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(30);

    private long _changesRead;

    /// <summary>Change rows written into buffers since the worker started.</summary>
    public long ChangesRead => Interlocked.Read(ref _changesRead);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = interval;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await DatabaseConnection.OpenAsync(connectionString, cancellationToken);
                await using var command = new NpgsqlCommand("SELECT trickle.wal_catch_up(false, $1)", connection) { CommandTimeout = 0 };
                command.Parameters.Add(new NpgsqlParameter { Value = batchChanges });
                delay = interval;
                while (!cancellationToken.IsCancellationRequested)
                {
                    var written = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                    Interlocked.Add(ref _changesRead, written);
                    // A full batch: more is waiting, read on at once.
                    if (written < batchChanges)
                        await Task.Delay(interval, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (PostgresException e) when (e.SqlState == "42883")
            {
                log.Info("the trickle runtime in this database has no WAL capture (trickle.wal_catch_up): not reading the WAL");
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // A refresh or a switch holding the decoder's lock, a lost connection, a missing slot: logged, retried.
                var what = e is PostgresException postgres
                    ? string.Create(CultureInfo.InvariantCulture, $"{postgres.MessageText}, SQLSTATE {postgres.SqlState}")
                    : e.InnerException?.Message ?? e.Message;
                if (e is not PostgresException { SqlState: "40001" or "40P01" })
                    log.Error($"WAL capture: {what}; retrying in {delay.TotalSeconds:0.#} s");
                try
                {
                    await Task.Delay(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(Math.Max(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks), LongestDelay.Ticks));
            }
        }
    }
}
