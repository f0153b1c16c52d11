package dev.spartan.server;

import com.google.protobuf.ByteString;
import dev.spartan.auth.Caller;
import dev.spartan.auth.LoginGate;
import dev.spartan.auth.Principal;
import dev.spartan.chat.Linking;
import dev.spartan.contract.Addresses;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.proto.CompleteLinkRequest;
import dev.spartan.proto.CompleteLinkResponse;
import dev.spartan.proto.DeclineLinkResponse;
import dev.spartan.proto.DeviceInfo;
import dev.spartan.proto.GetLinkRequest;
import dev.spartan.proto.LinkCompleted;
import dev.spartan.proto.LinkEvent;
import dev.spartan.proto.LinkGrpc;
import dev.spartan.proto.LinkOpened;
import dev.spartan.proto.ListDevicesRequest;
import dev.spartan.proto.ListDevicesResponse;
import dev.spartan.proto.OpenLinkRequest;
import dev.spartan.proto.PendingLink;
import dev.spartan.proto.UnlinkDeviceRequest;
import dev.spartan.proto.UnlinkDeviceResponse;
import dev.spartan.store.Device;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gRPC edge of {@link Linking}. The new device's {@code OpenLink} stream holds no thread while it waits: it
 * watches its slot's name on the {@link DeliveryHub}, which any node's answer signals, and ends at the link's
 * expiry at the latest.
 */
public final class LinkService extends LinkGrpc.LinkImplBase {
    /** The method that needs no session token: the new device has none yet. */
    public static final Set<String> OPEN_METHODS =
            Set.of(LinkGrpc.getOpenLinkMethod().getFullMethodName());

