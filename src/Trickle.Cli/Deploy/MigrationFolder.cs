using System.Globalization;
using System.Text.RegularExpressions;

namespace Trickle.Cli.Deploy;

/// <summary>A migration already written: its number and what its header says it deploys.</summary>
internal sealed record MigrationFile(int Number, string FileName)
{
    /// <summary>For the runtime's migration: the hash of the runtime it installs.</summary>
    public string? RuntimeHash { get; init; }

    /// <summary>For a stream table's migration: its name (schema.name), definition hash and revision.</summary>
    public string? StreamTable { get; init; }
    public string? DefinitionHash { get; init; }
    public int? Revision { get; init; }
}

/// <summary>
/// The folder <c>trickle migrations generate</c> writes: numbered scripts, never rewritten. What is already written is
/// read back from the scripts' own header lines (the ones the deploy and runtime scripts start with), so the folder is
/// its own record: nothing else to keep in step, and a script deleted by hand is simply not there.
/// </summary>
internal static partial class MigrationFolder
{
    /// <summary>The names it writes: <c>0001_description.sql</c>, or Flyway's <c>V1__description.sql</c>.</summary>
    [GeneratedRegex(@"^(?:V(?<number>\d+)__|(?<number>\d+)_)(?<description>[^.]+)\.sql$")]
    private static partial Regex FileNamePattern();

    [GeneratedRegex(@"^-- Runtime: \S+ sha256 (?<hash>[0-9a-f]{64})$")]
    private static partial Regex RuntimeLine();

    [GeneratedRegex(@"^-- Stream table: (?<name>.+)$")]
    private static partial Regex StreamTableLine();

    [GeneratedRegex(@"^-- Definition: sha256 (?<hash>[0-9a-f]{64})$")]
    private static partial Regex DefinitionLine();

    [GeneratedRegex(@"^-- Revision: (?<revision>\d+)$")]
    private static partial Regex RevisionLine();

    private const int HeaderLines = 12;

    /// <summary>Every migration in the folder, by number; an absent folder has none.</summary>
    public static IReadOnlyList<MigrationFile> Read(string directory)
    {
        if (!Directory.Exists(directory))
            return [];
        var files = new List<MigrationFile>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.sql").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var match = FileNamePattern().Match(name);
            if (!match.Success)
                continue;
            var file = new MigrationFile(int.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture), name);
            foreach (var line in File.ReadLines(path).Take(HeaderLines))
            {
                if (RuntimeLine().Match(line) is { Success: true } runtime)
                    file = file with { RuntimeHash = runtime.Groups["hash"].Value };
                else if (StreamTableLine().Match(line) is { Success: true } table)
                    file = file with { StreamTable = table.Groups["name"].Value };
                else if (DefinitionLine().Match(line) is { Success: true } definition)
                    file = file with { DefinitionHash = definition.Groups["hash"].Value };
                else if (RevisionLine().Match(line) is { Success: true } revision)
                    file = file with { Revision = int.Parse(revision.Groups["revision"].Value, CultureInfo.InvariantCulture) };
            }
            files.Add(file);
        }
        return files.OrderBy(f => f.Number).ThenBy(f => f.FileName, StringComparer.Ordinal).ToList();
    }

    public static string FileName(int number, string description, bool flyway) =>
        flyway ? $"V{number}__{description}.sql" : $"{number:D4}_{description}.sql";

    /// <summary>Letters, digits and underscores only: a name every runner and shell takes as it is.</summary>
    public static string Describe(string text)
    {
        var chars = text.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray();
        return Regex.Replace(new string(chars), "_+", "_").Trim('_');
    }
}
