using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Cli.Tests;

[TestClass]
public sealed class SynthDicomTests
{
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void SynthFormatDicom_WritesDicomFilesThatTheManifestPointsAt(bool rle)
    {
        string dir = Directory.CreateTempSubdirectory("mama-cli-synth-dicom-").FullName;
        try
        {
            string[] args = ["synth", "--out", dir, "--studies", "2", "--size", "64x80", "--seed", "4", "--format", "dicom", .. rle ? new[] { "--rle" } : []];
            var (code, output) = CliFixture.Capture(new SynthCommand(), args);
            Assert.AreEqual(ExitCodes.Success, code, output);
            var records = MammogramManifestReader.Read(Path.Combine(dir, "manifest.csv")).Records;
            Assert.HasCount(8, records);
            foreach (var record in records)
            {
                Assert.AreEqual(".dcm", Path.GetExtension(record.ImagePath));
                var header = MammogramReader.Read(record.ImagePath).Header;
                Assert.AreEqual(record.PatientId, header.PatientId);
                Assert.AreEqual(record.View, header.View);
                Assert.AreEqual(rle ? DicomTransferSyntax.RleLossless.Uid : DicomTransferSyntax.ExplicitVRLittleEndian.Uid, header.TransferSyntaxUid);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void RleWithoutDicom_AndAnUnknownFormat_AreUsageErrors()
    {
        var saved = Console.Error;
        Console.SetError(new StringWriter());
        try
        {
            Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new SynthCommand(), "synth", "--out", Path.GetTempPath(), "--rle"));
            Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new SynthCommand(), "synth", "--out", Path.GetTempPath(), "--format", "jpeg"));
        }
        finally
        {
            Console.SetError(saved);
        }
    }
}