    /** Runs the waits' looks at the store and their expiries. */
    private static final ScheduledExecutorService EXPIRY = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "link-waits");
        t.setDaemon(true);
        return t;
    });

    private final Linking linking;
    private final DeliveryHub hub;
    private final LoginGate gate;
    private final Clock clock;
    private final DeviceSessions sessions;

    public LinkService(Linking linking, DeliveryHub hub, LoginGate gate, Clock clock) {
        this(linking, hub, gate, clock, (address) -> {});
    }

    /**
     * @param sessions ends an unlinked device's sessions and streams on every node
     */
    public LinkService(Linking linking, DeliveryHub hub, LoginGate gate, Clock clock, DeviceSessions sessions) {
        this.linking = Objects.requireNonNull(linking, "linking");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
    }

    /** Ends the sessions of an unlinked device: here at once, and on every other node through the cluster bus. */
    public interface DeviceSessions {
        void unlinked(String address);
    }

    @Override
    public void listDevices(ListDevicesRequest request, StreamObserver<ListDevicesResponse> observer) {
        String user = Principal.current();
        ListDevicesResponse.Builder out = ListDevicesResponse.newBuilder();
        out.addDevices(DeviceInfo.newBuilder()
                .setId(1)
                .setAddress(user)
                .setName("primary")
                .setLastSeenMillis(linking.lastSeen(user)));
        for (Device d : linking.devices(user)) {
            String address = Addresses.of(user, d.id());
            out.addDevices(DeviceInfo.newBuilder()
                    .setId(d.id())
                    .setAddress(address)
                    .setName(d.name())
                    .setCreatedAtMillis(d.createdMillis())
                    .setLastSeenMillis(linking.lastSeen(address)));
        }
        observer.onNext(out.build());
        observer.onCompleted();
    }

    @Override
    public void unlinkDevice(UnlinkDeviceRequest request, StreamObserver<UnlinkDeviceResponse> observer) {
        String address = linking.unlink(Principal.address(), request.getDeviceId());
        sessions.unlinked(address);
        observer.onNext(UnlinkDeviceResponse.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void openLink(OpenLinkRequest request, StreamObserver<LinkEvent> observer) {
        // A link is a way into an account, so it is admitted as a login challenge is: per address and user.
        gate.admit(Caller.current(), request.getUser());
        Linking.Opened opened =
                linking.open(request.getUser(), request.getDeviceKey().toByteArray(), request.getDeviceName());
        ServerCallStreamObserver<LinkEvent> stream = (ServerCallStreamObserver<LinkEvent>) observer;
        new Wait(opened, request.getUser(), stream).start();
    }

    @Override
    public void getLink(GetLinkRequest request, StreamObserver<PendingLink> observer) {
        dev.spartan.store.PendingLink link =
                linking.pending(Principal.current(), request.getSlot().toByteArray());
        observer.onNext(PendingLink.newBuilder()
                .setDeviceKey(ByteString.copyFrom(link.deviceKey()))
                .setDeviceName(link.deviceName())
                .setExpiresAtMillis(link.expiresMillis())
                .build());
        observer.onCompleted();
    }

    @Override
    public void completeLink(CompleteLinkRequest request, StreamObserver<CompleteLinkResponse> observer) {
        Device device = linking.complete(
                Principal.current(),
                request.getSlot().toByteArray(),
                request.getSealedBundle().toByteArray());
        observer.onNext(
                CompleteLinkResponse.newBuilder().setDeviceId(device.id()).build());
        observer.onCompleted();
    }

    @Override
    public void declineLink(GetLinkRequest request, StreamObserver<DeclineLinkResponse> observer) {
        linking.decline(Principal.current(), request.getSlot().toByteArray());
        observer.onNext(DeclineLinkResponse.getDefaultInstance());
        observer.onCompleted();
    }

    /** One new device's wait for its link's answer: the answer, a refusal, the expiry or a cancel ends it once. */
    private final class Wait {
        private final Linking.Opened opened;
        private final String user;
        private final ServerCallStreamObserver<LinkEvent> stream;
        private final String name;
        private final AtomicBoolean ended = new AtomicBoolean();
        private final Runnable signalled = this::signalled;
        private volatile ScheduledFuture<?> expiry;

        Wait(Linking.Opened opened, String user, ServerCallStreamObserver<LinkEvent> stream) {
            this.opened = opened;
            this.user = user;
            this.stream = stream;
            this.name = Linking.waitName(opened.slot());
        }

        void start() {
            stream.setOnCancelHandler(() -> end(null, null));
            stream.onNext(LinkEvent.newBuilder()
                    .setOpened(LinkOpened.newBuilder()
                            .setSlot(ByteString.copyFrom(opened.slot()))
                            .setExpiresAtMillis(opened.expiresMillis()))
                    .build());
            hub.watch(name, signalled);
            long left = Math.max(0, opened.expiresMillis() - clock.millis());
            expiry = EXPIRY.schedule(this::expire, left, TimeUnit.MILLISECONDS);
            look(); // an answer may have come before the watch
        }

        /** Signals come on threads that must not block (the bus's Redis listener): the store is read on ours. */
        private void signalled() {
            EXPIRY.execute(this::look);
        }

        private void look() {
            if (ended.get()) {
                return;
            }
            linking.state(opened.slot()).ifPresent(link -> {
                switch (link.state()) {
                    case OPEN -> {}
                    case COMPLETED ->
                        end(
                                LinkEvent.newBuilder()
                                        .setCompleted(LinkCompleted.newBuilder()
                                                .setDeviceId(link.deviceId())
                                                .setSealedBundle(ByteString.copyFrom(link.sealedBundle())))
                                        .build(),
                                null);
                    case DECLINED ->
                        end(
                                null,
                                Status.FAILED_PRECONDITION.withDescription(
                                        "the link was declined on a device where " + user + " is signed in"));
                }
            });
        }

        private void expire() {
            if (linking.state(opened.slot()).isEmpty()) {
                end(
                        null,
                        Status.DEADLINE_EXCEEDED.withDescription("no device of " + user + " answered within "
                                + Linking.LIFETIME.toMinutes() + " minutes: start the client with --link again"));
            } else {
                look(); // this node's clock ran ahead of the store's: the answer decides
                expiry = EXPIRY.schedule(this::expire, 1, TimeUnit.SECONDS);
            }
        }

        /** Ends the wait once: with a last event, a status, or quietly (the caller went away). */
        private void end(LinkEvent last, Status status) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            hub.unwatch(name, signalled);
            ScheduledFuture<?> pending = expiry;
            if (pending != null) {
                pending.cancel(false);
            }
            if (stream.isCancelled()) {
                return;
            }
            synchronized (stream) {
                if (last != null) {
                    stream.onNext(last);
                    stream.onCompleted();
                } else if (status != null) {
                    stream.onError(status.asRuntimeException());
                }
            }
        }
    }
}
