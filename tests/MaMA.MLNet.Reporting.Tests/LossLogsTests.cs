namespace MaMA.MLNet.Reporting.Tests;

[TestClass]
public sealed class LossLogsTests
{
    [TestMethod]
    public void CsvColumnsAreFoundByNameAndNaNIsKept()
    {
        using var folder = new TempFolder();
        string csv = folder.File("loss.csv");
        File.WriteAllLines(csv, ["term,value,step,elapsed_s,lr", "clip,2.5,1,0.1,0.001", "local,NaN,1,0.1,0.001", "", "clip,2.25,2,0.2,0.001"]);
        var points = LossLogs.ReadCsv(csv);
        Assert.HasCount(3, points);
        Assert.AreEqual(("clip", 1L, 2.5), points[0]);
        Assert.AreEqual("local", points[1].Term);
        Assert.IsTrue(double.IsNaN(points[1].Value));
        Assert.AreEqual(("clip", 2L, 2.25), points[2]);
    }

    [TestMethod]
    public void MalformedCsvNamesTheFileAndLine()
    {
        using var folder = new TempFolder();
        string csv = folder.File("bad.csv");
        File.WriteAllLines(csv, ["step,elapsed_s,lr,term,value", "1,0.1,0.001,clip,2.5", "two,0.2,0.001,clip,2.4"]);
        var e = Assert.ThrowsExactly<ReportDataException>(() => LossLogs.ReadCsv(csv));
        Assert.AreEqual(csv, e.FilePath);
        StringAssert.Contains(e.Message, "line 3");
        File.WriteAllLines(csv, ["step,loss", "1,2.5"]);
        StringAssert.Contains(Assert.ThrowsExactly<ReportDataException>(() => LossLogs.ReadCsv(csv)).Message, "lacks a step, term or value column");
        Assert.ThrowsExactly<ReportDataException>(() => LossLogs.ReadCsv(folder.File("missing.csv")));
    }

    [TestMethod]
    public void TrainingLogKeepsTheLastRecordOfAStepAndAddsTheTotal()
    {
        using var folder = new TempFolder();
        string log = folder.File("training-log.jsonl");
        // As TrainingLogWriter writes it; step 2 appears again after a resume, and a diverged value is a string.
        File.WriteAllLines(log,
        [
            """{"type":"train","step":1,"losses":{"clip":3.0,"simclr":2.0},"total":5.0,"lr":0.001}""",
            """{"type":"train","step":2,"losses":{"clip":2.9,"simclr":1.9},"total":4.8,"lr":0.001}""",
            """{"type":"validation","step":2,"metrics":{"top1":0.5}}""",
            """{"type":"train","step":2,"losses":{"clip":2.8,"simclr":"NaN"},"total":"NaN","lr":0.001}""",
            """{"type":"train","step":3,"losses":{"clip":2.7,"simclr":1.7},"total":4.4,"lr":0.001}""",
        ]);
        var points = LossLogs.ReadTrainingLog(log);
        Assert.HasCount(9, points);
        CollectionAssert.AreEqual(new[] { 1L, 1, 1, 2, 2, 2, 3, 3, 3 }, points.Select(p => p.Step).ToArray());
        Assert.AreEqual(("total", 1L, 5.0), points[2]);
        Assert.AreEqual(("clip", 2L, 2.8), points[3]);
        Assert.IsTrue(double.IsNaN(points[4].Value));
        Assert.AreEqual(LossLogs.TotalTerm, points[5].Term);
    }

