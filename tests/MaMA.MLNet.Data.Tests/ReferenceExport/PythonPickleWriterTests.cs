using System.Security.Cryptography;
using MaMA.MLNet.Data.ReferenceExport;

namespace MaMA.MLNet.Data.Tests.ReferenceExport;

/// <summary>
/// The pickle writer against CPython 3.11: the expected bytes are <c>pickletools.optimize(pickle.dumps(d, protocol=2))</c>
/// of the same dicts, made by tests/reference-contract/make_fixtures.py.
/// </summary>
[TestClass]
public sealed class PythonPickleWriterTests
{
    private static byte[] Pickle(IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> map)
    {
        using var stream = new MemoryStream();
        PythonPickleWriter.Write(stream, map);
        return stream.ToArray();
    }

    private static KeyValuePair<string, IReadOnlyList<string>> Item(string key, params string[] values) => new(key, values);

    [TestMethod]
    public void SmallDict_IsByteForByteCPython()
    {
        // An empty list, a one-item list (APPEND), a two-item list (MARK ... APPENDS), a non-ASCII key (UTF-8).
        byte[] bytes = Pickle(
        [
            Item("/data/Embed/images/p0.dcm"),
            Item("/data/Embed/images/p1.dcm", "/data/Embed/images/q1_0.dcm"),
            Item("/data/Embed/images/p2.dcm", "/data/Embed/images/q2_0.dcm", "/data/Embed/images/q2_1.dcm"),
            Item("/x/\u00e9", "ab"),
        ]);
        Assert.AreEqual("80027d2858190000002f646174612f456d6265642f696d616765732f70302e64636d5d58190000002f646174612f456d6265642f696d616765732f70312e64636d5d581b0000002f646174612f456d6265642f696d616765732f71315f302e64636d6158190000002f646174612f456d6265642f696d616765732f70322e64636d5d28581b0000002f646174612f456d6265642f696d616765732f71325f302e64636d581b0000002f646174612f456d6265642f696d616765732f71325f312e64636d6558050000002f782fc3a95d5802000000616261752e", Convert.ToHexStringLower(bytes));
    }

    [TestMethod]
    public void OneItemDict_UsesSetItem()
    {
        Assert.AreEqual("80027d580200000061625d732e", Convert.ToHexStringLower(Pickle([Item("ab")])));
    }

    [TestMethod]
    public void BatchesOfAThousand_AreCPythons()
    {
        // 1000 items (a full batch, then CPython's empty MARK SETITEMS) and a 2001-item list (1000, 1000, then a batch of
        // one: MARK X APPENDS, not APPEND).
        var map = new List<KeyValuePair<string, IReadOnlyList<string>>>();
        for (int i = 0; i < 999; i++) map.Add(Item($"k{i}", Enumerable.Range(0, i % 3).Select(j => $"v{i}_{j}").ToArray()));
        map.Add(Item("long", Enumerable.Range(0, 2001).Select(j => $"item{j}").ToArray()));
        byte[] bytes = Pickle(map);
        Assert.HasCount(46687, bytes);
        Assert.AreEqual("6a832a3fdf321adf8ad141a69999c716a75a52d5a520c9a9b87d46bdd23cc1b2", Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }
}
