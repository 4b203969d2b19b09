using System.Text;
using Trickle.Cli;

// Raw streams with explicit UTF-8: the script must reach stdout byte for byte, whatever locale the shell has (or lacks).
var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
await using var stdout = new StreamWriter(Console.OpenStandardOutput(), utf8);
await using var stderr = new StreamWriter(Console.OpenStandardError(), utf8) { AutoFlush = true };
return await CliApp.RunAsync(args, stdout, stderr);
