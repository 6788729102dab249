using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Codecs;

/// <summary>
/// JPEG lossless, process 14 (ITU T.81 annex H): Huffman-coded differences from one of seven predictors, 2 to 16
/// bits, point transform, restart intervals, interleaved or one scan per component. Written here because
/// JpegLibrary predicts the first line with the wrong neighbours for selection values 2-7 and keeps samples in
/// 16-bit signed integers, which breaks predictors 5-7 on 16-bit data. Arithmetic is modulo 2^16 as H.1.2.1 says.
/// </summary>
internal sealed class JpegLosslessDecoder
{
    private readonly string _source;
    private readonly HuffmanTable?[] _tables = new HuffmanTable?[4];
    private int _precision, _width, _height, _restartInterval;
    private byte[] _componentIds = [];

    private JpegLosslessDecoder(string source) => _source = source;

    /// <summary>True when the code stream's frame header is SOF3 (lossless, Huffman).</summary>
    public static bool IsLossless(ReadOnlySpan<byte> data)
    {
        int i = 2;
        while (i + 4 <= data.Length && data[i] == 0xFF)
        {
            byte marker = data[i + 1];
            if (marker == 0xFF) { i++; continue; }
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC) return marker == 0xC3;
            i += 2 + ((data[i + 2] << 8) | data[i + 3]);
        }
        return false;
    }

    /// <summary>Decodes a process 14 code stream into <paramref name="destination"/>, components interleaved per pixel.</summary>
    public static void Decode(ReadOnlySpan<byte> data, DicomPixelDescription image, int[] destination, string source) =>
        new JpegLosslessDecoder(source).Run(data, image, destination);

    private void Run(ReadOnlySpan<byte> data, DicomPixelDescription image, int[] destination)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) throw Error("the JPEG frame does not start with an SOI marker");
        int position = 2;
        bool frameSeen = false;
        while (true)
        {
            // Markers may be preceded by any number of 0xFF fill bytes.
            while (position < data.Length && data[position] == 0xFF && position + 1 < data.Length && data[position + 1] == 0xFF) position++;
            if (position + 2 > data.Length) throw Error($"the JPEG data ends at offset {position} before the EOI marker");
            if (data[position] != 0xFF) throw Error($"expected a JPEG marker at offset {position}, found 0x{data[position]:X2}");
            byte marker = data[position + 1];
            position += 2;
            if (marker == 0xD9) break; // EOI
            if (position + 2 > data.Length) throw Error($"JPEG marker 0xFF{marker:X2} has no length");
            int length = (data[position] << 8) | data[position + 1];
            if (length < 2 || position + length > data.Length) throw Error($"JPEG segment 0xFF{marker:X2} at offset {position - 2} declares {length} bytes; {data.Length - position} remain");
            var segment = data.Slice(position + 2, length - 2);
            position += length;
            switch (marker)
            {
                case 0xC4: ReadHuffmanTables(segment); break;
                case 0xDD:
                    if (segment.Length < 2) throw Error("DRI segment is too short");
                    _restartInterval = (segment[0] << 8) | segment[1];
                    break;
                case 0xC3:
                    ReadFrameHeader(segment, image);
                    frameSeen = true;
                    break;
                case 0xDA:
                    if (!frameSeen) throw Error("start of scan before the SOF3 frame header");
                    position = DecodeScan(data, position, segment, destination);
                    break;
                default:
                    if (marker is >= 0xC0 and <= 0xCF and not 0xC8 and not 0xCC)
                        throw Error($"frame type 0xFF{marker:X2} is not lossless process 14");
                    break; // APPn, COM, DNL and the like carry nothing the samples need
            }
        }
        if (!frameSeen) throw Error("the JPEG data has no SOF3 frame header");
    }

    private void ReadFrameHeader(ReadOnlySpan<byte> segment, DicomPixelDescription image)
    {
        if (segment.Length < 6) throw Error("SOF3 segment is too short");
        _precision = segment[0];
        _height = (segment[1] << 8) | segment[2];
        _width = (segment[3] << 8) | segment[4];
        int components = segment[5];
        if (_precision is < 2 or > 16) throw Error($"JPEG lossless precision {_precision} is outside 2..16");
        if (_width != image.Columns || _height != image.Rows || components != image.SamplesPerPixel)
            throw Error($"JPEG frame is {_width} x {_height} with {components} component(s); the DICOM header says {image.Columns} x {image.Rows} with {image.SamplesPerPixel}");
        if (segment.Length < 6 + 3 * components) throw Error("SOF3 segment is too short for its components");
        _componentIds = new byte[components];
        for (int c = 0; c < components; c++)
        {
            _componentIds[c] = segment[6 + 3 * c];
            if (segment[7 + 3 * c] != 0x11) throw Error($"JPEG lossless component {c} is subsampled (sampling factors 0x{segment[7 + 3 * c]:X2})");
        }
    }

    private void ReadHuffmanTables(ReadOnlySpan<byte> segment)
    {
        int i = 0;
        while (i < segment.Length)
        {
            int slot = segment[i] & 0x0F;
            if (segment[i] >> 4 != 0 || slot > 3) throw Error($"Huffman table class/id 0x{segment[i]:X2} is not a lossless (DC) table 0-3");
            if (i + 17 > segment.Length) throw Error("DHT segment is too short for its code counts");
            var counts = segment.Slice(i + 1, 16);
            int total = 0;
            foreach (byte count in counts) total += count;
            if (i + 17 + total > segment.Length || total > 256) throw Error("DHT segment is too short for its symbols");
            _tables[slot] = new HuffmanTable(counts, segment.Slice(i + 17, total), _source);
            i += 17 + total;
        }
    }

    /// <summary>Decodes one scan and returns the position after its entropy-coded data.</summary>
    private int DecodeScan(ReadOnlySpan<byte> data, int position, ReadOnlySpan<byte> header, int[] destination)
    {
        if (header.Length < 1) throw Error("SOS segment is too short");
        int scanComponents = header[0];
        if (scanComponents < 1 || scanComponents > _componentIds.Length || header.Length < 1 + 2 * scanComponents + 3) throw Error("SOS segment is malformed");
        var componentIndex = new int[scanComponents];
        var tables = new HuffmanTable[scanComponents];
        for (int s = 0; s < scanComponents; s++)
        {
            int index = Array.IndexOf(_componentIds, header[1 + 2 * s]);
            if (index < 0) throw Error($"scan names component id {header[1 + 2 * s]}, which the frame does not have");
            componentIndex[s] = index;
            tables[s] = _tables[header[2 + 2 * s] >> 4] ?? throw Error($"scan uses Huffman table {header[2 + 2 * s] >> 4}, which is not defined");
        }
        int predictor = header[1 + 2 * scanComponents];
        int pointTransform = header[3 + 2 * scanComponents] & 0x0F;
        if (predictor > 7) throw Error($"predictor selection value {predictor} is outside 0..7");
        if (pointTransform >= _precision) throw Error($"point transform {pointTransform} is not below the precision {_precision}");

        int components = _componentIds.Length;
        int width = _width;
        int initial = 1 << (_precision - pointTransform - 1);
        var reader = new BitReader(data, position);
        int mcusLeft = _restartInterval;
        bool firstLine = true, reset = false;
        int stride = width * components;
        for (int y = 0; y < _height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (_restartInterval > 0)
                {
                    if (mcusLeft == 0)
                    {
                        // H.1.2.1: after a restart the prediction starts over as at the start of the scan.
                        reader.Restart(_source);
                        mcusLeft = _restartInterval;
                        firstLine = true;
                        reset = true;
                    }
                    mcusLeft--;
                }
                for (int s = 0; s < scanComponents; s++)
                {
                    int here = (y * width + x) * components + componentIndex[s];
                    int prediction;
                    if ((y == 0 && x == 0) || reset) prediction = initial;
                    else if (x == 0) prediction = destination[here - stride];
                    else if (firstLine) prediction = destination[here - components];
                    else
                    {
                        int ra = destination[here - components];
                        int rb = destination[here - stride];
                        int rc = destination[here - stride - components];
                        prediction = predictor switch
                        {
                            1 => ra,
                            2 => rb,
                            3 => rc,
                            4 => ra + rb - rc,
                            5 => ra + ((rb - rc) >> 1),
                            6 => rb + ((ra - rc) >> 1),
                            7 => (ra + rb) >> 1,
                            _ => 0,
                        };
                    }
                    destination[here] = (prediction + reader.ReadDifference(tables[s], _source)) & 0xFFFF;
                }
                reset = false;
            }
            firstLine = false;
        }
        if (pointTransform > 0)
        {
            for (int y = 0; y < _height; y++)
            for (int x = 0; x < width; x++)
            foreach (int c in componentIndex)
                destination[(y * width + x) * components + c] <<= pointTransform;
        }
        return reader.EndOfScan();
    }

    private DicomFormatException Error(string problem) => new(_source, problem);

    /// <summary>A Huffman table as a 9-bit lookahead table plus the canonical max-code search of T.81 F.2.2.3.</summary>
    private sealed class HuffmanTable
    {
        public const int LookupBits = 9;
        public readonly ushort[] Lookup = new ushort[1 << LookupBits]; // (length << 8) | symbol; 0 when longer
        public readonly int[] MaxCode = new int[18];
        public readonly int[] ValueOffset = new int[17];
        public readonly byte[] Symbols;

        public HuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols, string source)
        {
            Symbols = symbols.ToArray();
            int code = 0, k = 0;
            for (int length = 1; length <= 16; length++)
            {
                ValueOffset[length] = k - code;
                for (int i = 0; i < counts[length - 1]; i++, k++, code++)
                {
                    if (code >= 1 << length) throw new DicomFormatException(source, "a Huffman table has more codes than its lengths allow");
                    if (length <= LookupBits)
                    {
                        int first = code << (LookupBits - length);
                        for (int j = 0; j < 1 << (LookupBits - length); j++) Lookup[first + j] = (ushort)((length << 8) | Symbols[k]);
                    }
                }
                MaxCode[length] = counts[length - 1] > 0 ? code - 1 : -1;
                code <<= 1;
            }
            MaxCode[17] = int.MaxValue;
        }
    }

    /// <summary>Reads entropy-coded bits, removing stuffed zero bytes; past a marker or the end it feeds zeros.</summary>
    private ref struct BitReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _position;
        private ulong _bits;
        private int _count;
        private bool _atMarker;

        public BitReader(ReadOnlySpan<byte> data, int position)
        {
            _data = data;
            _position = position;
        }

        private void Fill()
        {
            while (_count <= 56)
            {
                int value = 0;
                if (!_atMarker && _position < _data.Length)
                {
                    value = _data[_position];
                    if (value == 0xFF)
                    {
                        byte next = _position + 1 < _data.Length ? _data[_position + 1] : (byte)0xD9;
                        if (next == 0x00) _position += 2;
                        else { _atMarker = true; value = 0; }
                    }
                    else _position++;
                }
                _bits |= (ulong)value << (56 - _count);
                _count += 8;
            }
        }

        private int Peek(int n)
        {
            if (_count < n) Fill();
            return (int)(_bits >> (64 - n));
        }

        private void Skip(int n)
        {
            _bits <<= n;
            _count -= n;
        }

        public int ReadDifference(HuffmanTable table, string source)
        {
            int ssss = DecodeSymbol(table, source);
            if (ssss == 0) return 0;
            if (ssss == 16) return 32768;
            if (ssss > 16) throw new DicomFormatException(source, $"difference category {ssss} is above 16");
            int bits = Peek(ssss);
            Skip(ssss);
            // T.81 F.2.2.1 EXTEND: a leading 0 bit means a negative difference.
            return bits < 1 << (ssss - 1) ? bits - (1 << ssss) + 1 : bits;
        }

        private int DecodeSymbol(HuffmanTable table, string source)
        {
            int look = Peek(HuffmanTable.LookupBits);
            int entry = table.Lookup[look];
            if (entry != 0)
            {
                Skip(entry >> 8);
                return entry & 0xFF;
            }
            int code = Peek(16);
            for (int length = HuffmanTable.LookupBits + 1; length <= 16; length++)
            {
                int prefix = code >> (16 - length);
                if (prefix <= table.MaxCode[length])
                {
                    Skip(length);
                    int index = table.ValueOffset[length] + prefix;
                    if ((uint)index >= (uint)table.Symbols.Length) break;
                    return table.Symbols[index];
                }
            }
            throw new DicomFormatException(source, $"invalid Huffman code near offset {_position}");
        }

        /// <summary>
        /// Drops the bits left in the current byte and skips the RSTn marker. The buffer never holds bytes past a
        /// marker, so the marker lies at or after the read position.
        /// </summary>
        public void Restart(string source)
        {
            while (_position + 1 < _data.Length && !(_data[_position] == 0xFF && _data[_position + 1] is >= 0xD0 and <= 0xD7)) _position++;
            if (_position + 1 >= _data.Length) throw new DicomFormatException(source, "a restart marker is missing");
            _position += 2;
            _bits = 0;
            _count = 0;
            _atMarker = false;
        }

        /// <summary>The offset of the marker that ends the scan (or the end of the data).</summary>
        public int EndOfScan()
        {
            int position = _position;
            while (position + 1 < _data.Length && !(_data[position] == 0xFF && _data[position + 1] != 0x00 && _data[position + 1] is < 0xD0 or > 0xD7)) position++;
            return Math.Min(position, _data.Length);
        }
    }
}
