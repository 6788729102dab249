using MaMA.MLNet.Data.ReferenceExport;
using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Data.Tests.ReferenceExport;

/// <summary>
/// The reference's image preparation against OpenCV itself. The expected bytes were made once with Debian's
/// python3-opencv 4.6.0 by tests/reference-contract/make_fixtures.py, which does what XYPB/MaMA
/// scripts/resize_embed.py does (read_from_dicom: cv2.convertScaleAbs(x, alpha=255/x.max()), cv2.bitwise_not for
/// MONOCHROME1, resize_img(x, scale) without padding: cv2.resize(..., interpolation=cv2.INTER_AREA)) on a 12-bit
/// pattern both sides compute alike.
/// </summary>
[TestClass]
public sealed class ReferenceImageConverterTests
{
    // The pattern of make_fixtures.py: ((x * 2531 + y * 1741 + (x * y % 97) * 13) % 4096).
    private static GrayscaleFrame Pattern(int width, int height)
    {
        var values = new int[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) values[y * width + x] = (x * 2531 + y * 1741 + (x * y % 97) * 13) % 4096;
        return new GrayscaleFrame(width, height, values, 12, false);
    }

    [TestMethod]
    // width, height, long side, MONOCHROME1, OpenCV's output width and height, its bytes (hex, row by row).
    // 37x53 -> 13x20: general area weights; 40x30 -> 20x15: 2 x 2 blocks; 9x13 -> 13x20: enlarging;
    // 60x90 -> 20x30: 3 x 3 blocks, inverted; 53x37 -> 24x16: wider than high, inverted; 27x13 -> 60x28: enlarging, wide.
    [DataRow(37, 53, 20, false, 13, 20, "5e8f846d83867f95896f868765927f70778b79788b7e7f7a877c87727481768978826e8c899c7576888c7b7277777f8c6f8e6f878980757b778697827567837a99807d887d6c887d8b816e7a8c657b7e88858a775d807d87948899737488897d8877869d85727e817a8a84869a857a6c787f818477727f78907f8091826b928b608385777a86878b7d7e637072927476856f7b91858d8d9d7d827c86688b7d7c796f737b9e8b81677c7c81788785677c898a82908290766c807f668b6b96736685697c76846e7e8f79938a6d8e7d787a759f7d6a7279958579729b8a6985858893818b777371949a76917f7592716189907488998b8f8f7c7f94838c7fa78c8e90889990")]
    [DataRow(40, 30, 20, false, 20, 15, "4683807d7a787572af6ca967a4619e5b99569350a060a161a262a263a364a465a566a667938081817b7e8285894d9094985c787c6b9b5fa3676a6e9e959c636a71777f5e91858b9259a08087ba6d747b6f79848e988f7168727c8669a056a16a61978e858a97a4726c7e8c59a68c73808d4781a77482a862647585566c697ab7609d6eaa5491618b4884557f7f9367938093546d8094ad6e826e9b6eaf5b9b5c997087a3a77e9a5e75519458888b8fbe82c57579734e68748f82758f6e757c9b76955c63959c4f828eab6298768563858f997c99bc867c727c5fa95f6889837cb670bc627096775d698f9d439089837c836790618a9a83947d8d76877080a97a63609c995d859d855d719d9d5e8a5e8a5e8a4a768a76767677637e8285888b67be6eb1746467976e9d4d9094")]
    [DataRow(9, 13, 20, false, 13, 20, "0058933ca5c4792d4cb55e99f132495d6f8a9cad615973869ab06d371eab6a6de99e6827b49b65d19b6824819f64d0cf8f4b81cfa0a299446c8284b3a161647fa2469fdc88484cc97e490a99804ba28479e5a67a4fada96a3969ad867d80c98a675b9ba99f4b6593207ab864262ba96081ed9a663274615db97b553a8b96802d518aa67255b19b7b33849079274b85f9c69341aed1894164d17f4c199360418e8594d68f776fba9b6877442a997781e39c7754c3ba9dd3a16f1e8db0692346b464a3ff789eb262687aae68575d98a4a8489ad3955a5cce986b2fb1a27bad7c67fbc08e49cbd3984989e65e7992ac725f859c854b778a9a1a77b7692f37b97544099e8a59")]
    [DataRow(60, 90, 30, true, 20, 30, "9e6c7395806a8d777d688a917b8288736e9a688b728e8d8c6f6e92877b83827f7f7c7b976e76927e7e768b82959364788278788a77786e82816e8b786e7b6c9180708497917f6e79848e886b8a8c8c857b818486777974648d74808c909370907f836a6387866c7c9b8f898e7f846d5e807a928489b37f6894947b797f8f706c6a957f8e958769956260789284717976767d72a1796d917d8d70946488a18467908889766b91757e88759a90747e6b7d9a4e90998079848675638a79978e877f6d6f7aa16a7e89778d7f8b7b6a8a974e6e717d6d96858979606c95987d82868b7d9e7394868a8f787d5a7c645e80a1a68987798086709b728c7f85837ea18b9aa09eada0968a9c7473705c779b6a7b9f52767e699695a6a586567c908e8f7c85727b688d97a0797183958c827678795d7b8691938a537a7c8f91939e5c83aa73948e629e8d7481685877835f7f8b729b8271916570808d6d7a88686b83745d6a83576e5694578a7b7c8594738493868c5a686f917b8a886781739f638993878e669e899185955c809073676f7687867a798d5d9f8c796652945c6e9c646d927f63927e87856289b065708e608792806e797b6973929c8a797579986c537ba38a7a6992957c6c789874777a869e9a8b60656a8a7cae8e9b677566878c7d828694725c4e686e6170765f8b75729d6b7a80728c63727e8671706d6c737053767e868d9589747c838b7fa7a5a7766e6c6c899a9b747d7d86987c717a848d7b8ea39a80519e968d568688768082795f857362a47778917e81987d64a0737f9e726a78707c7f8b5b98629f937086828764858a7b77707e7a878c85")]
    [DataRow(53, 37, 24, true, 24, 16, "aa77856ea17197608a5b916f8c7783927a9b767b6c886c9f6a84758d897b846e9461936b8c826d867a6e86707c9471748d8f7898749164858f747a947b836b708d7c867c877664777c6d7d787ba6937d887b7c7b7f76799c7f77637a7b8a8c686c7c8369918d8967759788839e5d7c717ca4937594658e838f8480937ca35c856a8c6f9f8d8d808d8782b17c99938d7d8077836d90849877785a878a847765807e95727d638367967488787d78788f879f7296708668785b7b7d6a817f967aa6958e86777585629385756b688b8a7591848b967a907f6771846da07d6d6392748b84798d88797e89789a727b687f90a975806e777c7263796899806d786a9b7f8b6b8e8b8474918098856c9a708a709e6a9c8a927198a075708c61816085817a88897f797e6c9857875e9192937b7c8282696f7ca19169707781968f7d7d69807e76526e84679069886a99918e636e599a747b827f8b77988c81647e77938e938a8a6e8c4e6c4f788c7686846f6a9e8e8789627b6c5c816073556f7f7487799e")]
    [DataRow(27, 13, 60, false, 60, 28, "00007b9e683c71dacf7878221780b5895376f1f18f8f442e86ccab6a5f080894a665458be3cd81811f1f9abd875c90f9ee989841369fd4a8725c111100007b9e683c71dacf7878221780b5895376f1f18f8f442e86ccab6a5f080894a665458be3cd81811f1f9abd875c90f9ee989841369fd4a8725c11115c5c2f22649986606dd7d78177503d71b3a77a7a1919769070577fcec36d6d3a3483aa91718ce8e887875b4e90c5b28c812b2b94a17c689ddfc97e7e6d6d220c64aa8a4a5ce8e8938847276dc5b0656504047fa26d4277e0d580802a1f88bd925d80fbfb9a9a4f3a92d8b8786d1717a3b575559bf3dd9292b8b86d574d466197958585ccd595756d6375b5b5545446426f938d818ad2d27d72666084b1ad9f9f3e3e7e90867e99cec46e6e5e5c92ada59c863b3bd9d98e7944194eb9ae5959e6f8b8986d385cd8d878782d1870b7975769f7f7a29757377ed6c17676161692b681568bf5ea95954035a0d5aa756015158a8aabb47f545c6b6f9595a8ab6b4b5e757a8c8cb6b66c56636c7a9699adad584e6a78818e97b8b858586a6f8699a0afa4505075798890a3baa55a5a4646c3e7b28767283ac8c874692a0a51aa954b4bececa18c572d62cdc26e6e1a0f7aaf855074f1f1919147328bd2b273681414a2b475559df6e196967070a1afb0b292535a9191949455365174747777b6b66c57595a6f98999c9c473d677b7d7f8dbdbd5e5e616284a0a1a39945457c83858695a7a7aaaab3b36a55aef6d6978d3939c8da9b7c521d41bebe606017025ba3834456e5e59187482971cab56b6b0d0d8aae7a5086f1e793933f349fd588284cc9c99191766ea7d4b576725353adb9a2966c374e9e9e7b7b321d5683775f6bc5c5a6a3644572aba3878729297990725b7dc1bd9e9e4a3f83a57b465dacac20209ec28e64450719a9a9554bb7edc38f7a3232d4d48b7642194fbbb15d5dedffc0a1784468e6e68888402b597e5f2032c2c26f6526074fa9944c4c282897b78d6d4d0f1f9e9e5c54b2e2b884743b3bc9c98f7f4b2251b0a86666e4f4b697764d6bd6d68b8b432e6088682a39b8b8776f3011509f8f56568d8d45308bd3b4766c1919aabc7e5f360226a5a54848c7ebb78e6f3244d4d481773a1b63bd971212b5b56d58b3fbdc9e944141d2e4a6875e2b4fcdcd8d8d45308bd3b4766c1919aabc7e5f360226a5a54848c7ebb78e6f3244d4d481773a1b63bd971212b5b56d58b3fbdc9e944141d2e4a6875e2b4fcdcdf1f1a9946c4c7cdcd28080403897c79f6c5c2424b3b37b6b370e3f9f975656969e60428ae5cf82823b3baacaa282632636b6b6766e301251a1915959f9f9b19d6a4178e5db8989372d9ad0a875611919bcbc74602d043ba89e4c4c98a164458de8d48c8c3131b0d4a178591c2ec0c06e64270850ab974f4f8888412d67968b7581dfdf8e846e6392cdb871715151a3ba875f543f436b6b3e387fa293816d26269090766fa9d8ba7d795d5dbac6896a98d2be767666661f0b66af915466f9f9a89e61428be7d38c8c3131b1d5a27a5c1f287474231987be95624e0707acac6551acf5d79a903f3fd1e3a688aedeca8282a9a9634e53566c9899a0a0504672888c909fd3d378787e7f8a92743746bdbd6d63686b88ad9952525a5a8e9da1a4864a4c5c5c636490a69c907c3535d3d38d79461e55c3b96969190f7db48c5a7fffffa4a45e4a7aa1834658ebeb9b91553780dcc882822727a8cd9a725418226e6e1e1482b9915f4b05058f8fa5ab79516181849d9d4c4362727f8e99bebe64645d5b5f616a7d82acac5c53656f849ea4baba606085908b87692e3ba8a8584f6e7e8b9a8640404040c1e6b48c6e3345d9d9897f442670ccb8727219195d703f174ebdb36363140a79b088567bfcfca3a35d4979a0824759eded9d93583a84e0cc86866161a5b9b3ae90555facaca3a2664970a09e959524247b94623b5893918888392f6986817b8fd3d3b0b06b576978746e77c5c5756c656188b9a56060adad6854b1fbdda2984949ddf0b597703f64e5e53e3ec0e5b48c6f3446dada8c82472973d0bc7777cfcf8a76451e56c5bb6c6c1d1382ba92614d090996967065ace4c78c865a5accda9f816b506dcfcf5050b3d09e77664654c5c59a94593b74bbae7e7ebbbb948958315cb1ab7f7f30267ca68b695511111a1a9cc190694c1225b9b96b61260954b19d5959b2b26e5a29023aaaa05252e7fabfa27b4a5ea3a34b4bcdf2c29b7e4356eaea9c92573a6293803c3c1a1a9cc190694c1225b9b96b61260954b19d5959b2b26e5a29023aaaa05252e7fabfa27b4a5ea3a34b4bcdf2c29b7e4356eaea9c92573a6293803c3c")]
    public void ScaleAndResize_MatchOpenCv(int width, int height, int longSide, bool monochrome1, int expectedWidth, int expectedHeight, string expectedHex)
    {
        var (w, h) = ReferenceImageConverter.TargetSize(width, height, longSide);
        Assert.AreEqual((expectedWidth, expectedHeight), (w, h));
        byte[] scaled = ReferenceImageConverter.ScaleToBytes(Pattern(width, height), monochrome1);
        byte[] resized = AreaResampler.Resize(scaled, width, height, w, h);
        byte[] expected = Convert.FromHexString(expectedHex);
        int differing = expected.Where((e, i) => e != resized[i]).Count();
        int first = Enumerable.Range(0, expected.Length).FirstOrDefault(i => expected[i] != resized[i], -1);
        Assert.AreEqual(0, differing, $"{differing} of {expected.Length} values differ from OpenCV, the first at {first}.");
    }

