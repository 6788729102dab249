using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// The <c>--out</c> folder of <c>mama pretrain</c> as one run's property: a folder that holds another run is refused
/// unless <c>--resume</c> (which checks that the run recorded there, in <c>run.json</c>, has the same config, manifest
/// and seed) or <c>--overwrite</c> (which removes that run's outputs); and a lock so two processes cannot train into
/// one folder at once. The lock is an open file with no sharing: the operating system drops it when its process ends,
/// however it ends, so a crashed run leaves nothing stuck.
/// </summary>
internal sealed class PretrainRunFolder : IDisposable
{
    /// <summary>The run's identity, written when a run starts.</summary>
    public const string RunFile = "run.json";

    /// <summary>The lock file, held open while a run trains.</summary>
    public const string LockFile = ".mama-pretrain.lock";

    // What pretrain writes; --overwrite removes these and nothing else.
    private static readonly string[] RunOutputs = ["model", "checkpoints", "training-log.jsonl", RunFile];

    private readonly FileStream _lock;

    private PretrainRunFolder(FileStream held) => _lock = held;

    /// <summary>
    /// Claims <paramref name="folder"/> for a run with <paramref name="identity"/>. Returns the held folder, or null
    /// with the message written and <paramref name="exitCode"/> set.
    /// </summary>
    public static PretrainRunFolder? Claim(string folder, JsonObject identity, bool resume, bool overwrite, out int exitCode)
    {
        exitCode = ExitCodes.Success;
        if (resume && overwrite) return Refuse("--resume and --overwrite contradict each other; give one.", ExitCodes.Usage, out exitCode);
        Directory.CreateDirectory(folder);
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(folder, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string owner = "";
            try { owner = File.ReadAllText(Path.Combine(folder, LockFile)).Trim(); } catch (IOException) { }
            return Refuse($"--out {folder}: another mama pretrain is training into this folder{(owner.Length > 0 ? $" ({owner})" : "")}; wait for it or use another --out.",
                ExitCodes.BadInput, out exitCode);
        }
        try
        {
            held.SetLength(0);
            using (var writer = new StreamWriter(held, leaveOpen: true))
                writer.Write($"pid {Environment.ProcessId}, started {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}");
            held.Flush();

            string runFile = Path.Combine(folder, RunFile);
            bool hasEarlierRun = Directory.EnumerateFileSystemEntries(folder).Any(e => Path.GetFileName(e) != LockFile);
            if (hasEarlierRun && !resume && !overwrite)
                return Release(held, Refuse($"--out {folder} is not empty (an earlier run?); pass --resume to continue that run or --overwrite to replace it.",
                    ExitCodes.Usage, out exitCode));
            if (overwrite)
            {
                foreach (string name in RunOutputs)
                {
                    string path = Path.Combine(folder, name);
                    if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                    else File.Delete(path);
                }
            }
            if (resume && Directory.Exists(Path.Combine(folder, "checkpoints")))
            {
                if (!File.Exists(runFile))
                    return Release(held, Refuse($"--resume: {folder} has checkpoints but no {RunFile}, so it cannot be told whether they belong to this run; use --overwrite to start over.",
                        ExitCodes.BadInput, out exitCode));
                var recorded = JsonNode.Parse(File.ReadAllText(runFile)) as JsonObject;
                foreach (var (key, value) in identity)
                {
                    string expected = value?.ToJsonString() ?? "null", found = recorded?[key]?.ToJsonString() ?? "null";
                    if (expected != found)
                        return Release(held, Refuse($"--resume: the checkpoints in {folder} belong to another run: its {key} was {Short(found)}, this run's is {Short(expected)}.",
                            ExitCodes.BadInput, out exitCode));
                }
            }
            File.WriteAllText(runFile, identity.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return new PretrainRunFolder(held);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>The identity of a run: the config it trains, the manifest's content and the seed.</summary>
    public static JsonObject Identity(string configJson, string manifestPath, long seed) => new()
    {
        ["config"] = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(configJson))).ToLowerInvariant()[..16],
        ["manifest"] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(manifestPath))).ToLowerInvariant()[..16],
        ["seed"] = seed,
    };

    /// <summary>Lets go of the lock (the file goes with it).</summary>
    public void Dispose()
    {
        string path = _lock.Name;
        _lock.Dispose();
        try { File.Delete(path); } catch (IOException) { }
    }

    private static string Short(string json) => json.Length > 40 ? json[..40] + "..." : json;

    private static PretrainRunFolder? Refuse(string message, int code, out int exitCode)
    {
        exitCode = ExitCodes.Fail(message, code);
        return null;
    }

    private static PretrainRunFolder? Release(FileStream held, PretrainRunFolder? result)
    {
        held.Dispose();
        return result;
    }
}
