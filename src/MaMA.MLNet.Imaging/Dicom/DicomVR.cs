namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// A value representation: the two upper-case letters of PS3.5 section 6.2, kept as their two bytes so
/// comparing VRs while parsing costs nothing.
/// </summary>
public readonly record struct DicomVR
{
    private readonly ushort _code;

    private DicomVR(char first, char second) => _code = (ushort)((first << 8) | second);

    /// <summary>The two characters, e.g. "OB".</summary>
    public override string ToString() => _code == 0 ? "??" : new string([(char)(_code >> 8), (char)(_code & 0xFF)]);

#pragma warning disable CS1591 // the PS3.5 names
    public static readonly DicomVR AE = new('A', 'E'), AS = new('A', 'S'), AT = new('A', 'T'), CS = new('C', 'S'),
        DA = new('D', 'A'), DS = new('D', 'S'), DT = new('D', 'T'), FD = new('F', 'D'), FL = new('F', 'L'),
        IS = new('I', 'S'), LO = new('L', 'O'), LT = new('L', 'T'), OB = new('O', 'B'), OD = new('O', 'D'),
        OF = new('O', 'F'), OL = new('O', 'L'), OV = new('O', 'V'), OW = new('O', 'W'), PN = new('P', 'N'),
        SH = new('S', 'H'), SL = new('S', 'L'), SQ = new('S', 'Q'), SS = new('S', 'S'), ST = new('S', 'T'),
        SV = new('S', 'V'), TM = new('T', 'M'), UC = new('U', 'C'), UI = new('U', 'I'), UL = new('U', 'L'),
        UN = new('U', 'N'), UR = new('U', 'R'), US = new('U', 'S'), UT = new('U', 'T'), UV = new('U', 'V');
#pragma warning restore CS1591

    private static readonly DicomVR[] Known =
        [AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV];

    /// <summary>The VR spelled by two bytes of an explicit VR element, or null when they spell none of PS3.5's VRs.</summary>
    public static DicomVR? TryParse(byte first, byte second)
    {
        var candidate = new DicomVR((char)first, (char)second);
        return Array.IndexOf(Known, candidate) >= 0 ? candidate : null;
    }

    /// <summary>
    /// True for the VRs whose explicit VR encoding has two reserved bytes and a 32-bit length (PS3.5 table 7.1-1);
    /// the others have a 16-bit length.
    /// </summary>
    public bool HasLongLength =>
        this == OB || this == OD || this == OF || this == OL || this == OV || this == OW || this == SQ ||
        this == SV || this == UC || this == UN || this == UR || this == UT || this == UV;

    /// <summary>True for the text VRs whose values are decoded with the specific character set.</summary>
    public bool IsText => this == AE || this == AS || this == CS || this == DA || this == DS || this == DT ||
        this == IS || this == LO || this == LT || this == PN || this == SH || this == ST || this == TM ||
        this == UC || this == UI || this == UR || this == UT;

    /// <summary>Size in bytes of one value for the binary VRs whose byte order follows the transfer syntax; 1 otherwise.</summary>
    public int BinaryValueSize =>
        this == US || this == SS || this == OW || this == AT ? 2 :
        this == UL || this == SL || this == FL || this == OF || this == OL ? 4 :
        this == FD || this == OD || this == SV || this == UV || this == OV ? 8 : 1;
}
