package dev.spartan.server;

import dev.spartan.auth.AuthInterceptor;
import dev.spartan.auth.Principal;
import dev.spartan.chat.Conversations;
import dev.spartan.chat.DeviceAddresses;
import dev.spartan.chat.Directory;
import dev.spartan.chat.GroupAdmin;
import dev.spartan.chat.Inbox;
import dev.spartan.chat.MessageActions;
import dev.spartan.chat.PreKeys;
import dev.spartan.chat.Refusal;
import dev.spartan.contract.Addresses;
import dev.spartan.contract.ChatIds;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.delivery.StreamSession;
import dev.spartan.proto.AckRequest;
import dev.spartan.proto.AckResponse;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.ChatState;
import dev.spartan.proto.CreateGroupRequest;
import dev.spartan.proto.DeleteMessagesRequest;
import dev.spartan.proto.DeleteMessagesResponse;
import dev.spartan.proto.Event;
import dev.spartan.proto.GetKeysRequest;
import dev.spartan.proto.GetKeysResponse;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupAnswer;
import dev.spartan.proto.HistoryRequest;
import dev.spartan.proto.HistoryResponse;
import dev.spartan.proto.LeaveGroupRequest;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.ListUsersResponse;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PreKeyBundleRequest;
import dev.spartan.proto.PreKeyCountRequest;
import dev.spartan.proto.PreKeyCountResponse;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SendResult;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.proto.TypingEvent;
import dev.spartan.proto.TypingRequest;
import dev.spartan.proto.TypingResponse;
import dev.spartan.proto.UploadPreKeysRequest;
import dev.spartan.ratelimit.Charge;
import dev.spartan.ratelimit.RateLimit;
import dev.spartan.store.MessageStore;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/** The Spartan gRPC service: maps calls onto {@link Conversations}, always as the authenticated caller. */
public final class ChatService extends SpartanGrpc.SpartanImplBase {
    private final Directory directory;
    private final Conversations conversations;
    private final GroupAdmin groups;
    private final Inbox inbox;
    private final MessageStore store;
    private final DeliveryHub hub;
    private final Presence presence;
    private final Executor deliveryExecutor;
    private final PreKeys preKeys;
    private final int sendWindow;
    private final MessageActions actions;
    private final Set<SendStream> sendStreams = ConcurrentHashMap.newKeySet();
    private final DeviceAddresses devices;

