package dev.spartan.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.ListUsersResponse;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendRequest;
import dev.spartan.tls.ServerCertificate;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A malicious TLS-terminating proxy in front of a {@code --plaintext --proxy-cert} node, the lying server of the
 * tests: it forwards every call, and on the way back adds {@code ghost} to the member list of the groups it names,
 * wherever a group reaches the client (the login, ListUsers, CreateGroup and group change events). It keeps every
 * message the client sends, so a test can see whom they were encrypted for. With no groups named it is an honest
 * proxy until {@link #rewrite} says otherwise. It knows each call's user (from the session token its login
 * answered), so a test can lie to one user only ({@link #rewriteFor}) and carry one reader's copy of a message past
 * the node straight into that reader's stream ({@link #divert}).
 */
public final class GhostProxy implements AutoCloseable {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel upstream;
    private final Server server;
    private final Set<String> groups;
    private final String ghost;
    private final List<SendRequest> sent = new CopyOnWriteArrayList<>();
    private volatile UnaryOperator<Group> rewrite;
    private final Map<String, UnaryOperator<Group>> rewriteFor = new ConcurrentHashMap<>();
    private final Map<String, String> userOfToken = new ConcurrentHashMap<>();
    private final Map<String, ServerCall<byte[], byte[]>> streams = new ConcurrentHashMap<>();
    // "sender\ngroup" -> the reader whose copy goes around the node
    private final Map<String, String> diversions = new ConcurrentHashMap<>();
    private final Map<String, Forgery> forgeries = new ConcurrentHashMap<>();

    /** Makes up an answer: from the method, the request and the node's true answer (serialized messages). */
    @FunctionalInterface
    public interface Forgery {
        byte[] answer(String method, byte[] request, byte[] truth) throws InvalidProtocolBufferException;
    }

    /** @param certificate what the proxy presents to clients; the node must be started with it as --proxy-cert */
    public GhostProxy(ServerCertificate certificate, int upstreamPort, Set<String> groups, String ghost) {
        this.groups = Set.copyOf(groups);
        this.ghost = ghost;
        this.rewrite = groups.isEmpty() ? UnaryOperator.identity() : this::haunt;
        this.upstream = Grpc.newChannelBuilderForAddress("127.0.0.1", upstreamPort, InsecureChannelCredentials.create())
                .build();
        try {
            this.server = Grpc.newServerBuilderForPort(0, certificate.credentials())
                    .fallbackHandlerRegistry(new HandlerRegistry() {
                        @Override
                        public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
                            MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.newBuilder(
                                            RawCalls.RAW, RawCalls.RAW)
                                    .setFullMethodName(method)
                                    .setType(MethodDescriptor.MethodType.UNKNOWN)
                                    .build();
                            return ServerMethodDefinition.create(descriptor, relay(descriptor));
                        }
                    })
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getPort();
    }

    /** From now on, changes every group on its way to the client with {@code f} instead. */
    public void rewrite(UnaryOperator<Group> f) {
        this.rewrite = f;
    }

    /** From now on, changes every group on its way to {@code user}'s client with {@code f} (before any other). */
    public void rewriteFor(String user, UnaryOperator<Group> f) {
        rewriteFor.put(user, f);
    }

    /**
     * From now on, takes {@code reader}'s copy out of {@code sender}'s messages to {@code group} (the node would
     * refuse a reader it does not count) and hands it to {@code reader}'s client on its open stream, as the node
     * would a message: a server that hid {@code reader}'s leave from {@code sender}.
     */
    public void divert(String sender, String group, String reader) {
        diversions.put(sender + "\n" + group, reader);
    }

    /** From now on, every answer to {@code user}'s calls is what {@code f} makes of it (before the group rewrites). */
    public void forge(String user, Forgery f) {
        if (f == null) {
            forgeries.remove(user);
        } else {
            forgeries.put(user, f);
        }
    }

    /** Every SendRequest the client sent through this proxy (SendMsg and SendStream), in order. */
    public List<SendRequest> sent() {
        return List.copyOf(sent);
    }

    private ServerCallHandler<byte[], byte[]> relay(MethodDescriptor<byte[], byte[]> method) {
        String name = method.getFullMethodName();
        return (serverCall, headers) -> {
            String token = String.valueOf(headers.get(AUTHORIZATION)).replaceFirst("^Bearer ", "");
            String[] loginUser = {userOfToken.getOrDefault(token, "")};
            byte[][] request = {new byte[0]}; // the last request of the call, for a forgery
            if (name.endsWith("/ReceiveMsg") && !loginUser[0].isEmpty()) {
                streams.put(loginUser[0], serverCall);
            }
            ClientCall<byte[], byte[]> clientCall = upstream.newCall(method, CallOptions.DEFAULT);
            clientCall.start(
                    new ClientCall.Listener<>() {
                        @Override
                        public void onHeaders(Metadata responseHeaders) {
                            serverCall.sendHeaders(responseHeaders);
                        }

                        @Override
                        public void onMessage(byte[] message) {
                            byte[] answer = answer(name, loginUser[0], forged(name, loginUser[0], request[0], message));
                            synchronized (serverCall) {
                                serverCall.sendMessage(answer);
                            }
                            clientCall.request(1);
                        }

                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            serverCall.close(status, trailers);
                        }
                    },
                    headers);
            clientCall.request(1);
            serverCall.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                    request[0] = message;
                    byte[] forward = message;
                    if (name.endsWith("/SendMsg") || name.endsWith("/SendStream")) {
                        try {
                            SendRequest r = SendRequest.parseFrom(message);
                            sent.add(r);
                            forward = divert(loginUser[0], r).toByteArray();
                        } catch (InvalidProtocolBufferException e) {
                            // not a send the client could have made: passed on as it is
                        }
                    } else if (name.equals("spartan.v1.Auth/Login")) {
                        try {
                            loginUser[0] = LoginRequest.parseFrom(message).getUser();
                        } catch (InvalidProtocolBufferException e) {
                            // passed on as it is
                        }
                    }
                    clientCall.sendMessage(forward);
                    serverCall.request(1);
                }

                @Override
                public void onHalfClose() {
                    clientCall.halfClose();
                }

                @Override
                public void onCancel() {
                    clientCall.cancel("the client cancelled", null);
                }
            };
        };
    }

    private byte[] forged(String method, String user, byte[] request, byte[] truth) {
        Forgery f = forgeries.get(user);
        if (f == null) {
            return truth;
        }
        try {
            return f.answer(method, request, truth);
        } catch (InvalidProtocolBufferException e) {
            return truth;
        }
    }

    /** The request as the node gets it: a diverted reader's copy goes straight to the reader's stream instead. */
    private SendRequest divert(String sender, SendRequest r) {
        String reader = diversions.get(sender + "\n" + r.getTo().getGroup());
        if (reader == null || !r.getSealed().getCiphertextsMap().containsKey(reader)) {
            return r;
        }
        ServerCall<byte[], byte[]> stream = streams.get(reader);
        if (stream != null) {
            Event e = Event.newBuilder()
                    .setMessage(ChatMessage.newBuilder()
                            .setMessageId(r.getMessageId())
                            .setSender(sender)
                            .setChat(r.getTo())
                            .setSentAtMillis(System.currentTimeMillis())
                            .setSealed(Sealed.newBuilder()
                                    .putCiphertexts(
                                            reader,
                                            r.getSealed().getCiphertextsMap().get(reader))))
                    .build(); // seq 0: outside the reader's numbered events, which the node keeps
            synchronized (stream) {
                stream.sendMessage(e.toByteArray());
            }
        }
        SendRequest.Builder b = r.toBuilder();
        b.getSealedBuilder().removeCiphertexts(reader);
        return b.build();
    }

    private byte[] answer(String method, String user, byte[] message) {
        UnaryOperator<Group> global = rewrite;
        UnaryOperator<Group> own = rewriteFor.getOrDefault(user, UnaryOperator.identity());
        UnaryOperator<Group> haunt = g -> global.apply(own.apply(g));
        try {
            if (method.equals("spartan.v1.Auth/Login")) {
                LoginResponse r = LoginResponse.parseFrom(message);
                if (!user.isEmpty()) {
                    userOfToken.put(r.getSessionToken(), user); // the login call's user, from its request
                }
                LoginResponse.Builder b = r.toBuilder().clearGroups();
                r.getGroupsList().forEach(g -> b.addGroups(haunt.apply(g)));
                return b.build().toByteArray();
            }
            if (method.equals("spartan.v1.Spartan/ListUsers")) {
                ListUsersResponse r = ListUsersResponse.parseFrom(message);
                ListUsersResponse.Builder b = r.toBuilder().clearGroups();
                r.getGroupsList().forEach(g -> b.addGroups(haunt.apply(g)));
                return b.build().toByteArray();
            }
            if (method.equals("spartan.v1.Spartan/CreateGroup")) {
                return haunt.apply(Group.parseFrom(message)).toByteArray();
            }
            if (method.equals("spartan.v1.Spartan/ReceiveMsg")) {
                Event e = Event.parseFrom(message);
                if (e.hasGroupChanged() && !e.getGroupChanged().getRemoved()) {
                    Event.Builder b = e.toBuilder();
                    b.getGroupChangedBuilder()
                            .setGroup(haunt.apply(e.getGroupChanged().getGroup()));
                    return b.build().toByteArray();
                }
            }
        } catch (InvalidProtocolBufferException e) {
            return message;
        }
        return message;
    }

    private Group haunt(Group g) {
        return groups.contains(g.getName()) && !g.getMembersList().contains(ghost)
                ? g.toBuilder().addMembers(ghost).build()
                : g;
    }

    @Override
    public void close() {
        server.shutdownNow();
        upstream.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
            upstream.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
