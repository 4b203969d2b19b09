using System.CommandLine;
using System.CommandLine.Invocation;
using Trickle.Cli.Commands;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Cli;

/// <summary>
/// The whole <c>trickle</c> command line as a function of its arguments and two writers, so tests run it in-process.
/// </summary>
public static class CliApp
{
    public const int ExitSuccess = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;
    public const int ExitCanceled = 130;

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(args, stdout, stderr, CompilerEntryPoints.Default, cancellationToken);

    internal static async Task<int> RunAsync(
        string[] args, TextWriter stdout, TextWriter stderr, CompilerEntryPoints compiler, CancellationToken cancellationToken)
    {
        try
        {
            var compile = new CompileCommand(compiler);
            var explain = new CompileCommand(compiler, explain: true);
            var root = new RootCommand("Compiles a PostgreSQL stream-table definition into one installable SQL script for incremental view maintenance, and runs, inspects and refreshes installed stream tables.")
            {
                compile.Command,
                explain.Command,
                new WorkerCommand().Command,
                new StatusCommand().Command,
                new RefreshCommand().Command,
                new RepairCommand().Command,
                new AlterCommand().Command,
                new MigrationsCommand(compiler).Command,
                new DbtCommand(compiler).Command,
                new VerifyCommand().Command,
                new ImportPgIvmCommand().Command,
            };
            var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };

            // `trickle` alone is a user finding out what the tool does: show the commands (as --help does), but exit as a
            // usage error, since nothing was done.
            if (args.Length == 0)
            {
                await root.Parse(["--help"]).InvokeAsync(configuration, cancellationToken);
                await stdout.FlushAsync(CancellationToken.None);
                return ExitUsage;
            }

            var parseResult = root.Parse(args);

            // System.CommandLine would print help and exit 1; scripts and editors want one diagnostic line per problem and
            // a distinct exit code for "you called it wrong".
            if (parseResult.Action is ParseErrorAction)
            {
                var origin = compile.UsageErrorOrigin(parseResult) ?? explain.UsageErrorOrigin(parseResult);
                foreach (var error in parseResult.Errors)
                    DiagnosticPrinter.PrintUsageError(stderr, origin, error.Message);
                await stderr.FlushAsync(cancellationToken);
                return ExitUsage;
            }

            var exitCode = await parseResult.InvokeAsync(configuration, cancellationToken);
            await stdout.FlushAsync(CancellationToken.None);
            await stderr.FlushAsync(CancellationToken.None);
            return exitCode;
        }
        catch (Exception exception)
        {
            // Last line of defence: commands catch their own failures with a file position; this only sees faults outside them.
            DiagnosticPrinter.PrintUsageError(stderr, "trickle", $"internal compiler error: {DiagnosticPrinter.OneLine(exception.Message)}", DiagnosticCode.InternalError);
            await stderr.FlushAsync(CancellationToken.None);
            return ExitFailure;
        }
    }
}
