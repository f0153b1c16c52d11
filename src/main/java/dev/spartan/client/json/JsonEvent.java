package dev.spartan.client.json;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.spartan.client.Actions;
import dev.spartan.client.Incoming;
import dev.spartan.client.SendState;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import io.grpc.Status;
import java.util.List;
import java.util.Locale;

/**
 * One event of {@code --json} mode, encoded as one JSON object on one line. The keys come in a fixed order:
 * {@code type}, then {@code chat} and {@code group}, {@code from}, {@code text}, {@code id}, the keys of the type,
 * and {@code ts} last. Text is passed as it is: JSON escapes what needs escaping, so a newline in a message is
 * {@code \n} inside the string, never a second line.
 */
public final class JsonEvent {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private final JsonObject json = new JsonObject();

    private JsonEvent(String type) {
        json.addProperty("type", type);
    }

    /** A message that arrived; {@code type} "history" for one shown again (opening a chat, /history). */
    public static JsonEvent message(Incoming m, boolean again) {
        return new JsonEvent(again ? "history" : "message")
                .chat(m.chat(), m.peerOrGroup())
                .put("from", m.sender())
                .put("text", m.text())
                .put("id", m.messageId())
                .ts(m.sentAtMillis());
    }

    /** A line typed in a chat, now in the outbox: {@code state} "queued", or "kept" if the peer declined. */
    public static JsonEvent sent(ChatRef to, String from, String text, String id, SendState state, long ts) {
        return new JsonEvent("sent")
                .chat(to, nameOf(to))
                .put("from", from)
                .put("text", text)
                .put("id", id)
                .put("state", name(state))
                .ts(ts);
    }

    /**
     * One of the user's own messages moved on: stored, held, delivered (the peer's receipt), kept, failed, or expired
     * (deleted undelivered by the server's retention; that receipt also says {@code "kind":"expired"}).
     */
    public static JsonEvent receipt(ChatRef to, String id, SendState state, long ts) {
        JsonEvent e =
                new JsonEvent("receipt").chat(to, nameOf(to)).put("id", id).put("state", name(state));
        if (state == SendState.EXPIRED) {
            e.put("kind", "expired");
        }
        return e.ts(ts);
    }

    /** Something about a 1:1 chat with {@code peer}: "request", "accepted", "declined". */
    public static JsonEvent fromPeer(String type, String peer, long ts) {
        return new JsonEvent(type)
                .chat(ChatIds.toUser(peer), peer)
                .put("from", peer)
                .ts(ts);
    }

    /** A chat was opened: lines typed now go to it. */
    public static JsonEvent ready(ChatRef chat, List<String> members, long ts) {
        JsonEvent e = new JsonEvent("ready").chat(chat, nameOf(chat));
        if (chat.hasGroup()) {
            e.names("members", members);
        }
        return e.ts(ts);
    }

    /**
     * Someone this user has no accepted chat with put them in a group: {@code yes}/{@code no} (or /accept GROUP,
     * /decline GROUP) answers it.
     */
    public static JsonEvent invitation(String group, String from, List<String> members, String text, long ts) {
        JsonEvent e = new JsonEvent("invitation")
                .chat(ChatIds.toGroup(group), group)
                .put("from", from)
                .put("text", text);
        e.names("members", members);
        return e.ts(ts);
    }

    /** A group this user is in changed its members, or this user is no longer in it. */
    public static JsonEvent group(String name, List<String> members, boolean removed, long ts) {
        JsonEvent e = new JsonEvent("group").chat(ChatIds.toGroup(name), name);
        e.names("members", members);
        e.json.addProperty("removed", removed);
        return e.ts(ts);
    }

    /** The login succeeded. */
    public static JsonEvent connected(String me, int port, List<String> users, List<String> groups, long ts) {
        JsonEvent e = new JsonEvent("connected").put("from", me);
        e.json.addProperty("port", port);
        return e.names("users", users).names("groups", groups).ts(ts);
    }

    /** The answer to /users: every user but this one, who is online, and this user's groups. */
    public static JsonEvent users(List<String> users, List<String> online, List<String> groups, long ts) {
        return new JsonEvent("users")
                .names("users", users)
                .names("online", online)
                .names("groups", groups)
                .ts(ts);
    }

    /** Something the client says that is not a failure. */
    public static JsonEvent notice(String text, long ts) {
        return new JsonEvent("notice").put("text", text).ts(ts);
    }

    /** A refusal or failure; {@code code} is the server's gRPC status, null if the client itself refused. */
    public static JsonEvent error(String text, Status.Code code, long ts) {
        JsonEvent e = new JsonEvent("error").put("text", text);
        if (code != null) {
            e.put("code", code.name());
        }
        return e.ts(ts);
    }

    /** The session is over for good (another login, the operator); the process exits with code 2. */
    public static JsonEvent ended(String text, long ts) {
        return new JsonEvent("ended").put("text", text).ts(ts);
    }

