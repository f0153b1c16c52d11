package dev.spartan.cluster;

import dev.spartan.proto.Event;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of a cluster bus message, {@code KIND NODE PAYLOAD}, read without side effects. Reading never throws: a
 * line of no known shape (from a node of another version, say) reads as nothing, since a lost line only delays.
 *
 * @param node  the node that published it
 * @param names the users or chat keys of the payload, without empty ones
 * @param events for {@link Kind#EVENTS_STORED}: the users and the events stored in their inboxes
 */
record BusLine(Kind kind, String node, List<String> names, List<Map.Entry<String, Event>> events) {
    /**
     * The bus version, after the node as {@code NODE/1}. Lines change additively (new kinds, which older nodes read as
     * nothing); a node of the version before it sent {@code NODE} alone, which reads as version 0.
     */
    static final int VERSION = 1;

    enum Kind {
        /** {@code N node user,user}: these users' inboxes grew. */
        INBOXES_GREW("N"),
        /** {@code H node chatKey,chatKey}: these conversations' recent histories changed. */
        HISTORIES_CHANGED("H"),
        /** {@code E node payload}: these events were stored in these inboxes (see {@link StoredEvents}). */
        EVENTS_STORED("E"),
        /** An {@code E} line whose payload cannot be decoded: what it announced must be read from the store. */
        UNREADABLE_EVENTS("E"),
        /** {@code S node user}: the user opened a stream on that node. */
        STREAM_OPENED("S"),
        /** {@code X node REASON user}: the user's sessions on other nodes end; names are the reason, then the user. */
        SESSIONS_ENDED("X");

        private final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    BusLine {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(node, "node");
        names = List.copyOf(names);
        events = List.copyOf(events);
    }

    static String format(Kind kind, String node, String payload) {
        return kind.tag + " " + node + "/" + VERSION + " " + payload;
    }

    /** The bus version a line was written with: 0 for a node before versioning. */
    static int version(String line) {
        String[] parts = line.split(" ", 3);
        int slash = parts.length < 2 ? -1 : parts[1].lastIndexOf('/');
        String v = slash < 0 ? "" : parts[1].substring(slash + 1);
        return v.matches("[0-9]{1,9}") ? Integer.parseInt(v) : 0;
    }

    /** The node's id without its bus version. */
    private static String nodeOf(String token) {
        int slash = token.lastIndexOf('/');
        return slash > 0 && token.substring(slash + 1).matches("[0-9]{1,9}") ? token.substring(0, slash) : token;
    }

    static Optional<BusLine> parse(String line) {
        String[] parts = line.split(" ", 3);
        if (parts.length != 3 || parts[1].isEmpty()) {
            return Optional.empty();
        }
        String node = nodeOf(parts[1]);
        String payload = parts[2];
        return switch (parts[0]) {
            case "N" -> Optional.of(new BusLine(Kind.INBOXES_GREW, node, names(payload), List.of()));
            case "H" -> Optional.of(new BusLine(Kind.HISTORIES_CHANGED, node, names(payload), List.of()));
            case "S" ->
                Optional.of(new BusLine(
                        Kind.STREAM_OPENED, node, payload.isEmpty() ? List.of() : List.of(payload), List.of()));
            case "E" -> Optional.of(events(node, payload));
            case "X" -> {
                String[] reasonUser = payload.split(" ", 2);
                yield reasonUser.length == 2 && !reasonUser[0].isEmpty() && !reasonUser[1].isEmpty()
                        ? Optional.of(new BusLine(Kind.SESSIONS_ENDED, node, List.of(reasonUser), List.of()))
                        : Optional.empty();
            }
            default -> Optional.empty();
        };
    }

    private static List<String> names(String payload) {
        return Arrays.stream(payload.split(",")).filter(n -> !n.isEmpty()).toList();
    }

    private static BusLine events(String node, String payload) {
        try {
            return new BusLine(Kind.EVENTS_STORED, node, List.of(), StoredEvents.decode(payload));
        } catch (IOException | RuntimeException e) {
            return new BusLine(Kind.UNREADABLE_EVENTS, node, List.of(), List.of());
        }
    }
}
