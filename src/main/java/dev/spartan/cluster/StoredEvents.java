package dev.spartan.cluster;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import dev.spartan.proto.Event;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A batch of stored events and the users whose inboxes hold them, as one text payload for the cluster bus:
 * base64 of (user, event) pairs, each a length-delimited string then a length-delimited encoded {@link Event}.
 */
final class StoredEvents {
    private StoredEvents() {}

    static String encode(List<Map.Entry<String, Event>> events) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(events.size() * 400);
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            for (Map.Entry<String, Event> e : events) {
                out.writeStringNoTag(e.getKey());
                out.writeByteArrayNoTag(e.getValue().toByteArray());
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /** The pairs in a payload; a malformed one (from a node of another version, say) is refused whole. */
    static List<Map.Entry<String, Event>> decode(String payload) throws IOException {
        List<Map.Entry<String, Event>> out = new ArrayList<>();
        try {
            CodedInputStream in =
                    CodedInputStream.newInstance(Base64.getDecoder().decode(payload));
            while (!in.isAtEnd()) {
                String user = in.readString();
                out.add(Map.entry(user, Event.parseFrom(in.readByteArray())));
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("not base64", e);
        }
        return out;
    }
}
