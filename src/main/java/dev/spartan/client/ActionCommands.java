package dev.spartan.client;

import dev.spartan.proto.ChatRef;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The message action commands, the same in every front end (issue 26): {@code /reply [N] TEXT}, {@code /edit [N]
 * TEXT}, {@code /delete [N]}, {@code /react [N] EMOJI} and {@code /timer 5s|10m|1h|1d|off}. N is a message's short
 * number (/history shows them); without it the command takes the latest message it can apply to: one's own for
 * /edit and /delete, someone else's for /reply and /react.
 */
public final class ActionCommands {
    /** Where the commands show what they did. */
    public interface Front {
        /** The chat on the prompt, or null. */
        ChatRef current();

        /** Shows {@code text} as a line the user typed, sent by {@code send} (which returns its id). */
        void typed(ChatRef to, String text, Supplier<String> send);

        /** Shows a change the user made. */
        void changed(Actions.Change change);

        void notice(String text);

        /** A refusal; {@code code} is the server's status, null if the client refused. */
        void error(String text, Status.Code code);
    }

    public static final List<String> NAMES = List.of("/reply", "/edit", "/delete", "/react", "/timer");

    private static final Pattern LINE =
            Pattern.compile("(/[a-z]+)(?:\\s+([0-9]{1,6})(?=\\s|$))?\\s*(.*)", Pattern.DOTALL);

    private final ChatClient client;
    private final Front front;

    public ActionCommands(ChatClient client, Front front) {
        this.client = Objects.requireNonNull(client, "client");
        this.front = Objects.requireNonNull(front, "front");
    }

    /** Runs the line if it is one of these commands; false if it is not. */
    public boolean run(String line) {
        Matcher m = LINE.matcher(line.strip());
        if (!m.matches() || !NAMES.contains(m.group(1))) {
            return false;
        }
        String command = m.group(1);
        int n = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        String rest = m.group(3).strip();
        ChatRef chat = front.current();
        if (chat == null) {
            front.error("Open a chat first: " + command + " works on the chat on the prompt.", null);
            return true;
        }
        try {
            switch (command) {
                case "/reply" -> reply(chat, n, rest);
                case "/edit" -> edit(chat, n, rest);
                case "/delete" -> delete(chat, n, rest);
                case "/react" -> react(chat, n, rest);
                default -> timer(chat, m.group(2) == null ? rest : (m.group(2) + rest));
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            front.error("Not done: " + e.getMessage() + ".", null);
        } catch (StatusRuntimeException e) {
            front.error(Refusals.describe(e), e.getStatus().getCode());
        }
        return true;
    }

    private void reply(ChatRef chat, int n, String text) {
        if (text.isEmpty()) {
            front.error("Usage: /reply [N] TEXT", null);
            return;
        }
        Incoming target = client.actions().target(chat, n, false);
        front.changed(change(Actions.Kind.REPLY, chat, target, ""));
        front.typed(chat, text, () -> client.actions().reply(chat, target, text));
    }

    private void edit(ChatRef chat, int n, String text) {
        if (text.isEmpty()) {
            front.error("Usage: /edit [N] TEXT", null);
            return;
        }
        Incoming target = client.actions().target(chat, n, true);
        Incoming now = client.actions().edit(chat, target, text);
        front.changed(change(Actions.Kind.EDITED, chat, now, ""));
    }

    private void delete(ChatRef chat, int n, String rest) {
        if (!rest.isEmpty()) {
            front.error("Usage: /delete [N]", null);
            return;
        }
        Incoming target = client.actions().target(chat, n, true);
        client.deleteForEveryone(chat, target);
        front.changed(change(Actions.Kind.DELETED, chat, target, ""));
    }

    private void react(ChatRef chat, int n, String emoji) {
        if (emoji.isEmpty() || emoji.contains(" ")) {
            front.error("Usage: /react [N] EMOJI", null);
            return;
        }
        Incoming target = client.actions().target(chat, n, false);
        client.actions().react(chat, target, emoji);
        front.changed(change(Actions.Kind.REACTED, chat, target, emoji));
    }

    private void timer(ChatRef chat, String words) {
        Optional<Integer> seconds = TimerWords.parse(words);
        if (seconds.isEmpty()) {
            front.error("Usage: /timer 5s|10m|1h|1d|off (a number and s, m, h or d; a year at most)", null);
            return;
        }
        client.actions().timer(chat, seconds.get());
        front.changed(change(Actions.Kind.TIMER, chat, null, TimerWords.notice(client.user(), seconds.get())));
    }

    private Actions.Change change(Actions.Kind kind, ChatRef chat, Incoming target, String detail) {
        return new Actions.Change(
                kind,
                client.user(),
                chat.hasGroup() ? chat.getGroup() : chat.getUser(),
                chat.hasGroup(),
                target,
                detail);
    }
}
