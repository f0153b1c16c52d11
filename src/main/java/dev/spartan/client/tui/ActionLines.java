package dev.spartan.client.tui;

import dev.spartan.client.Actions;
import dev.spartan.client.Incoming;
import dev.spartan.proto.ChatRef;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jline.utils.AttributedString;

/**
 * How message actions look on a terminal and a pipe (issue 26): the quoted line above a reply ({@code [bob] ↪ alice:
 * Hey Bob! Lunch at…}), an edit as the new text marked {@code (edited)}, a delete as {@code (deleted)}, reactions and
 * timers as notices, each printed when it happens (lines above stay as they were; /history shows messages as they
 * are now).
 */
final class ActionLines {
    private final Look look;
    private final String me;
    private final Supplier<ChatRef> current;
    private final Function<String, String> tally;

    /** Lines in {@code look}; {@code tally} gives the reactions to a message by its id ("👍 2"). */
    ActionLines(Look look, String me, Supplier<ChatRef> current, Function<String, String> tally) {
        this.look = Objects.requireNonNull(look, "look");
        this.me = Objects.requireNonNull(me, "me");
        this.current = Objects.requireNonNull(current, "current");
        this.tally = Objects.requireNonNull(tally, "tally");
    }

    List<AttributedString> lines(Actions.Change c) {
        Incoming t = c.target();
        return switch (c.kind()) {
            case REPLY -> line(c.actor(), c, Actions.quote(t));
            case EDITED -> line(t.sender(), c, t.text() + " (edited)");
            case DELETED -> line(t.sender(), c, "(deleted)");
            case REACTED ->
                List.of(look.notice(c.actor()
                        + (c.detail().isEmpty() ? " took back their reaction to " : " reacted " + c.detail() + " to ")
                        + Actions.quote(t).substring(2)
                        + where(c)
                        + reactions(t)));
            case TIMER -> List.of(look.notice(c.detail() + where(c)));
            case DISAPPEARED ->
                List.of(look.notice((t.sender().equals(me) ? "A message of yours" : "A message from " + t.sender())
                        + (c.group() ? " in " + c.chat() : "") + " disappeared (timer)."));
        };
    }

    private String reactions(Incoming t) {
        String now = tally.apply(t.messageId());
        return now.isEmpty() ? "" : " (" + now + ")";
    }

    /** " in group1" when the change is not in the chat on the prompt. */
    private String where(Actions.Change c) {
        ChatRef on = current.get();
        boolean here = on != null
                && (c.group()
                        ? on.hasGroup() && on.getGroup().equals(c.chat())
                        : on.hasUser() && on.getUser().equals(c.chat()));
        return here ? "" : c.group() ? " (in " + c.chat() + ")" : " (with " + c.chat() + ")";
    }

    /** A line in the form of a message from {@code sender} in the change's chat. */
    private List<AttributedString> line(String sender, Actions.Change c, String text) {
        ChatRef chat = c.group()
                ? ChatRef.newBuilder().setGroup(c.chat()).build()
                : ChatRef.newBuilder()
                        .setUser(sender.equals(me) ? c.chat() : me)
                        .build();
        Incoming shown = new Incoming("", sender, chat, c.chat(), text, 0, 0);
        return look.message(shown, me, current.get(), null).lines();
    }
}