    [TestMethod]
    public void Convert_InvertsByThePhotometricInterpretationAlone()
    {
        // read_from_dicom inverts when dcm.PhotometricInterpretation == "MONOCHROME1", whatever the presentation LUT says.
        var frame = Pattern(53, 37);
        var (w, h) = ReferenceImageConverter.TargetSize(53, 37, 24);
        var plain = ReferenceImageConverter.Convert(new Imaging.Mammogram("m2", new Imaging.MammographyHeader(), frame,
            new PixelPresentation { PhotometricInterpretation = "MONOCHROME2" }), 24);
        var inverted = ReferenceImageConverter.Convert(new Imaging.Mammogram("m1", new Imaging.MammographyHeader(), frame,
            new PixelPresentation { PhotometricInterpretation = "MONOCHROME1" }), 24);
        Assert.AreEqual((w, h), (inverted.Width, inverted.Height));
        CollectionAssert.AreEqual(AreaResampler.Resize(ReferenceImageConverter.ScaleToBytes(frame, false), 53, 37, w, h), plain.Pixels);
        CollectionAssert.AreEqual(AreaResampler.Resize(ReferenceImageConverter.ScaleToBytes(frame, true), 53, 37, w, h), inverted.Pixels);
        CollectionAssert.AreNotEqual(plain.Pixels, inverted.Pixels);
    }

