package dev.spartan.client;

import dev.spartan.proto.DeviceInfo;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * /link CODE, /devices and /unlink N on a signed-in device (PROTOCOL.md, "Linking", "Devices"), for both front ends.
 * A link asks its question, and the next line that is not a command answers it. What went as asked is a notice; a
 * refusal goes to {@code refused} (the terminal shows both alike, --json makes the refusal an error event).
 */
public final class DeviceCommands {
    private static final DateTimeFormatter SEEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    private final ChatClient client;
    private final Consumer<String> notice;
    private final Consumer<String> refused;
    private volatile Devices.Pending asking;

    public DeviceCommands(ChatClient client, Consumer<String> notice, Consumer<String> refused) {
        this.client = Objects.requireNonNull(client, "client");
        this.notice = Objects.requireNonNull(notice, "notice");
        this.refused = Objects.requireNonNull(refused, "refused");
    }

    /** Runs {@code words[0]} if it is one of these commands; false if it is not. */
    public boolean run(String[] words) {
        switch (words[0]) {
            case "/link" -> link(words);
            case "/devices" -> list();
            case "/unlink" -> unlink(words);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** True while a link waits for its yes or no. */
    public boolean asking() {
        return asking != null;
    }

    /** The answer to the link question: yes links, anything else declines. */
    public void answer(String line) {
        Devices.Pending pending = asking;
        asking = null;
        if (pending == null) {
            return;
        }
        Devices devices = client.devices();
        try {
            if (line.strip().equalsIgnoreCase("yes")) {
                int id = devices.accept(pending);
                notice.accept("Linked '" + pending.name() + "' as device " + id + " of " + client.user() + ".");
            } else {
                devices.decline(pending);
                notice.accept("Declined: nothing was linked.");
            }
        } catch (StatusRuntimeException e) {
            refused.accept("Nothing was linked: " + e.getStatus().getDescription() + ".");
        }
    }

    private void link(String[] words) {
        if (words.length < 2) {
            refused.accept("Type /link CODE with the code the new device printed (./spartan client " + client.user()
                    + " --link).");
            return;
        }
        String typed = String.join("", java.util.Arrays.copyOfRange(words, 1, words.length));
        Devices devices = client.devices();
        try {
            asking = devices.check(typed);
            notice.accept(devices.question());
        } catch (Devices.LinkRefused e) {
            refused.accept(e.getMessage());
        } catch (StatusRuntimeException e) {
            refused.accept("Nothing was linked: " + e.getStatus().getDescription() + ".");
        }
    }

    private void list() {
        try {
            notice.accept("Devices of " + client.user() + ":");
            for (DeviceInfo d : client.devices().list()) {
                notice.accept("  " + d.getId() + "  " + d.getName() + "  last seen "
                        + (d.getLastSeenMillis() == 0
                                ? "never"
                                : SEEN.format(Instant.ofEpochMilli(d.getLastSeenMillis())
                                        .atZone(ZoneId.systemDefault())))
                        + (d.getId() == client.deviceId() ? "  (this device)" : ""));
            }
        } catch (StatusRuntimeException e) {
            refused.accept("Could not list the devices: " + e.getStatus().getDescription() + ".");
        }
    }

    private void unlink(String[] words) {
        int id;
        try {
            id = Integer.parseInt(words.length > 1 ? words[1] : "");
        } catch (NumberFormatException e) {
            refused.accept("Type /unlink N with a device number from /devices.");
            return;
        }
        try {
            client.devices().unlink(id);
            notice.accept("Device " + id + " is unlinked: its sessions are closed and nothing more is encrypted for"
                    + " it.");
        } catch (StatusRuntimeException e) {
            refused.accept(
                    "Device " + id + " was not unlinked: " + e.getStatus().getDescription() + ".");
        }
    }
}
