package dev.spartan.client;

import com.google.protobuf.ByteString;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LinkCode;
import dev.spartan.crypto.LinkSeal;
import dev.spartan.crypto.PeerKeyStore;
import dev.spartan.crypto.SignalKeys;
import dev.spartan.proto.CompleteLinkRequest;
import dev.spartan.proto.DeviceInfo;
import dev.spartan.proto.GetLinkRequest;
import dev.spartan.proto.LinkBundle;
import dev.spartan.proto.LinkGrpc;
import dev.spartan.proto.ListDevicesRequest;
import dev.spartan.proto.PendingLink;
import dev.spartan.proto.UnlinkDeviceRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * What a signed-in device does with the account's devices (PROTOCOL.md, "Linking" and "Devices"): answers a new
 * device's link code with the sealed bundle (or declines it), lists the devices, and unlinks one.
 */
public final class Devices {
    /** The most of messages.log a bundle carries: its newest lines, well inside the server's bundle limit. */
    static final int LOG_BYTES = 48 * 1024;

    /** A link whose code checked out against the key the server relayed: it waits for the person's yes or no. */
    public record Pending(LinkCode code, ECPublicKey deviceKey, String name) {}

    /** A link that cannot go on, in one line for the person. */
    public static final class LinkRefused extends Exception {
        private static final long serialVersionUID = 1L;

        LinkRefused(String line) {
            super(line, null, false, false);
        }
    }

    private final Supplier<io.grpc.Channel> channel;
    private final Path keysDir;
    private final Identity identity;
    private final String user;
    private final int myId;

    Devices(Supplier<io.grpc.Channel> channel, Path keysDir, Identity identity, String user, int myId) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.keysDir = Objects.requireNonNull(keysDir, "keysDir");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.user = Objects.requireNonNull(user, "user");
        this.myId = myId;
    }

    private LinkGrpc.LinkBlockingStub stub() {
        return LinkGrpc.newBlockingStub(channel.get()).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** The question to ask before {@link #accept}. */
    public String question() {
        return "Link a new device to " + user + "? It will read and send as you. (yes/no)";
    }

    /**
     * Reads a typed code, fetches the key the new device left under it and checks it against the code.
     *
     * @throws LinkRefused for a typo, an unknown, used or expired code, or a key that is not the new device's
     */
    public Pending check(String typed) throws LinkRefused {
        LinkCode code;
        try {
            code = LinkCode.parse(typed);
        } catch (IllegalArgumentException e) {
            throw new LinkRefused("Nothing was linked: " + e.getMessage() + ".");
        }
        PendingLink link;
        try {
            link = stub().getLink(GetLinkRequest.newBuilder()
                    .setSlot(ByteString.copyFrom(code.slot()))
                    .build());
        } catch (io.grpc.StatusRuntimeException e) {
            throw new LinkRefused("Nothing was linked: " + e.getStatus().getDescription() + ".");
        }
        ECPublicKey key;
        try {
            key = SignalKeys.curveKey(link.getDeviceKey().toByteArray(), "device key");
        } catch (IllegalArgumentException e) {
            throw new LinkRefused("Nothing was linked: the server relayed a malformed device key.");
        }
        if (!code.matches(key)) {
            throw new LinkRefused("Nothing was linked: the server relayed another key than the new device's, so the"
                    + " link is refused (someone between the devices may be trying to take it over).");
        }
        return new Pending(code, key, link.getDeviceName());
    }

    /** Yes: seals this account's keys, pins and recent log to the new device and completes the link; its id. */
    public int accept(Pending pending) {
        byte[] sealed = LinkSeal.seal(pending.deviceKey(), pending.code(), bundle().toByteArray());
        return stub().completeLink(CompleteLinkRequest.newBuilder()
                        .setSlot(ByteString.copyFrom(pending.code().slot()))
                        .setSealedBundle(ByteString.copyFrom(sealed))
                        .build())
                .getDeviceId();
    }

    /** No: the new device is told, and nothing is made. */
    public void decline(Pending pending) {
        stub().declineLink(GetLinkRequest.newBuilder()
                .setSlot(ByteString.copyFrom(pending.code().slot()))
                .build());
    }

    /** The account's devices, device 1 first. */
    public List<DeviceInfo> list() {
        return stub().listDevices(ListDevicesRequest.getDefaultInstance()).getDevicesList();
    }

    /** This device's id, to mark it in {@link #list}. */
    public int myId() {
        return myId;
    }

    /** Unlinks device {@code id}: its sessions end on every node, and nothing more is encrypted for it. */
    public void unlink(int id) {
        stub().unlinkDevice(UnlinkDeviceRequest.newBuilder().setDeviceId(id).build());
    }

    /** What a new device needs to be this account (PROTOCOL.md, "Linking", the bundle). */
    LinkBundle bundle() {
        try {
            byte[][] statics = Identity.staticKeyFiles(keysDir);
            return LinkBundle.newBuilder()
                    .setIdentityKeyPair(
                            ByteString.copyFrom(identity.signalIdentity().serialize()))
                    .setSigningKey(ByteString.copyFrom(statics[0]))
                    .setAgreementKey(ByteString.copyFrom(statics[1]))
                    .setKnownIdentities(file(keysDir.resolve(PeerKeyStore.FILE_NAME)))
                    .setKnownGroups(file(keysDir.resolve(GroupBook.FILE_NAME)))
                    .setKnownServers(file(ClientOptions.knownServers(keysDir)))
                    .addAllMessageLog(newestLogLines())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the key directory " + keysDir + ": " + e.getMessage(), e);
        }
    }

    private static ByteString file(Path path) throws IOException {
        return Files.exists(path) ? ByteString.copyFrom(Files.readAllBytes(path)) : ByteString.EMPTY;
    }

    private Deque<String> newestLogLines() throws IOException {
        Deque<String> kept = new ArrayDeque<>();
        Path log = keysDir.resolve(MessageLog.FILE);
        if (!Files.exists(log)) {
            return kept;
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        int bytes = 0;
        for (int i = lines.size() - 1; i >= 0; i--) {
            bytes += lines.get(i).length() + 1;
            if (bytes > LOG_BYTES) {
                break;
            }
            kept.addFirst(lines.get(i));
        }
        return kept;
    }
}
