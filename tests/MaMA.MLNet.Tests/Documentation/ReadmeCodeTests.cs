using System.Reflection;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Samples;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MaMA.MLNet.Tests.Documentation;

/// <summary>
/// The README's code works as pasted: every <c>```csharp</c> block of README.md is a complete program (top-level
/// statements, its own usings and types) that is compiled here with Roslyn against this test project's references
/// (the MaMA.MLNet packages' assemblies and ML.NET) and run in a folder that holds what the README tells a user to
/// make first: <c>phantom/</c> (what <c>mama synth --out phantom</c> writes: images + manifest.csv) and
/// <c>run/model</c> (a model directory, as <c>mama pretrain --out run</c> writes; here a tiny random model).
/// </summary>
/// <remarks>
/// In-process rather than a temporary console project: a project restore and build per run costs minutes on two
/// cores, Roslyn costs seconds. The programs share this process's loaded assemblies, so they see exactly the code
/// under test. They change the working directory, hence <see cref="DoNotParallelizeAttribute"/>.
/// </remarks>
[TestClass]
[DoNotParallelize]
public sealed class ReadmeCodeTests
{
    // A block fenced ```csharp compile-only needs files a test machine lacks (real weights): it is compiled, not run.
    private static readonly Regex CSharpBlock = new(@"^```csharp(?<compileOnly>[ \t]+compile-only)?[ \t]*\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline);

    public TestContext TestContext { get; set; } = null!;

    /// <summary>The C# blocks of README.md, in order.</summary>
    internal static IReadOnlyList<string> Blocks() => FencedBlocks().Select(b => b.Code).ToList();

    // The C# blocks of README.md, in order, each with whether it is only to be compiled.
    private static IReadOnlyList<(string Code, bool CompileOnly)> FencedBlocks()
    {
        string readme = Path.Combine(AppContext.BaseDirectory, "Documentation", "README.md");
        Assert.IsTrue(File.Exists(readme), readme);
        return CSharpBlock.Matches(File.ReadAllText(readme)).Select(m => (m.Groups["code"].Value, m.Groups["compileOnly"].Success)).ToList();
    }

    [TestMethod]
    public void TheReadmeHasCSharpBlocks() => Assert.IsNotEmpty(Blocks());

    [TestMethod]
    public void EveryCSharpBlockOfTheReadmeCompilesAndRuns()
    {
        var blocks = FencedBlocks();
        string folder = Directory.CreateTempSubdirectory("mama-readme-").FullName;
        string saved = Environment.CurrentDirectory;
        try
        {
            var generator = new PhantomGenerator(new PhantomOptions { Width = 64, Height = 80, Seed = 3 });
            generator.WriteDataset(Path.Combine(folder, "phantom"), 3);
            TinyMaMAModel.Write(Path.Combine(folder, "run", "model"), imageSize: 56);
            var references = References();
            Environment.CurrentDirectory = folder;
            for (int i = 0; i < blocks.Count; i++)
            {
                var entry = Compile(blocks[i].Code, $"ReadmeBlock{i}", references);
                if (blocks[i].CompileOnly) continue;
                var output = new StringWriter();
                var savedOut = Console.Out;
                Console.SetOut(output);
                try
                {
                    object? result = entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
                    if (result is Task task) task.GetAwaiter().GetResult();
                }
                catch (TargetInvocationException e) when (e.InnerException is { } inner)
                {
                    Assert.Fail($"README C# block {i + 1} threw {inner.GetType().Name}: {inner.Message}\n{inner.StackTrace}");
                }
                finally
                {
                    Console.SetOut(savedOut);
                }
                TestContext.WriteLine($"block {i + 1} printed:\n{output}");
            }
        }
        finally
        {
            Environment.CurrentDirectory = saved;
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ABlockThatDoesNotCompileIsReportedWithItsError()
    {
        // The harness itself can fail: an undefined name is a compile error that names the name.
        var e = Assert.ThrowsExactly<AssertFailedException>(() => Compile("Console.WriteLine(files);", "Broken", References()));
        StringAssert.Contains(e.Message, "files");
    }

    // What `dotnet new console` (ImplicitUsings enabled) gives every file.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static MethodInfo Compile(string code, string name, IReadOnlyList<MetadataReference> references)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var tree = CSharpSyntaxTree.ParseText(code, parse);
        var compilation = CSharpCompilation.Create(name, [tree, CSharpSyntaxTree.ParseText(ImplicitUsings, parse)], references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!emitted.Success)
            Assert.Fail($"README C# block '{name}' does not compile:\n{string.Join("\n", errors.Select(d => d.ToString()))}\n--- code ---\n{code}");
        image.Position = 0;
        var assembly = AssemblyLoadContext.Default.LoadFromStream(image);
        return assembly.EntryPoint ?? throw new AssertFailedException($"README C# block '{name}' has no statements to run");
    }

    // The framework's assemblies and every managed assembly beside this test (ours, ML.NET, TorchSharp, ...), as a
    // project referencing the MaMA.MLNet package sees them.
    private static IReadOnlyList<MetadataReference> References()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(IsManaged)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First());
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    private static bool IsManaged(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new PEReader(stream);
            return reader.HasMetadata;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
