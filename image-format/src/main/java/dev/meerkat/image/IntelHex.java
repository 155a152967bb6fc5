package dev.meerkat.image;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * Intel HEX files, as imgtool reads and writes them for {@code .hex} paths: the data records are
 * collected into one contiguous block starting at the lowest address (gaps filled with the erased
 * value).
 */
public final class IntelHex {

    /** A contiguous block of bytes at an address. */
    public record Block(long address, byte[] data) {
        public Block {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    private static final long MAX_SPAN = 256L << 20;

    private IntelHex() {}

    public static Block read(Reader in, int erasedValue) throws IOException {
        TreeMap<Long, byte[]> records = new TreeMap<>();
        BufferedReader r = new BufferedReader(in);
        long upper = 0;
        int lineNo = 0;
        String line;
        boolean eof = false;
        while ((line = r.readLine()) != null) {
            lineNo++;
            line = line.strip();
            if (line.isEmpty()) continue;
            if (eof)
                throw new IllegalArgumentException(
                        "line " + lineNo + ": data after the end-of-file record");
            if (line.charAt(0) != ':' || line.length() < 11 || line.length() % 2 == 0) {
                throw new IllegalArgumentException("line " + lineNo + ": not an Intel HEX record");
            }
            byte[] rec;
            try {
                rec = java.util.HexFormat.of().parseHex(line.substring(1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + lineNo + ": invalid hex digits");
            }
            int len = rec[0] & 0xFF;
            if (rec.length != len + 5)
                throw new IllegalArgumentException("line " + lineNo + ": record length mismatch");
            int sum = 0;
            for (byte b : rec) sum += b & 0xFF;
            if ((sum & 0xFF) != 0)
                throw new IllegalArgumentException("line " + lineNo + ": checksum error");
            int addr = (rec[1] & 0xFF) << 8 | (rec[2] & 0xFF);
            int type = rec[3] & 0xFF;
            byte[] data = Arrays.copyOfRange(rec, 4, 4 + len);
            switch (type) {
                case 0x00 -> records.put(upper + addr, data);
                case 0x01 -> eof = true;
                case 0x02 -> upper = (long) (((data[0] & 0xFF) << 8) | (data[1] & 0xFF)) << 4;
                case 0x04 -> upper = (long) (((data[0] & 0xFF) << 8) | (data[1] & 0xFF)) << 16;
                case 0x03, 0x05 -> {
                    /* start address: not part of the image */
                }
                default ->
                        throw new IllegalArgumentException(
                                "line " + lineNo + ": unknown record type " + type);
            }
        }
        if (records.isEmpty()) throw new IllegalArgumentException("no data records");
        long start = records.firstKey();
        long end = records.lastEntry().getKey() + records.lastEntry().getValue().length;
        if (end - start > MAX_SPAN)
            throw new IllegalArgumentException(
                    "data spans " + (end - start) + " bytes, over 256 MiB");
        byte[] out = new byte[(int) (end - start)];
        Arrays.fill(out, (byte) erasedValue);
        records.forEach((a, d) -> System.arraycopy(d, 0, out, (int) (a - start), d.length));
        return new Block(start, out);
    }

    public static void write(Block block, Writer out) throws IOException {
        byte[] data = block.data;
        long upper = 0;
        for (int off = 0; off < data.length; off += 16) {
            long addr = block.address + off;
            if ((addr >>> 16) != upper) {
                upper = addr >>> 16;
                record(out, 0, 0x04, new byte[] {(byte) (upper >> 8), (byte) upper});
            }
            int n = (int) Math.min(16, Math.min(data.length - off, 0x10000 - (addr & 0xFFFF)));
            record(out, (int) (addr & 0xFFFF), 0x00, Arrays.copyOfRange(data, off, off + n));
            off -= 16 - n;
        }
        record(out, 0, 0x01, new byte[0]);
    }

    private static void record(Writer out, int addr, int type, byte[] data) throws IOException {
        int sum = data.length + (addr >> 8) + (addr & 0xFF) + type;
        StringBuilder sb = new StringBuilder(":");
        sb.append(String.format("%02X%04X%02X", data.length, addr, type));
        for (byte b : data) {
            sb.append(String.format("%02X", b & 0xFF));
            sum += b & 0xFF;
        }
        sb.append(String.format("%02X", (-sum) & 0xFF)).append('\n');
        out.write(sb.toString());
    }
}