    public ChatService(
            Directory directory,
            Conversations conversations,
            GroupAdmin groups,
            Inbox inbox,
            MessageStore store,
            DeliveryHub hub,
            Presence presence,
            Executor deliveryExecutor,
            PreKeys preKeys,
            int sendWindow,
            MessageActions actions) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.conversations = Objects.requireNonNull(conversations, "conversations");
        this.groups = Objects.requireNonNull(groups, "groups");
        this.inbox = Objects.requireNonNull(inbox, "inbox");
        this.store = Objects.requireNonNull(store, "store");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.presence = Objects.requireNonNull(presence, "presence");
        this.deliveryExecutor = Objects.requireNonNull(deliveryExecutor, "deliveryExecutor");
        this.preKeys = Objects.requireNonNull(preKeys, "preKeys");
        this.sendWindow = sendWindow;
        this.actions = Objects.requireNonNull(actions, "actions");
        this.devices = new DeviceAddresses(store);
    }

    @Override
    public void receiveMsg(ReceiveRequest request, StreamObserver<Event> observer) {
        String me = Principal.address(); // each device has its own inbox and stream
        if (!Principal.sessionLive()) {
            observer.onError(Status.UNAUTHENTICATED
                    .withDescription(AuthInterceptor.ENDED)
                    .asRuntimeException());
            return;
        }
        StreamSession session = new StreamSession(
                me,
                inbox.resumeAfter(me, request.getAfterSeq(), request.getStoreEpoch()),
                (ServerCallStreamObserver<Event>) observer,
                store,
                deliveryExecutor,
                ended -> {
                    hub.detach(ended);
                    presence.offline(ended.user());
                });
        presence.online(me);
        hub.attach(session, Principal.session());
        if (!Principal.sessionLive()) {
            // The session ended between the token check and the attach, so its end did not find this stream.
            session.close(Status.UNAUTHENTICATED.withDescription(AuthInterceptor.ENDED));
        }
    }

    /**
     * Counted per message: a resend answered "duplicate", and a refusal that asks the client to encrypt again for
     * the group's new members, give back what they were charged.
     */
    @Override
    @RateLimit("messages")
    public void sendMsg(SendRequest request, StreamObserver<SendAck> response) {
        reply(response, () -> {
            try {
                SendAck ack = conversations.send(Principal.address(), request);
                if (ack.getDuplicate()) {
                    Charge.refundCurrent();
                }
                return ack;
            } catch (Refusal r) {
                if (!r.counted()) {
                    Charge.refundCurrent();
                }
                throw r;
            }
        });
    }

    /**
     * Many sends on one stream, each charged and answered on its own, in order (see {@link SendStream}). The rate
     * limit's charge comes per message in the context of each request.
     */
    @Override
    @RateLimit("messages")
    public StreamObserver<SendRequest> sendStream(StreamObserver<SendResult> response) {
        return SendStream.open(
                Principal.address(),
                (ServerCallStreamObserver<SendResult>) response,
                sendWindow,
                conversations::sendAsync,
                sendStreams);
    }

    /**
     * Ends every open SendStream with {@code status} once the requests it has read are answered: a client keeps its
     * stream for its whole session, so a stopping node ends it rather than wait for it.
     */
    public void endSendStreams(Status status) {
        List.copyOf(sendStreams).forEach(s -> s.end(status));
    }

    @Override
    public void ack(AckRequest request, StreamObserver<AckResponse> response) {
        reply(response, () -> {
            inbox.ack(Principal.address(), request.getSeq(), request.getStoreEpoch());
            return AckResponse.getDefaultInstance();
        });
    }

    @Override
    public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> response) {
        reply(
                response,
                () -> ListUsersResponse.newBuilder()
                        .addAllUsers(directory.users())
                        .addAllOnline(presence.online().stream()
                                .map(Addresses::userOf)
                                .distinct()
                                .toList())
                        .addAllGroups(directory.groupsOf(Principal.current()))
                        .build());
    }

    @Override
    public void getKeys(GetKeysRequest request, StreamObserver<GetKeysResponse> response) {
        reply(response, () -> {
            if (!directory.isUser(request.getUser())) {
                throw Refusal.notFound("there is no user '" + request.getUser() + "'");
            }
            return GetKeysResponse.newBuilder()
                    .setUser(request.getUser())
                    .setKeys(Optional.ofNullable(directory.keys().keysOf(request.getUser()))
                            .orElseThrow(() ->
                                    Refusal.notFound(request.getUser() + " has never logged in, so has no keys yet")))
                    .build();
        });
    }

    @Override
    public void requestChat(ChatRequest request, StreamObserver<ChatState> response) {
        reply(response, () -> conversations.request(Principal.current(), request.getPeer()));
    }

    @Override
    public void answerChat(ChatAnswer request, StreamObserver<ChatState> response) {
        reply(response, () -> conversations.answer(Principal.current(), request.getPeer(), request.getAccept()));
    }

    @Override
    @RateLimit("history")
    public void history(HistoryRequest request, StreamObserver<HistoryResponse> response) {
        reply(response, () -> {
            Conversations.HistoryPage page = conversations.history(
                    Principal.address(),
                    request.getChat(),
                    request.getBeforeSeq(),
                    Integer.toUnsignedLong(request.getLimit()));
            return HistoryResponse.newBuilder()
                    .addAllMessages(page.messages())
                    .setNextBeforeSeq(page.nextBeforeSeq())
                    .build();
        });
    }

    @Override
    @RateLimit("groups")
    public void createGroup(CreateGroupRequest request, StreamObserver<Group> response) {
        reply(
                response,
                () -> groups.create(
                        Principal.current(), request.getName(), request.getMembersList(), request.getStatement()));
    }

    @Override
    @RateLimit("groups")
    public void leaveGroup(LeaveGroupRequest request, StreamObserver<Group> response) {
        reply(response, () -> groups.leave(Principal.current(), request.getName(), request.getStatement()));
    }

    @Override
    @RateLimit("groups")
    public void answerGroup(GroupAnswer request, StreamObserver<Group> response) {
        reply(
                response,
                () -> groups.answer(Principal.current(), request.getName(), request.getJoin(), request.getStatement()));
    }

    @Override
    @RateLimit("prekeys")
    public void uploadPreKeys(UploadPreKeysRequest request, StreamObserver<PreKeyCountResponse> response) {
        reply(
                response,
                () -> PreKeyCountResponse.newBuilder()
                        .setOneTimeCount(preKeys.upload(Principal.address(), request))
                        .build());
    }

    /** Limited per caller: each call uses up one of another user's one-time prekeys. */
    @Override
    @RateLimit("prekeys")
    public void fetchPreKeyBundle(PreKeyBundleRequest request, StreamObserver<PreKeyBundle> response) {
        reply(response, () -> preKeys.bundle(Principal.address(), request.getUser()));
    }

    @Override
    public void preKeyCount(PreKeyCountRequest request, StreamObserver<PreKeyCountResponse> response) {
        reply(
                response,
                () -> PreKeyCountResponse.newBuilder()
                        .setOneTimeCount(preKeys.count(Principal.address()))
                        .build());
    }

    /** Rate limited like History: each call sweeps the store. */
    @Override
    @RateLimit("history")
    public void deleteMessages(DeleteMessagesRequest request, StreamObserver<DeleteMessagesResponse> response) {
        reply(response, () -> {
            actions.delete(Principal.current(), request);
            return DeleteMessagesResponse.getDefaultInstance();
        });
    }

    /** Passed on to readers online on this node, never stored (see {@link MessageActions#typingReaders}). */
    @Override
    public void typing(TypingRequest request, StreamObserver<TypingResponse> response) {
        reply(response, () -> {
            String me = Principal.current();
            List<String> readers = actions.typingReaders(me, request.getChat());
            for (String reader : devices.ofAll(readers)) {
                ChatRef seen = request.getChat().hasGroup() ? request.getChat() : ChatIds.toUser(me);
                hub.passOnHere(
                        reader,
                        Event.newBuilder()
                                .setTyping(TypingEvent.newBuilder().setFrom(me).setChat(seen))
                                .build());
            }
            return TypingResponse.newBuilder().setPassedOn(!readers.isEmpty()).build();
        });
    }

    /** Runs a unary call; what it throws is mapped to a status by {@link StatusMapping}. */
    private static <T> void reply(StreamObserver<T> response, Supplier<T> work) {
        response.onNext(work.get());
        response.onCompleted();
    }
}
