using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Tests.Manifest;

[TestClass]
public sealed class RsnaManifestTests
{
    // The competition's column order, pandas-style floats where a column has gaps.
    private const string Table = """
        site_id,patient_id,image_id,laterality,view,age,cancer,biopsy,invasive,BIRADS,implant,density,machine_id,difficult_negative_case
        2,10006,462822612,L,CC,61.0,0,0,0,,0,,29,False
        2,10006,1459541791,L,MLO,61.0,0,0,0,1.0,0,B,29,False
        1,10011,220375232,R,MLO,55,1,1,1,0,0,D,21,True
        """;

    private static ManifestReadResult Build(string csv, bool throwOnBadRow = true) =>
        RsnaManifestSource.Build(CsvTable.Read(new StringReader(csv), "train.csv"), "train_images", ".dcm", DatasetSplit.Train, throwOnBadRow);

    [TestMethod]
    public void RowsBecomeRecordsWithThePatientAsTheStudy()
    {
        var records = Build(Table).Records;
        Assert.HasCount(3, records);
        var first = records[0];
        Assert.AreEqual(Path.Combine("train_images", "10006", "462822612.dcm"), first.ImagePath);
        Assert.AreEqual("10006", first.PatientId);
        Assert.AreEqual("10006", first.StudyId);
        Assert.AreEqual(Laterality.Left, first.Laterality);
        Assert.AreEqual("CC", first.View);
        Assert.AreEqual(61, first.Age);
        Assert.IsFalse(first.Cancer);
        Assert.IsNull(first.BiRads, "an empty BIRADS is unknown");
        Assert.IsNull(first.Density, "an empty density is unknown");
        Assert.AreEqual(DatasetSplit.Train, first.Split);
        Assert.AreEqual(1, records[1].BiRads);
        Assert.AreEqual(2, records[1].Density);
        var third = records[2];
        Assert.AreEqual((Laterality.Right, "MLO", 55, true, 0, 4), (third.Laterality!.Value, third.View, third.Age!.Value, third.Cancer!.Value, third.BiRads!.Value, third.Density!.Value));
    }

    [TestMethod]
    public void BadValuesNameTheirRowAndColumnOrAreSkippedAndReported()
    {
        string csv = Table + "\n3,10012,5,L,CC,sixty,0,0,0,,0,,1,False\n3,..,6,L,CC,50,0,0,0,,0,,1,False\n3,10013,7,L,CC,50,0,0,0,,0,E,1,False";
        var error = Assert.ThrowsExactly<ManifestFormatException>(() => Build(csv));
        Assert.AreEqual("age", error.Column);
        Assert.AreEqual(5, error.Line);

        var result = Build(csv, throwOnBadRow: false);
        Assert.HasCount(3, result.Records);
        CollectionAssert.AreEqual(new[] { "age", "patient_id", "density" }, result.Problems.Select(p => p.Column).ToArray());
    }

    [TestMethod]
    public void ATableWithoutTheIdColumnsIsRefused() =>
        Assert.ThrowsExactly<ManifestFormatException>(() => Build("patient_id,laterality\n1,L"));
}
