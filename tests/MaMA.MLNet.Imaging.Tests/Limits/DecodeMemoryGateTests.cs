using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Tests.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Limits;

/// <summary>
/// The memory gate bounds concurrent decodes by bytes. No test waits on a clock: a blocked reservation is seen
/// through the gate's own count of waiters.
/// </summary>
[TestClass]
public sealed class DecodeMemoryGateTests
{
    private static void SpinUntil(Func<bool> condition)
    {
        var spinner = new SpinWait();
        while (!condition()) spinner.SpinOnce();
    }

    [TestMethod]
    public void AReservationThatDoesNotFitWaitsForTheMemoryToBeReleased()
    {
        var gate = new DecodeMemoryGate(100);
        var first = gate.Reserve(60);
        var second = Task.Run(() => gate.Reserve(60));
        SpinUntil(() => gate.Waiters == 1);
        Assert.IsFalse(second.IsCompleted);
        Assert.AreEqual(60, gate.BytesInUse);
        first.Dispose();
        second.Wait();
        Assert.AreEqual(60, gate.BytesInUse);
        second.Result.Dispose();
        Assert.AreEqual(0, gate.BytesInUse);
        Assert.AreEqual(60, gate.PeakBytesInUse);
        Assert.AreEqual(1, gate.PeakHolders);
    }

    [TestMethod]
    public void ARequestLargerThanTheCapacityRunsAlone()
    {
        var gate = new DecodeMemoryGate(100);
        using (gate.Reserve(500)) Assert.AreEqual(500, gate.BytesInUse);
        Assert.AreEqual(0, gate.BytesInUse);
    }

    [TestMethod]
    public void AScopeHoldsTheReaderReservationUntilItEnds()
    {
        var gate = new DecodeMemoryGate(1L << 40);
        var reader = new MammogramReader(new DecodeLimits { Gate = gate });
        var file = new DatasetBuilder().Text(0x0008, 0x0060, "CS", "MG").UShort(0x0028, 0x0002, 1).Text(0x0028, 0x0004, "CS", "MONOCHROME2")
            .UShort(0x0028, 0x0010, 8).UShort(0x0028, 0x0011, 8).UShort(0x0028, 0x0100, 16).UShort(0x0028, 0x0101, 12)
            .UShort(0x0028, 0x0102, 11).UShort(0x0028, 0x0103, 0).Raw(0x7FE0, 0x0010, "OW", new byte[128])
            .ToPart10(DicomTransferSyntax.ExplicitVRLittleEndian.Uid);

        reader.ReadBytes(file, "a.dcm");
        Assert.AreEqual(0, gate.BytesInUse, "without a scope the reservation ends with the decode");
        Assert.AreEqual(DecodeLimits.PeakBytes(64), gate.PeakBytesInUse);

        using (gate.BeginScope())
        {
            reader.ReadBytes(file, "a.dcm");
            Assert.AreEqual(DecodeLimits.PeakBytes(64), gate.BytesInUse, "inside a scope the image stays reserved");
            reader.ReadBytes(file, "b.dcm"); // a second image in the same scope is granted without waiting
            Assert.AreEqual(2 * DecodeLimits.PeakBytes(64), gate.BytesInUse);
        }
        Assert.AreEqual(0, gate.BytesInUse);
    }

    [TestMethod]
    public void ParallelDecodesStayWithinTheCapacity()
    {
        // Room for two 64-pixel images at a time; 16 decoded on up to 8 threads.
        var gate = new DecodeMemoryGate(2 * DecodeLimits.PeakBytes(64) + 1);
        var reader = new MammogramReader(new DecodeLimits { Gate = gate });
        var frame = SyntheticImages.Create(12, false, width: 8, height: 8);
        var file = DicomWriterBytes(frame);
        var widths = new int[16];
        Parallel.For(0, widths.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            using var scope = gate.BeginScope();
            widths[i] = reader.ReadBytes(file, $"{i}.dcm").Frame.Width;
        });
        CollectionAssert.AreEqual(Enumerable.Repeat(8, 16).ToArray(), widths);
        Assert.IsLessThanOrEqualTo(2, gate.PeakHolders);
        Assert.IsLessThanOrEqualTo(gate.CapacityBytes, gate.PeakBytesInUse);
        Assert.AreEqual(0, gate.BytesInUse);
    }

    private static byte[] DicomWriterBytes(MaMA.MLNet.Imaging.Pixels.GrayscaleFrame frame)
    {
        var stream = new MemoryStream();
        DicomWriter.WriteMammogram(stream, frame, new MammographyHeader(), new MaMA.MLNet.Imaging.Pixels.PixelPresentation());
        return stream.ToArray();
    }
}
