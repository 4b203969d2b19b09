using System.Globalization;
using System.Net;
using System.Text;
using Npgsql;

namespace Trickle.Cli.Worker;

/// <summary>
/// Prometheus text exposition on <c>http://*:PORT/metrics</c>, read from <c>trickle.stream_tables</c> at each scrape:
/// counters come from the catalog's running totals (so refreshes by anyone count, and restarts of the worker do not
/// reset them), gauges from the buffers and clocks as they are now.
/// </summary>
internal sealed class MetricsEndpoint : IDisposable
{
    private const string Query = """
        SELECT format('%I.%I', t.schema_name, t.name), t.refresh_count, t.failure_count, t.refresh_seconds_total,
               t.rows_applied_total, t.pending_changes, extract(epoch FROM t.staleness)::double precision,
               (t.status = 'suspended')::int, h.duration_ms / 1000.0
        FROM trickle.stream_tables AS t
        LEFT JOIN LATERAL (SELECT r.duration_ms FROM trickle.refresh_history AS r
                           WHERE r.schema_name = t.schema_name AND r.table_name = t.name ORDER BY r.id DESC LIMIT 1) AS h ON true
        ORDER BY 1
        """;

    private static readonly (string Name, string Type, string Help)[] Series =
    [
        ("trickle_refreshes_total", "counter", "Refreshes of the stream table."),
        ("trickle_refresh_failures_total", "counter", "Scheduled refreshes that failed."),
        ("trickle_refresh_duration_seconds_total", "counter", "Time spent refreshing through trickle.refresh and the scheduler."),
        ("trickle_rows_applied_total", "counter", "Stored rows changed by refreshes."),
        ("trickle_pending_changes", "gauge", "Change rows buffered and not yet applied (counted up to 1,000,000)."),
        ("trickle_staleness_seconds", "gauge", "Time since the last refresh."),
        ("trickle_suspended", "gauge", "1 when the stream table is suspended after repeated failures."),
        ("trickle_last_refresh_duration_seconds", "gauge", "Duration of the latest recorded refresh (or failed attempt)."),
    ];

    private readonly HttpListener _listener;
    private readonly string _connectionString;
    private readonly SchedulerWorker _worker;
    private readonly WorkerLog _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private MetricsEndpoint(HttpListener listener, string connectionString, SchedulerWorker worker, WorkerLog log)
    {
        _listener = listener;
        _connectionString = connectionString;
        _worker = worker;
        _log = log;
        _serving = Task.Run(ServeAsync);
    }

    public static MetricsEndpoint Start(int port, string connectionString, SchedulerWorker worker, WorkerLog log)
    {
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://*:{port.ToString(CultureInfo.InvariantCulture)}/");
        listener.Start();
        return new MetricsEndpoint(listener, connectionString, worker, log);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        try { _serving.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { }
        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException exception)
            {
                _log.Error($"metrics endpoint: {exception.Message}");
                continue;
            }
            await RespondAsync(context);
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        using var response = context.Response;
        try
        {
            if (context.Request.Url?.AbsolutePath is not ("/metrics" or "/"))
            {
                response.StatusCode = 404;
                return;
            }
            var body = Encoding.UTF8.GetBytes(await RenderAsync(_stop.Token));
            response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body, _stop.Token);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or HttpListenerException or InvalidOperationException)
        {
            _log.Error($"metrics scrape failed: {exception.Message}");
            response.StatusCode = 503;
        }
    }

    /// <summary>The exposition text: per-stream-table series, then the worker's own.</summary>
    public async Task<string> RenderAsync(CancellationToken cancellationToken)
    {
        var rows = new List<(string Table, double?[] Values)>();
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(Query, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((reader.GetString(0),
                    Enumerable.Range(1, Series.Length).Select(i => reader.IsDBNull(i) ? (double?)null : Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture)).ToArray()));
        }
        var text = new StringBuilder();
        for (var s = 0; s < Series.Length; s++)
        {
            var (name, type, help) = Series[s];
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
            foreach (var (table, values) in rows)
                if (values[s] is { } value)
                    text.Append(CultureInfo.InvariantCulture, $"{name}{{stream_table=\"{Escape(table)}\"}} {Format(value)}\n");
        }
        text.Append("# HELP trickle_scheduler_running 1 when this worker's scheduler is running.\n# TYPE trickle_scheduler_running gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"trickle_scheduler_running {(_worker.IsRunning ? 1 : 0)}\n");
        text.Append("# HELP trickle_worker_reconnects_total Times the worker lost its connection and reconnected.\n# TYPE trickle_worker_reconnects_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"trickle_worker_reconnects_total {_worker.Reconnects}\n");
        return text.ToString();
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Label values escape backslash, double quote and newline (the exposition format's three escapes).</summary>
    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