    /**
     * A message action (issue 26): "reply" (a message quoting {@code id} follows), "edited" ({@code text} is the new
     * text), "deleted", "reaction" ({@code emoji}, empty when taken back, and the {@code reactions} now), "timer"
     * ({@code seconds}, {@code text} the notice), "disappeared". {@code from} is who did it; {@code id} the message it
     * is about.
     */
    public static JsonEvent action(Actions.Change c, String reactions, int seconds, long ts) {
        String type = switch (c.kind()) {
            case REPLY -> "reply";
            case EDITED -> "edited";
            case DELETED -> "deleted";
            case REACTED -> "reaction";
            case TIMER -> "timer";
            case DISAPPEARED -> "disappeared";
        };
        JsonEvent e = new JsonEvent(type)
                .chat(c.group() ? ChatIds.toGroup(c.chat()) : ChatIds.toUser(c.chat()), c.chat())
                .put("from", c.actor());
        if (c.kind() == Actions.Kind.EDITED) {
            e.put("text", c.target().text());
        } else if (c.kind() == Actions.Kind.TIMER) {
            e.put("text", c.detail());
        } else if (c.kind() == Actions.Kind.REPLY) {
            e.put("text", c.target().text());
        }
        if (c.target() != null) {
            e.put("id", c.target().messageId());
        }
        if (c.kind() == Actions.Kind.REACTED) {
            e.put("emoji", c.detail()).put("reactions", reactions);
        }
        if (c.kind() == Actions.Kind.TIMER) {
            e.json.addProperty("seconds", seconds);
        }
        return e.ts(ts);
    }

    /**
     * A file transfer moved on ({@code file} events; README, JSON mode): {@code state} is "sending" (an upload began
     * or resumed, at {@code percent}), "sent" (uploaded; its message is in the outbox and {@code receipt} events for
     * its {@code id} follow), "received" (a file message arrived: {@code number} is what /save takes), "saving",
     * "saved" ({@code path}) or "failed" ({@code reason}). {@code from} is the file's sender; {@code id} the message
     * id of an upload, {@code blob} the blob id of a download.
     */
    public static JsonEvent file(FileFacts f, String state) {
        JsonEvent e = new JsonEvent("file").chat(f.chat(), nameOf(f.chat())).put("from", f.from());
        e.put("text", f.name());
        if (f.messageId() != null) {
            e.put("id", f.messageId());
        }
        e.put("state", state);
        if (f.number() > 0) {
            e.json.addProperty("number", f.number());
        }
        e.json.addProperty("size", f.size());
        e.put("media_type", f.mediaType());
        if (f.blobId() != null) {
            e.put("blob", f.blobId());
        }
        return e;
    }

    /** The file a {@code file} event is about. */
    public record FileFacts(
            ChatRef chat,
            String from,
            String name,
            String messageId,
            int number,
            long size,
            String mediaType,
            String blobId) {}

    /** Adds {@code percent} to a {@code file} event, or makes a {@code progress} event of {@code key}. */
    public JsonEvent percent(int percent) {
        json.addProperty("percent", percent);
        return this;
    }

    /** Adds a string key (a {@code file} event's {@code path} or {@code reason}), then {@code ts}: the last key. */
    public JsonEvent with(String key, String value, long ts) {
        if (value != null) {
            put(key, value);
        }
        return ts(ts);
    }

    /** A transfer's progress, every tenth: {@code id} (an upload's message id) or {@code blob} (a download's). */
    public static JsonEvent progress(String idKey, String key, int percent, long ts) {
        return new JsonEvent("progress").put(idKey, key).percent(percent).ts(ts);
    }

    /** The answer to /files: the files received in the open chat, each with its number and state. */
    public static JsonEvent files(ChatRef chat, List<FileFacts> files, List<String> states, long ts) {
        JsonEvent e = new JsonEvent("files").chat(chat, nameOf(chat));
        JsonArray a = new JsonArray();
        for (int i = 0; i < files.size(); i++) {
            FileFacts f = files.get(i);
            JsonObject o = new JsonObject();
            o.addProperty("number", f.number());
            o.addProperty("from", f.from());
            o.addProperty("text", f.name());
            o.addProperty("size", f.size());
            o.addProperty("media_type", f.mediaType());
            o.addProperty("state", states.get(i));
            a.add(o);
        }
        e.json.add("files", a);
        return e.ts(ts);
    }

    /** Someone is typing in a chat (opt-in, --typing). */
    public static JsonEvent typing(String from, ChatRef chat, long ts) {
        return new JsonEvent("typing")
                .chat(chat, nameOf(chat))
                .put("from", from)
                .ts(ts);
    }

    /** The event's type. */
    public String type() {
        return json.get("type").getAsString();
    }

    /** The object, on one line, without a newline. */
    public String encode() {
        return GSON.toJson(json);
    }

    @Override
    public String toString() {
        return encode();
    }

    private JsonEvent chat(ChatRef chat, String name) {
        json.addProperty("chat", name);
        json.addProperty("group", chat.hasGroup());
        return this;
    }

    private JsonEvent put(String key, String value) {
        json.addProperty(key, value);
        return this;
    }

    private JsonEvent names(String key, List<String> names) {
        JsonArray a = new JsonArray();
        names.forEach(a::add);
        json.add(key, a);
        return this;
    }

    private JsonEvent ts(long millis) {
        json.addProperty("ts", millis);
        return this;
    }

    private static String name(SendState state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    private static String nameOf(ChatRef chat) {
        return chat.hasGroup() ? chat.getGroup() : chat.getUser();
    }
}
