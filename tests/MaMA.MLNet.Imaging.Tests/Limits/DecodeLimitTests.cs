using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Limits;

/// <summary>
/// Small files that declare huge images fail before the memory is taken. Each case allocated a gigabyte or more
/// before the decode budget (<see cref="DecodeLimits"/>) existed; the allocation asserts use the thread's own
/// allocation counter, so they do not depend on other tests or the machine.
/// </summary>
[TestClass]
public sealed class DecodeLimitTests
{
    private const long SmallAllocation = 32L << 20;

    private static (DecodeLimitExceededException Error, long Allocated) Read(byte[] file, MammogramReader? reader = null)
    {
        reader ??= MammogramReader.Default;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.ThrowsExactly<DecodeLimitExceededException>(() => reader.ReadBytes(file, "hostile.dcm"));
        return (error, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [TestMethod]
    public void ANativeFileDeclaring16384SquaredFailsBeforeItsBufferIsTaken()
    {
        var file = HostileImages.NativeDeclaringHuge(16384);
        Assert.IsLessThan(2048, file.Length);
        var (error, allocated) = Read(file);
        Assert.AreEqual(nameof(DecodeLimits.MaxPixels), error.LimitName);
        Assert.AreEqual(16384L * 16384, error.Requested);
        StringAssert.Contains(error.Message, "hostile.dcm");
        StringAssert.Contains(error.Message, "16384 x 16384");
        Assert.IsLessThan(SmallAllocation, allocated, $"allocated {allocated} bytes");
    }

    [TestMethod]
    [DataRow("1.2.840.10008.1.2.4.80", new byte[] { 0xFF, 0xD8, 0xFF, 0xF7 })] // JPEG-LS
    [DataRow("1.2.840.10008.1.2.4.90", new byte[] { 0xFF, 0x4F, 0xFF, 0x51 })] // JPEG 2000
    [DataRow("1.2.840.10008.1.2.5", new byte[] { 1, 0, 0, 0, 64, 0, 0, 0 })]  // RLE
    [DataRow("1.2.840.10008.1.2.4.70", new byte[] { 0xFF, 0xD8, 0xFF, 0xC3 })] // JPEG lossless
    [DataRow("1.2.840.10008.1.2.4.50", new byte[] { 0xFF, 0xD8, 0xFF, 0xC0 })] // JPEG baseline
    public void AnEncapsulatedFrameDeclaring16384SquaredFailsBeforeTheCodecRuns(string syntaxUid, byte[] fragmentStart)
    {
        var syntax = DicomTransferSyntax.Find(syntaxUid)!;
        var file = HostileImages.EncapsulatedDeclaringHuge(16384, syntax, [.. fragmentStart, .. new byte[64]]);
        var (error, allocated) = Read(file);
        Assert.AreEqual(nameof(DecodeLimits.MaxPixels), error.LimitName);
        Assert.IsLessThan(SmallAllocation, allocated, $"{syntax.Name}: allocated {allocated} bytes");
    }

    [TestMethod]
    public void ADeflatedDataSetStopsInflatingAtTheLimit()
    {
        // 300 MiB of zeros in a file of about 300 KB: past the 192 MiB default, which a real mammogram fits in.
        var file = HostileImages.DeflatedBomb(300L << 20);
        Assert.IsLessThan(1L << 20, file.Length);
        var (error, allocated) = Read(file);
        Assert.AreEqual(nameof(DecodeLimits.MaxInflatedBytes), error.LimitName);
        Assert.AreEqual(DecodeLimits.DefaultMaxInflatedBytes, error.Limit);
        StringAssert.Contains(error.Message, "hostile.dcm");
        StringAssert.Contains(error.Message, "MaxInflatedBytes");
        // Inflating stops at the limit: the file costs the limit, never the whole bomb.
        Assert.IsLessThan(DecodeLimits.DefaultMaxInflatedBytes + SmallAllocation, allocated, $"allocated {allocated} bytes");
    }

    [TestMethod]
    public void TheLimitsAreConfigurableAndASmallDeflatedFileWithinThemReads()
    {
        var file = HostileImages.DeflatedBomb(4L << 20);
        var within = new MammogramReader().ReadBytes(file, "small.dcm");
        Assert.AreEqual(4, within.Frame.Width);

        var tight = new MammogramReader(new DecodeLimits { MaxInflatedBytes = 1L << 20 });
        var (error, allocated) = Read(file, tight);
        Assert.AreEqual(1L << 20, error.Limit);
        Assert.IsLessThan(8L << 20, allocated);

        var fewPixels = new MammogramReader(new DecodeLimits { MaxPixels = 15 });
        Assert.AreEqual(nameof(DecodeLimits.MaxPixels), Read(file, fewPixels).Error.LimitName);
    }

    [TestMethod]
    public void TheDefaultsHoldTheLargestMammogramsWithHeadroom()
    {
        // 5000 x 6000 x 16 bits: about the largest full-field mammogram; the defaults leave it room twice over.
        DecodeLimits.Default.CheckFrame("large.dcm", "DICOM", 5000, 6000);
        Assert.IsGreaterThanOrEqualTo(2L * 5000 * 6000, DecodeLimits.Default.MaxPixels);
        Assert.IsGreaterThanOrEqualTo(2L * 5000 * 6000 * 2, DecodeLimits.Default.MaxInflatedBytes);
        Assert.ThrowsExactly<DecodeLimitExceededException>(() => DecodeLimits.Default.CheckFrame("huge.dcm", "DICOM", 8193, 8192));
    }

    [TestMethod]
    public void DecodingThroughDicomFileHonoursTheLimitsToo()
    {
        var file = DicomFile.Parse(HostileImages.NativeDeclaringHuge(16384), "hostile.dcm");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.ThrowsExactly<DecodeLimitExceededException>(() => DicomPixelDecoder.DecodeFrame(file, 0));
        Assert.IsLessThan(SmallAllocation, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.ThrowsExactly<DecodeLimitExceededException>(() => DicomFile.Parse(HostileImages.DeflatedBomb(2L << 20), "bomb.dcm", new DecodeLimits { MaxInflatedBytes = 1L << 20 }));
    }
}
