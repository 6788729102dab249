using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Tests.Pixels;

[TestClass]
public sealed class GrayscaleRendererTests
{
    private static GrayscaleFrame Row(int bits, bool signed, params int[] values) => new(values.Length, 1, values, bits, signed);

    [TestMethod]
    public void Rescale_ThenLinearWindow_GivesTheClosedForm()
    {
        // Modality value = 2 * s - 100; window c = 100, w = 101 ramps over (49.5, 149.5].
        var presentation = new PixelPresentation
        {
            RescaleSlope = 2, RescaleIntercept = -100,
            Windows = [new WindowSetting(100, 101)],
        };
        FloatImage image = GrayscaleRenderer.Render(Row(12, false, 0, 74, 75, 100, 125, 4095), presentation);
        double Expected(int s) => VoiWindowFunctions.Linear(2 * s - 100, 100, 101);
        Assert.AreEqual(0f, image.Pixels[0], 1e-6);
        Assert.AreEqual(0f, image.Pixels[1], 1e-6); // 48 <= 49.5
        Assert.AreEqual((50 - 99.5) / 100 + 0.5, image.Pixels[2], 1e-6);
        Assert.AreEqual(Expected(100), image.Pixels[3], 1e-6);
        Assert.AreEqual(1f, image.Pixels[4], 1e-6); // 150 > 149.5
        Assert.AreEqual(1f, image.Pixels[5], 1e-6);
    }

    [TestMethod]
    public void WindowIndex_SelectsTheWindow_AndPastTheEndUsesTheFirst()
    {
        var presentation = new PixelPresentation { Windows = [new WindowSetting(50, 1), new WindowSetting(1000, 1)] };
        GrayscaleFrame frame = Row(12, false, 200);
        Assert.AreEqual(1f, GrayscaleRenderer.Render(frame, presentation, new RenderOptions { WindowIndex = 0 }).Pixels[0]);
        Assert.AreEqual(0f, GrayscaleRenderer.Render(frame, presentation, new RenderOptions { WindowIndex = 1 }).Pixels[0]);
        Assert.AreEqual(1f, GrayscaleRenderer.Render(frame, presentation, new RenderOptions { WindowIndex = 7 }).Pixels[0]);
    }

    [TestMethod]
    public void SigmoidAndLinearExactFunctions_AreUsedForTheWindows()
    {
        GrayscaleFrame frame = Row(16, false, 300, 320);
        var sigmoid = new PixelPresentation { Windows = [new WindowSetting(300, 80)], VoiLutFunction = VoiLutFunction.Sigmoid };
        FloatImage s = GrayscaleRenderer.Render(frame, sigmoid);
        Assert.AreEqual(0.5, s.Pixels[0], 1e-6);
        Assert.AreEqual(1 / (1 + Math.Exp(-1)), s.Pixels[1], 1e-6);
        var exact = sigmoid with { VoiLutFunction = VoiLutFunction.LinearExact };
        FloatImage e = GrayscaleRenderer.Render(frame, exact);
        Assert.AreEqual(0.5, e.Pixels[0], 1e-6);
        Assert.AreEqual(0.75, e.Pixels[1], 1e-6);
    }

    [TestMethod]
    public void VoiLutSequence_MapsThroughTheTableAndScalesByItsBits()
    {
        // 8-bit entries, first mapped value 10: inputs below clamp to the first entry, above to the last.
        var lut = new LookupTable(10, 8, [0, 51, 102, 255]);
        var presentation = new PixelPresentation { VoiLuts = [lut], Windows = [new WindowSetting(0, 1)] };
        FloatImage image = GrayscaleRenderer.Render(Row(8, false, 0, 11, 12, 13, 200), presentation, new RenderOptions { Voi = VoiSource.Lut });
        CollectionAssert.AreEqual(new[] { 0f, 0.2f, 0.4f, 1f, 1f }, image.Pixels.Select(p => MathF.Round(p, 5)).ToArray());
    }

    [TestMethod]
    public void ModalityLutTable_TakesThePlaceOfRescale()
    {
        var presentation = new PixelPresentation
        {
            RescaleSlope = 100, // ignored when the table is present
            ModalityLut = new LookupTable(0, 12, [4095, 0, 2048]),
        };
        FloatImage image = GrayscaleRenderer.Render(Row(2, false, 0, 1, 2), presentation, new RenderOptions { NoVoiRange = NoVoiRange.FullRange });
        Assert.AreEqual(1.0, image.Pixels[0], 1e-6);
        Assert.AreEqual(0.0, image.Pixels[1], 1e-6);
        Assert.AreEqual(2048.0 / 4095, image.Pixels[2], 1e-6);
    }