    [TestMethod]
    public void ANumberOfTheTrainRecordsIsReadByStepAndTheLastRecordOfAStepWins()
    {
        using var folder = new TempFolder();
        string log = folder.File("training-log.jsonl");
        File.WriteAllLines(log,
        [
            """{"type":"train","step":1,"losses":{"clip":3.0},"total":3.0,"batch_size":8}""",
            """{"type":"train","step":2,"losses":{"clip":2.9},"total":2.9}""",
            """{"type":"validation","step":2,"batch_size":99}""",
            """{"type":"train","step":3,"losses":{"clip":2.8},"total":2.8,"batch_size":8}""",
            """{"type":"train","step":3,"losses":{"clip":2.7},"total":2.7,"batch_size":4}""",
        ]);
        var sizes = LossLogs.ReadTrainingLogNumber(log, "batch_size");
        CollectionAssert.AreEqual(new[] { 1L, 3 }, sizes.Keys.ToArray());
        Assert.AreEqual(8.0, sizes[1]);
        Assert.AreEqual(4.0, sizes[3]);
        File.AppendAllLines(log, ["""{"type":"train","step":4,"batch_size":{"x":1}}"""]);
        StringAssert.Contains(Assert.ThrowsExactly<ReportDataException>(() => LossLogs.ReadTrainingLogNumber(log, "batch_size")).Message, "line 6");
    }

    [TestMethod]
    public void TheLastEndRecordTellsHowTheRunEnded()
    {
        using var folder = new TempFolder();
        string log = folder.File("training-log.jsonl");
        File.WriteAllLines(log, ["""{"type":"train","step":1,"losses":{"clip":3.0},"total":3.0}"""]);
        Assert.IsNull(LossLogs.ReadTrainingLogEnd(log));
        // A run that stopped at its budget, then a resumed one that completed.
        File.AppendAllLines(log,
        [
            """{"type":"end","step":1,"total_steps":5,"stop_reason":"TimeBudgetReached","time_budget_minutes":0.5}""",
            """{"type":"train","step":2,"losses":{"clip":2.0},"total":2.0}""",
        ]);
        Assert.AreEqual(new TrainingRunEnd(1, 5, "TimeBudgetReached", 0.5), LossLogs.ReadTrainingLogEnd(log));
        File.AppendAllLines(log, ["""{"type":"end","step":5,"total_steps":5,"stop_reason":"Completed"}"""]);
        Assert.AreEqual(new TrainingRunEnd(5, 5, "Completed", null), LossLogs.ReadTrainingLogEnd(log));
        File.AppendAllLines(log, ["""{"type":"end","step":5}"""]);
        StringAssert.Contains(Assert.ThrowsExactly<ReportDataException>(() => LossLogs.ReadTrainingLogEnd(log)).Message, "line 5");
    }

    [TestMethod]
    public void TheTotalCoversStepsBeforeLateTermsStart()
    {
        using var folder = new TempFolder();
        string log = folder.File("late.jsonl");
        File.WriteAllLines(log,
        [
            """{"type":"train","step":1,"losses":{"clip":3.0},"total":3.0}""",
            """{"type":"train","step":2,"losses":{"clip":2.5,"local":4.0},"total":6.5}""",
        ]);
        var totals = LossLogs.ReadTrainingLog(log).Where(p => p.Term == LossLogs.TotalTerm).ToList();
        CollectionAssert.AreEqual(new[] { (LossLogs.TotalTerm, 1L, 3.0), (LossLogs.TotalTerm, 2L, 6.5) }, totals);
    }

    [TestMethod]
    public void ASingleTermLogHasNoSeparateTotal()
    {
        using var folder = new TempFolder();
        string log = folder.File("one.jsonl");
        File.WriteAllLines(log, ["""{"type":"train","step":1,"losses":{"clip":3.0},"total":3.0}"""]);
        Assert.AreEqual(("clip", 1L, 3.0), LossLogs.ReadTrainingLog(log).Single());
    }

    [TestMethod]
    public void ABrokenLogLineNamesTheFileAndLine()
    {
        using var folder = new TempFolder();
        string log = folder.File("broken.jsonl");
        File.WriteAllLines(log, ["""{"type":"train","step":1,"losses":{"clip":3.0},"total":3.0}""", """{"type":"train","step":2,"loss"""]);
        var e = Assert.ThrowsExactly<ReportDataException>(() => LossLogs.ReadTrainingLog(log));
        StringAssert.Contains(e.Message, log);
        StringAssert.Contains(e.Message, "line 2");
    }
}
