using Trickle.Postgres;

namespace Trickle.Integrations.Tests;

/// <summary>
/// Runs the dotnet CLI the way a user's terminal does, but leaves nothing running afterwards: no reused MSBuild node,
/// no MSBuild server and no compiler server outlives a test.
/// </summary>
internal static class DotnetCli
{
    public static Task<ProcessResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var variables = new Dictionary<string, string>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_DO_NOT_USE_MSBUILD_SERVER"] = "1",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) variables[key] = value;
        return ProcessRunner.RunAsync("dotnet", arguments, variables);
    }

    /// <summary><c>dotnet build</c> of one project, without build servers, with console diagnostics on one line each.</summary>
    public static Task<ProcessResult> BuildAsync(string project, IReadOnlyDictionary<string, string>? environment = null, params string[] extra) =>
        RunAsync(environment, ["build", project, "-c", RepositoryPaths.Configuration, "-nodeReuse:false", "-p:UseSharedCompilation=false", "-clp:NoSummary", .. extra]);
}
