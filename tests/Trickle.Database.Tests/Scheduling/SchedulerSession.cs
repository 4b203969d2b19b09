using System.Collections.Concurrent;
using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;

namespace Trickle.Database.Tests.Scheduling;

/// <summary>
/// <c>CALL trickle.run_scheduler(…)</c> running on a connection of its own (unpooled, so closing it ends the session
/// and its advisory lock), with the notices and warnings it sends.
/// </summary>
internal sealed class SchedulerSession : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly TestDatabase _database;

    private SchedulerSession(TestDatabase database, NpgsqlConnection connection, Task call)
    {
        _database = database;
        _connection = connection;
        Call = call;
    }

    /// <summary>Completes when the procedure returns (or faults when its session is killed).</summary>
    public Task Call { get; }

    public ConcurrentQueue<string> Messages { get; } = new();

    public int ProcessId => _connection.ProcessID;

    public static async Task<SchedulerSession> StartAsync(TestDatabase database, string arguments = "tick => '20 ms'")
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var command = new NpgsqlCommand($"CALL trickle.run_scheduler({arguments})", connection) { CommandTimeout = 0 };
        var call = Task.Run(async () =>
        {
            await using (command)
                await command.ExecuteNonQueryAsync();
        });
        var session = new SchedulerSession(database, connection, call);
        connection.Notice += (_, e) => session.Messages.Enqueue($"{e.Notice.Severity}: {e.Notice.MessageText}");
        return session;
    }

    /// <summary>Asks the scheduler to stop (from another session) and waits for the procedure to return.</summary>
    public async Task StopAsync()
    {
        Assert.True(await _database.ScalarAsync<bool>("SELECT trickle.stop_scheduler()"), "a scheduler should have been running");
        await Call.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (!Call.IsCompleted)
            await _database.ExecuteAsync("SELECT trickle.stop_scheduler()");
        try
        {
            await Call.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception)
        {
            // A test that killed the session expects the call to fault; it asserts that itself.
        }
        await _connection.DisposeAsync();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not within {timeoutSeconds} s: {what}");
            await Task.Delay(20);
        }
    }
}
