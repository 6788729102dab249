using System.ComponentModel;
using System.Diagnostics;

namespace MaMA.MLNet.TestSupport;

/// <summary>
/// Runs DCMTK, GDCM and dicom3tools programs, the independent readers and writers the DICOM tests check against;
/// a missing tool fails the test naming the apt package to install, a hung one fails it after 60 s.
/// Linked into every test project that needs it.
/// </summary>
public static class ExternalTools
{
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["dcmconv"] = "dcmtk", ["dcmcjpeg"] = "dcmtk", ["dcmcjpls"] = "dcmtk", ["dcmcrle"] = "dcmtk", ["dcmdump"] = "dcmtk",
        ["dcmdrle"] = "dcmtk", ["dcmdjpeg"] = "dcmtk", ["gdcmconv"] = "libgdcm-tools", ["gdcminfo"] = "libgdcm-tools",
        ["dciodvfy"] = "dicom3tools",
    };

    /// <summary>Runs the tool and returns its exit code and its standard output and error together.</summary>
    public static (int ExitCode, string Output) Run(string tool, params string[] arguments)
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
            throw;
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
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }

    /// <summary>Runs the tool and fails the test when it exits non-zero; returns its output.</summary>
    public static string RunChecked(string tool, params string[] arguments)
    {
        var (code, output) = Run(tool, arguments);
        if (code != 0) Assert.Fail($"{tool} {string.Join(' ', arguments)} exited with {code}: {output}");
        return output;
    }
}
