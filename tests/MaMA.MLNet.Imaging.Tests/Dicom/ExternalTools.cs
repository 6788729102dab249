using System.ComponentModel;
using System.Diagnostics;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary>Runs DCMTK and GDCM command-line tools; a missing tool fails the test naming the apt package to install.</summary>
public static class ExternalTools
{
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["dcmconv"] = "dcmtk", ["dcmcjpeg"] = "dcmtk", ["dcmcjpls"] = "dcmtk", ["dcmcrle"] = "dcmtk", ["dcmdump"] = "dcmtk",
        ["dcmdrle"] = "dcmtk", ["dcmdjpeg"] = "dcmtk", ["gdcmconv"] = "libgdcm-tools",
    };

    /// <summary>Runs <paramref name="tool"/> with the arguments and fails the test if it cannot start or exits non-zero.</summary>
    public static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{tool} did not start");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"{tool} is not installed ({e.Message}); install it with `apt-get install {Packages.GetValueOrDefault(tool, "?")}`");
            return;
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{tool} {string.Join(' ', arguments)} did not finish within 60 s");
            }
            if (process.ExitCode != 0)
                Assert.Fail($"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }
}
