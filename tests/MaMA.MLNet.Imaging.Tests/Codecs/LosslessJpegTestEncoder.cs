namespace MaMA.MLNet.Imaging.Tests.Codecs;

/// <summary>
/// A tiny JPEG lossless (process 14) encoder for tests: one component, any predictor, point transform 0, optional
/// restart interval, and one Huffman table giving every difference category a 5-bit code. It exists to make
/// streams DCMTK will not (restart markers); DCMTK's dcmdjpeg checks them independently.
/// </summary>
public static class LosslessJpegTestEncoder
{
    public static byte[] Encode(int[] values, int width, int height, int precision, int predictor, int restartInterval)
    {
        var output = new MemoryStream();
        void Marker(int code, params byte[] body)
        {
            output.WriteByte(0xFF);
            output.WriteByte((byte)code);
            if (code is 0xD8 or 0xD9) return;
            output.WriteByte((byte)((body.Length + 2) >> 8));
            output.WriteByte((byte)(body.Length + 2));
            output.Write(body);
        }

        Marker(0xD8);
        Marker(0xC3, (byte)precision, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0);
        var dht = new List<byte> { 0x00 };
        dht.AddRange(new byte[] { 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        for (byte s = 0; s <= 16; s++) dht.Add(s);
        Marker(0xC4, [.. dht]);
        if (restartInterval > 0) Marker(0xDD, (byte)(restartInterval >> 8), (byte)restartInterval);
        Marker(0xDA, 1, 1, 0x00, (byte)predictor, 0, 0);

        var bits = new BitWriter(output);
        int initial = 1 << (precision - 1);
        int restartsWritten = 0, sinceRestart = 0;
        bool firstLine = true, reset = false;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (restartInterval > 0 && sinceRestart == restartInterval)
                {
                    bits.Flush();
                    output.WriteByte(0xFF);
                    output.WriteByte((byte)(0xD0 + restartsWritten++ % 8));
                    sinceRestart = 0;
                    firstLine = true;
                    reset = true;
                }
                sinceRestart++;
                int i = y * width + x;
                int prediction;
                if ((x == 0 && y == 0) || reset) prediction = initial;
                else if (x == 0) prediction = values[i - width];
                else if (firstLine) prediction = values[i - 1];
                else
                {
                    int a = values[i - 1], b = values[i - width], c = values[i - width - 1];
                    prediction = predictor switch { 1 => a, 2 => b, 3 => c, 4 => a + b - c, 5 => a + ((b - c) >> 1), 6 => b + ((a - c) >> 1), _ => (a + b) >> 1 };
                }
                reset = false;
                int diff = (values[i] - prediction) & 0xFFFF;
                if (diff > 32768) diff -= 65536;
                int category = diff == 0 ? 0 : diff == 32768 ? 16 : 32 - int.LeadingZeroCount(Math.Abs(diff));
                bits.Write(category, 5);
                if (category is > 0 and < 16) bits.Write(diff > 0 ? diff : diff + (1 << category) - 1, category);
            }
            firstLine = false;
        }
        bits.Flush();
        Marker(0xD9);
        return output.ToArray();
    }

    private sealed class BitWriter(Stream output)
    {
        private int _buffer, _count;

        public void Write(int value, int length)
        {
            for (int bit = length - 1; bit >= 0; bit--)
            {
                _buffer = (_buffer << 1) | ((value >> bit) & 1);
                if (++_count == 8) Emit();
            }
        }

        /// <summary>Pads the last byte with 1 bits (T.81 F.1.2.3).</summary>
        public void Flush()
        {
            while (_count != 0) Write(1, 1);
        }

        private void Emit()
        {
            output.WriteByte((byte)_buffer);
            if (_buffer == 0xFF) output.WriteByte(0x00);
            _buffer = 0;
            _count = 0;
        }
    }
}