    [TestMethod]
    public void NoVoi_MinMaxStretchesThePresentValues_FullRangeUsesBitsStored()
    {
        GrayscaleFrame frame = Row(10, false, 100, 200, 300);
        FloatImage minMax = GrayscaleRenderer.Render(frame, PixelPresentation.Identity);
        CollectionAssert.AreEqual(new[] { 0f, 0.5f, 1f }, minMax.Pixels);
        FloatImage full = GrayscaleRenderer.Render(frame, PixelPresentation.Identity, new RenderOptions { NoVoiRange = NoVoiRange.FullRange });
        Assert.AreEqual(100.0 / 1023, full.Pixels[0], 1e-6);
        Assert.AreEqual(300.0 / 1023, full.Pixels[2], 1e-6);
    }

    [TestMethod]
    public void SignedValues_FullRangeSpansTheTwosComplementRange()
    {
        FloatImage image = GrayscaleRenderer.Render(Row(8, true, -128, 0, 127), PixelPresentation.Identity, new RenderOptions { NoVoiRange = NoVoiRange.FullRange });
        Assert.AreEqual(0.0, image.Pixels[0], 1e-6);
        Assert.AreEqual(128.0 / 255, image.Pixels[1], 1e-6);
        Assert.AreEqual(1.0, image.Pixels[2], 1e-6);
    }

    [TestMethod]
    public void Monochrome1_IsInverted_UnlessPresentationLutSaysIdentity()
    {
        GrayscaleFrame frame = Row(8, false, 0, 255);
        var mono1 = new PixelPresentation { PhotometricInterpretation = "MONOCHROME1" };
        CollectionAssert.AreEqual(new[] { 1f, 0f }, GrayscaleRenderer.Render(frame, mono1).Pixels);
        CollectionAssert.AreEqual(new[] { 0f, 1f }, GrayscaleRenderer.Render(frame, mono1 with { PresentationLutShape = "IDENTITY" }).Pixels);
        CollectionAssert.AreEqual(new[] { 1f, 0f }, GrayscaleRenderer.Render(frame, PixelPresentation.Identity with { PresentationLutShape = "INVERSE" }).Pixels);
        CollectionAssert.AreEqual(new[] { 0f, 1f }, GrayscaleRenderer.Render(frame, mono1, new RenderOptions { ApplyInversion = false }).Pixels);
    }

    [TestMethod]
    public void WideStoredRange_IsComputedPerPixel_WithTheSameResult()
    {
        // 20-bit values: wider than the lookup-table limit, so this runs the per-pixel path.
        GrayscaleFrame frame = Row(20, false, 0, 1 << 19, (1 << 20) - 1);
        var presentation = new PixelPresentation { Windows = [new WindowSetting(1 << 19, 1 << 18)], VoiLutFunction = VoiLutFunction.LinearExact };
        FloatImage image = GrayscaleRenderer.Render(frame, presentation);
        CollectionAssert.AreEqual(new[] { 0f, 0.5f, 1f }, image.Pixels);
    }

    [TestMethod]
    public void LargeFrame_TableLookupMatchesTheScalarChain()
    {
        var rng = new Random(7);
        int w = 1500, h = 800;
        int[] values = Enumerable.Range(0, w * h).Select(_ => rng.Next(0, 4096)).ToArray();
        var presentation = new PixelPresentation { RescaleSlope = 0.5, RescaleIntercept = 10, Windows = [new WindowSetting(900, 700)], PhotometricInterpretation = "MONOCHROME1" };
        FloatImage image = GrayscaleRenderer.Render(new GrayscaleFrame(w, h, values, 12, false), presentation);
        for (int i = 0; i < values.Length; i += 9973)
        {
            double expected = 1 - VoiWindowFunctions.Linear(0.5 * values[i] + 10, 900, 700);
            Assert.AreEqual(expected, image.Pixels[i], 1e-6);
        }
    }

    [TestMethod]
    public void MismatchedBuffer_IsRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => GrayscaleRenderer.Render(new GrayscaleFrame(3, 3, new int[4], 8, false), PixelPresentation.Identity));
    }
}