    [TestMethod]
    public void TargetSize_FollowsResizeImg()
    {
        // resize_img: the long side becomes the scale, the other int(side * scale / long); a square counts as high.
        Assert.AreEqual((830, 1080), ReferenceImageConverter.TargetSize(2560, 3328, 1080));
        Assert.AreEqual((1080, 830), ReferenceImageConverter.TargetSize(3328, 2560, 1080));
        Assert.AreEqual((1080, 1080), ReferenceImageConverter.TargetSize(4000, 4000, 1080));
        // 3 * (1080 / 4096) = 0.79: the short side would vanish.
        Assert.ThrowsExactly<ArgumentException>(() => ReferenceImageConverter.TargetSize(3, 4096, 1080));
    }

    [TestMethod]
    public void ScaleToBytes_IsConvertScaleAbsByTheMaximum()
    {
        // alpha = 255 / 1000 in single precision; 2 * alpha = 0.51 -> 1, 998 -> 254.49 -> 254, negatives are made positive.
        var frame = new GrayscaleFrame(5, 1, [0, 2, 998, 1000, -1000], 12, true);
        CollectionAssert.AreEqual(new byte[] { 0, 1, 254, 255, 255 }, ReferenceImageConverter.ScaleToBytes(frame, monochrome1: false));
        CollectionAssert.AreEqual(new byte[] { 255, 254, 1, 0, 0 }, ReferenceImageConverter.ScaleToBytes(frame, monochrome1: true));
        Assert.ThrowsExactly<ArgumentException>(() => ReferenceImageConverter.ScaleToBytes(new GrayscaleFrame(2, 1, [0, 0], 12, false), false));
    }
}
