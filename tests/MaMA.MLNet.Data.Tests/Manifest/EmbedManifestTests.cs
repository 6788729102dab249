using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Tests.Manifest;

[TestClass]
public sealed class EmbedManifestTests
{
    private const string Metadata =
        "anon_dicom_path,empi_anon,acc_anon,ImageLateralityFinal,ViewPosition,FinalImageType,StudyDescription\n" +
        "/mnt/NAS2/mammo/anon_dicom/1/a.dcm,10,100,L,CC,2D,MG Screening Bilateral\n" +
        "/mnt/NAS2/mammo/anon_dicom/1/b.dcm,10,100,R,MLO,2D,MG Screening Bilateral\n" +
        "/mnt/NAS2/mammo/anon_dicom/1/c.dcm,10,100,R,CC,C-view,MG Screening Bilateral\n" +
        "/mnt/NAS2/mammo/anon_dicom/2/d.dcm,20,200,L,MLO,2D,MG Diagnostic Left\n";

    private const string Clinical =
        "acc_anon,side,asses,tissueden,age_at_study,RACE_DESC,ETHNIC_GROUP_DESC,massshape,massdens,calcfind,calcdistri,path_severity\n" +
        "100,L,N,2.0,55.0,Asian,Not Hispanic,,,,,\n" +
        "100,R,B,2.0,55.0,Asian,Not Hispanic,O,+,,,4.0\n" +
        "100,R,A,2.0,55.0,Asian,Not Hispanic,,,P,G,\n" +
        "200,B,S,4.0,47.9,Caucasian or White,Hispanic or Latino,X,=,F,L,0.0\n" +
        "200,B,M,4.0,47.9,Caucasian or White,Hispanic or Latino,,,,,\n";

    private const string Legend =
        "Header in export,Code,Meaning\n" +
        "massshape,O,oval\nmassshape,X,irregular\nmassdens,+,high density\nmassdens,=,equal density\n" +
        "calcfind,P,punctate\ncalcfind,F,fine pleomorphic\ncalcdistri,G,grouped\ncalcdistri,L,linear\n";

    private static ManifestReadResult Build() => EmbedManifestSource.Build(
        CsvTable.Read(new StringReader(Metadata), "meta.csv"), CsvTable.Read(new StringReader(Clinical), "clinical.csv"),
        CsvTable.Read(new StringReader(Legend), "legend.csv"),
        new EmbedReadOptions { PathPrefixFrom = "/mnt/NAS2/mammo/anon_dicom", PathPrefixTo = "/data/embed", Split = DatasetSplit.Test });

    [TestMethod]
    public void Build_KeepsOnly2DImages_AndRewritesPaths()
    {
        var records = Build().Records;
        CollectionAssert.AreEqual(new[] { "/data/embed/1/a.dcm", "/data/embed/1/b.dcm", "/data/embed/2/d.dcm" }, records.Select(r => r.ImagePath).ToArray());
        Assert.IsTrue(records.All(r => r.Split == DatasetSplit.Test && r.ImageType == "2D"));
    }

    [TestMethod]
    public void Build_PicksTheSideRow_AndThe0CaseWhenAllAreAtMost2()
    {
        var records = Build().Records;
        var left = records[0];
        Assert.AreEqual(1, left.BiRads); // its own side's row (N)
        Assert.AreEqual(2, left.Density);
        Assert.AreEqual(55, left.Age);
        Assert.AreEqual("Asian", left.Race);
        Assert.AreEqual("Non-Hispanic or Latino", left.Ethnicity);
        Assert.AreEqual(ExamReason.Screening, left.Reason);
        Assert.IsNull(left.Cancer);

        var right = records[1];
        Assert.AreEqual(0, right.BiRads); // B and A on the right: max 2 and min 0, so the 0 row
        Assert.AreEqual("punctate", right.CalcificationType);
        Assert.AreEqual("grouped", right.CalcificationDistribution);
        Assert.IsNull(right.MassShape);
        Assert.IsFalse(right.Cancer); // path_severity 4 (benign) on this side
    }

    [TestMethod]
    public void Build_FallsBackToBilateralRows_AndTakesTheHighestBiRads()
    {
        var d = Build().Records[2];
        Assert.AreEqual(5, d.BiRads); // S and M on the B rows: the highest
        Assert.IsNull(d.MassShape);   // the M row has no mass codes
        Assert.AreEqual(4, d.Density);
        Assert.AreEqual(47, d.Age);
        Assert.AreEqual("Hispanic or Latino", d.Ethnicity);
        Assert.AreEqual(ExamReason.Diagnostic, d.Reason);
        Assert.IsTrue(d.Cancer); // path_severity 0 on a B row
    }

    [TestMethod]
    public void Build_MissingRequiredColumn_NamesIt()
    {
        var meta = CsvTable.Read(new StringReader("anon_dicom_path,acc_anon\nx,1\n"), "meta.csv");
        var e = Assert.ThrowsExactly<ManifestFormatException>(() => EmbedManifestSource.Build(meta, CsvTable.Read(new StringReader(Clinical), "c.csv"), null));
        Assert.AreEqual("empi_anon", e.Column);
        Assert.AreEqual("meta.csv", e.File);
    }

    [TestMethod]
    public void Build_WithoutLegend_LeavesFindingWordsUnknown()
    {
        var records = EmbedManifestSource.Build(CsvTable.Read(new StringReader(Metadata), "m"), CsvTable.Read(new StringReader(Clinical), "c"), null).Records;
        Assert.IsTrue(records.All(r => r.MassShape is null && r.CalcificationType is null));
        Assert.AreEqual("/mnt/NAS2/mammo/anon_dicom/1/a.dcm", records[0].ImagePath);
    }
}
