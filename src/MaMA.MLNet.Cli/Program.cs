using System.Reflection;

// The command tree grows as the parts land; each command lives in its own file under Commands/.
string version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
if (args is ["--version"])
{
    Console.WriteLine(version);
    return 0;
}
Console.Error.WriteLine($"mama {version}: MaMA mammography vision-language models for .NET. Run 'mama --help' for commands.");
return args.Length == 0 || args is ["--help"] or ["-h"] ? 0 : 2;
