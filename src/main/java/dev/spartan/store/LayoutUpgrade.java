package dev.spartan.store;

import dev.spartan.store.proto.StoredGroup;
import dev.spartan.store.proto.StoredMessage;
import dev.spartan.store.proto.StoredMessageList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Brings a store file written by the previous version to the current layout, once, when it is opened: histories and
 * held messages were one list per conversation (rewritten on every send), sent ids were kept per wall-clock week, and
 * groups had no index by member. Records themselves need no change: their field numbers are the ones stored before.
 */
final class LayoutUpgrade {
    static final String VERSION = Integer.toString(Layout.VERSION);

    private final MVStore mv;

    LayoutUpgrade(MVStore mv) {
        this.mv = Objects.requireNonNull(mv, "mv");
    }

    void run() {
        MVMap<String, String> meta = mv.openMap("meta");
        Layout.requireKnown(
                meta.get("layout"),
                mv.getFileStore() == null
                        ? "the store"
                        : "the store file " + mv.getFileStore().getFileName());
        if (VERSION.equals(meta.get("layout"))) {
            return;
        }
        if (mv.hasMap("history")) {
            MVMap<String, byte[]> lists = mv.openMap("history");
            MVMap<String, byte[]> log = mv.openMap("chat-log");
            for (Map.Entry<String, byte[]> e : lists.entrySet()) {
                for (StoredMessage m : list(e.getValue())) {
                    log.put(
                            EmbeddedStore.entryKey(e.getKey(), m.getChatSeq()),
                            m.toBuilder().setChatKey(e.getKey()).build().toByteArray());
                }
            }
            mv.removeMap(lists);
        }
        if (mv.hasMap("held")) {
            MVMap<String, byte[]> lists = mv.openMap("held");
            MVMap<String, byte[]> held = mv.openMap("held-messages");
            MVMap<String, Long> counters = mv.openMap("counters");
            for (Map.Entry<String, byte[]> e : lists.entrySet()) {
                long bytes = 0;
                List<StoredMessage> messages = list(e.getValue());
                for (StoredMessage m : messages) {
                    // The previous version's 1:1 conversation key was "dm:" and the pair key.
                    StoredMessage record =
                            m.toBuilder().setChatKey("dm:" + e.getKey()).build();
                    held.put(EmbeddedStore.entryKey(e.getKey(), m.getChatSeq()), record.toByteArray());
                    bytes += record.getSerializedSize();
                }
                counters.put("heldcount\0" + e.getKey(), (long) messages.size());
                counters.put("heldbytes\0" + e.getKey(), bytes);
            }
            mv.removeMap(lists);
        }
        MVMap<String, byte[]> groups = mv.openMap("groups");
        MVMap<String, Boolean> memberships = mv.openMap("memberships");
        for (Map.Entry<String, byte[]> e : groups.entrySet()) {
            for (String member :
                    Records.parse(StoredGroup::parseFrom, e.getValue()).getMembersList()) {
                memberships.put(member + "\0" + e.getKey(), Boolean.TRUE);
            }
        }
        // Ids of the last wall-clock weeks go into the store's first week, so that a resend is still recognized.
        MVMap<String, Long> ids = mv.openMap(SentIds.PREFIX + "0");
        for (String name : mv.getMapNames()) {
            if (name.startsWith("sent-") && !name.startsWith(SentIds.PREFIX)) {
                MVMap<String, Long> week = mv.openMap(name);
                ids.putAll(week);
                mv.removeMap(week);
            }
        }
        meta.put("layout", VERSION);
    }

    private static List<StoredMessage> list(byte[] bytes) {
        return Records.parse(StoredMessageList::parseFrom, bytes).getMessagesList();
    }
}
