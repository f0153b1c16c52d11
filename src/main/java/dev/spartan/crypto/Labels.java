package dev.spartan.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds the domain-separated byte strings "label 0x00 field 0x00 field ...". Fields may not contain 0x00:
 * otherwise two different field lists could encode to the same bytes and a signature or tag would cover both.
 */
final class Labels {
    static final String LOGIN = "spartan/login/v2";

    private Labels() {}

    static byte[] join(String label, String... fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(label.getBytes(StandardCharsets.UTF_8));
        for (String field : fields) {
            out.write(0);
            out.writeBytes(utf8NoNul(field));
        }
        return out.toByteArray();
    }

    static byte[] utf8NoNul(String field) {
        if (field == null) {
            throw new IllegalArgumentException("field is null");
        }
        if (field.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("field contains a NUL character: " + field.replace("\0", "\\0"));
        }
        return field.getBytes(StandardCharsets.UTF_8);
    }
}
