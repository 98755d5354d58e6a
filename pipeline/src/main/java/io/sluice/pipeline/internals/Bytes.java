package io.sluice.pipeline.internals;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.util.VarInt;

/** Nullable byte arrays and strings in the coders: a varint of length + 1 (0 = null), then the bytes. */
final class Bytes {
    private Bytes() {}

    static void writeNullable(byte[] b, OutputStream out) throws IOException {
        if (b == null) {
            VarInt.encode(0, out);
        } else {
            VarInt.encode(b.length + 1, out);
            out.write(b);
        }
    }

    static byte[] readNullable(InputStream in) throws IOException {
        int n = VarInt.decodeInt(in);
        if (n == 0) {
            return null;
        }
        if (n < 0) {
            throw new IOException("negative byte-array length " + (n - 1) + " in the stream");
        }
        byte[] b = new byte[n - 1];
        try {
            new DataInputStream(in).readFully(b);
        } catch (EOFException e) {
            throw new EOFException("stream ended inside a byte array of " + (n - 1) + " bytes");
        }
        return b;
    }

    static void writeString(String s, OutputStream out) throws IOException {
        writeNullable(s == null ? null : s.getBytes(java.nio.charset.StandardCharsets.UTF_8), out);
    }

    static String readString(InputStream in) throws IOException {
        byte[] b = readNullable(in);
        return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
}
