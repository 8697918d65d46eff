package io.llamasupervisor.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * One prompt of the semantic cache: the exact-cache key of the response it answers, the embedding
 * of its last user message, and that message's text (for the lexical guard).
 */
record VectorEntry(String scope, String key, float[] vector, String prompt, long storedAtMillis) {
  private static final int FORMAT = 1;

  VectorEntry {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(vector, "vector");
    Objects.requireNonNull(prompt, "prompt");
  }

  int weight() {
    return 96 + 4 * vector.length + 2 * prompt.length() + 2 * key.length() + 2 * scope.length();
  }

  byte[] serialize() {
    try {
      ByteArrayOutputStream bos = new ByteArrayOutputStream(64 + vector.length * 4);
      DataOutputStream out = new DataOutputStream(bos);
      out.writeByte(FORMAT);
      out.writeUTF(scope);
      out.writeUTF(key);
      out.writeLong(storedAtMillis);
      out.writeInt(vector.length);
      for (float f : vector) {
        out.writeFloat(f);
      }
      byte[] p = prompt.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeInt(p.length);
      out.write(p);
      out.flush();
      return bos.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("in-memory write failed", e);
    }
  }

  static VectorEntry deserialize(byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    int format = in.readByte();
    if (format != FORMAT) {
      throw new IOException("unknown vector entry format " + format);
    }
    String scope = in.readUTF();
    String key = in.readUTF();
    long at = in.readLong();
    int n = in.readInt();
    if (n <= 0 || n > 8192) {
      throw new IOException("bad vector length " + n);
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = in.readFloat();
    }
    int len = in.readInt();
    if (len < 0 || len > bytes.length) {
      throw new IOException("bad prompt length " + len);
    }
    byte[] p = in.readNBytes(len);
    if (p.length != len) {
      throw new IOException("truncated vector entry");
    }
    return new VectorEntry(
        scope, key, v, new String(p, java.nio.charset.StandardCharsets.UTF_8), at);
  }
}
