package dev.spartan.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LinkCode;
import dev.spartan.crypto.LinkSeal;
import dev.spartan.crypto.PeerKeyStore;
import dev.spartan.proto.LinkBundle;
import dev.spartan.proto.LinkCompleted;
import dev.spartan.proto.LinkEvent;
import dev.spartan.proto.LinkGrpc;
import dev.spartan.proto.OpenLinkRequest;
import dev.spartan.tls.ClientTls;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;

/**
 * The new device's side of a link (PROTOCOL.md, "Linking"): makes a device key, shows the link code, waits for a
 * signed-in device of the account to answer, and writes the key directory from the sealed bundle it gets. Nothing is
 * written unless the link completes.
 */
public final class Linker {
    private final ClientOptions options;
    private final Consumer<String> say;

    /** @param say prints one line for the person at the new device */
    public Linker(ClientOptions options, Consumer<String> say) {
        this.options = Objects.requireNonNull(options, "options");
        this.say = Objects.requireNonNull(say, "say");
    }

    /** True once the key directory is this account's new device; false (after a line saying why) otherwise. */
    public boolean link(String deviceName) {
        Path dir = options.keysDir();
        if (Files.exists(dir.resolve("signing.key"))) {
            say.accept(dir + " already holds an identity: link into another directory (--keys DIR), or start"
                    + " without --link to use it");
            return false;
        }
        String target = options.servers().get(0);
        String[] hostPort = target.split(":", -1);
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                        hostPort[0],
                        Integer.parseInt(hostPort[1]),
                        ClientTls.credentials(options.tls().trustFor(target)))
                .build();
        ECKeyPair key = ECKeyPair.generate();
        try {
            Iterator<LinkEvent> events = LinkGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(15, TimeUnit.MINUTES)
                    .openLink(OpenLinkRequest.newBuilder()
                            .setUser(options.user())
                            .setDeviceKey(ByteString.copyFrom(key.getPublicKey().serialize()))
                            .setDeviceName(deviceName)
                            .build());
            LinkEvent first = events.next();
            LinkCode code = LinkCode.create(first.getOpened().getSlot().toByteArray(), key.getPublicKey());
            say.accept("On a device where " + options.user() + " is signed in, type: /link " + code);
            say.accept("This code works once, until "
                    + DateTimeFormatter.ofPattern("HH:mm")
                            .format(Instant.ofEpochMilli(first.getOpened().getExpiresAtMillis())
                                    .atZone(ZoneId.systemDefault()))
                    + "; waiting for the answer (Ctrl-C to give up).");
            LinkEvent answer = events.next();
            if (!answer.hasCompleted()) {
                say.accept("The server answered the link with something else than a completion: nothing was linked.");
                return false;
            }
            return install(answer.getCompleted(), code, key);
        } catch (StatusRuntimeException e) {
            say.accept("Nothing was linked: " + e.getStatus().getDescription() + ".");
            return false;
        } finally {
            channel.shutdownNow();
        }
    }

    private boolean install(LinkCompleted completed, LinkCode code, ECKeyPair key) {
        LinkBundle bundle;
        try {
            bundle = LinkBundle.parseFrom(LinkSeal.open(
                    key.getPrivateKey(), code, completed.getSealedBundle().toByteArray()));
        } catch (InvalidMessageException | InvalidProtocolBufferException e) {
            say.accept("Nothing was linked: the bundle the server relayed does not open with this device's key and"
                    + " code (changed on the way?).");
            return false;
        }
        Path dir = options.keysDir();
        try {
            Identity.install(
                    dir,
                    bundle.getIdentityKeyPair().toByteArray(),
                    bundle.getSigningKey().toByteArray(),
                    bundle.getAgreementKey().toByteArray());
            writeIfAny(dir.resolve(PeerKeyStore.FILE_NAME), bundle.getKnownIdentities());
            writeIfAny(dir.resolve(GroupBook.FILE_NAME), bundle.getKnownGroups());
            Path servers = ClientOptions.knownServers(dir);
            if (!Files.exists(servers)) {
                writeIfAny(servers, bundle.getKnownServers());
            }
            StringBuilder log = new StringBuilder();
            bundle.getMessageLogList().forEach(line -> log.append(line).append('\n'));
            dev.spartan.crypto.PrivateFiles.write(
                    dir.resolve(MessageLog.FILE), log.toString().getBytes(StandardCharsets.UTF_8));
            DeviceKey.write(dir, completed.getDeviceId(), key.getPrivateKey()); // last: the directory is complete
        } catch (IOException e) {
            say.accept("The link completed but " + dir + " could not be written: " + e.getMessage());
            return false;
        }
        say.accept("Linked: this is device " + completed.getDeviceId() + " of " + options.user() + ".");
        return true;
    }

    private static void writeIfAny(Path file, ByteString content) throws IOException {
        if (!content.isEmpty()) {
            dev.spartan.crypto.PrivateFiles.write(file, content.toByteArray());
        }
    }
}
