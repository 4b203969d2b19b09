using System.Globalization;

namespace Trickle.Cli.Worker;

/// <summary>Timestamped log lines: refreshes and progress on standard output, failures on standard error.</summary>
internal sealed class WorkerLog(TextWriter stdout, TextWriter stderr)
{
    private readonly Lock _gate = new();

    public void Info(string message) => Write(stdout, message);

    public void Error(string message) => Write(stderr, message);

    /// <summary>For the final one-line error of a worker that gives up.</summary>
    public TextWriter ErrorWriter => stderr;

    private void Write(TextWriter writer, string message)
    {
        lock (_gate)
        {
            writer.WriteLine($"{DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {DiagnosticPrinter.OneLine(message)}");
            writer.Flush();
        }
    }
}
