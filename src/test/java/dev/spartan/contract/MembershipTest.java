package dev.spartan.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.proto.MembershipStatement;
import dev.spartan.proto.SignedStatement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;

/** The statement chain of signed membership, with the test vectors PROTOCOL.md quotes. */
class MembershipTest {
    private static final HexFormat HEX = HexFormat.of();

    static final IdentityKeyPair ALICE = pair(0x05);
    static final IdentityKeyPair BOB = pair(0x09);
    static final IdentityKeyPair CHARLIE = pair(0x0a);
    static final Map<String, IdentityKey> KEYS =
            Map.of("alice", ALICE.getPublicKey(), "bob", BOB.getPublicKey(), "charlie", CHARLIE.getPublicKey());
    static final Function<String, Optional<IdentityKey>> LOOKUP = u -> Optional.ofNullable(KEYS.get(u));

    static IdentityKeyPair pair(int fill) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) fill);
        try {
            ECPrivateKey key = new ECPrivateKey(b);
            return new IdentityKeyPair(new IdentityKey(key.publicKey()), key);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    // Frozen vectors (PROTOCOL.md, "Signed membership", Test vectors). XEdDSA signatures are randomized: these are
    // valid ones to verify, a fresh signature of the same bytes differs.
    static final String CREATE = "0a047465616d100120012a05616c6963653205616c6963653203626f623207636861726c6965";
    static final String CREATE_SIGNATURE = "18d1b2684b78a32648d04146d4d2fda739ffe03d2960944f846184301c1ab6a8"
            + "8ee9673a6215941b855d01c8cf5310edff0df7a7d62771b988d41cc73e7be98e";
    static final String CREATE_HASH = "dcf0451b027e2b17463aec54aa966543e0ecfd9319d2cb2de15d2030270ec8fb";
    static final String LEAVE = "0a047465616d10021a20dcf0451b027e2b17463aec54aa966543e0ecfd9319d2cb2de15d2030270ec8fb"
            + "20022a03626f623205616c6963653207636861726c6965";
    static final String LEAVE_SIGNATURE = "3be800d2d64b918d6ef2e5647e58c376d1e0349a71aac74dca56ee5d3024ac45"
            + "e6d95329578c68f7fd753716b22314c05c6193a3f45a33d216c490299d8f838d";
    static final String LEAVE_HASH = "541e8a057c67e4c27972c0d30bd827484b457e47384521c9096205a0e2960565";

    static SignedStatement vector(String statement, String signature) {
        return SignedStatement.newBuilder()
                .setStatement(ByteString.fromHex(statement))
                .setSignature(ByteString.fromHex(signature))
                .build();
    }

    static MembershipStatement parsed(SignedStatement s) throws Membership.Refused {
        return Membership.parse(s);
    }

    @Test
    void theVectorsAreWhatTheCodeMakes() throws Exception {
        assertThat(HEX.formatHex(ALICE.getPublicKey().serialize()))
                .isEqualTo("0550a61409b1ddd0325e9b16b700e719e9772c07000b1bd7786e907c653d20495d");
        assertThat(HEX.formatHex(BOB.getPublicKey().serialize()))
                .isEqualTo("0557db4b359f23ae5e146e4e2512056704722506348c150c14753d0c933d04d421");
        assertThat(HEX.formatHex(CHARLIE.getPublicKey().serialize()))
                .isEqualTo("05f77ff4b10788bfdca62ca0bb160d427cf5762d85f2b5cad6807ec9c3febbde09");
        SignedStatement create = Membership.create(ALICE, "team", "alice", List.of("charlie", "bob"));
        assertThat(HEX.formatHex(create.getStatement().toByteArray())).isEqualTo(CREATE);
        Membership.State s1 = Membership.apply(null, create, "team", LOOKUP);
        assertThat(HEX.formatHex(s1.hash().toByteArray())).isEqualTo(CREATE_HASH);
        SignedStatement leave = Membership.leave(BOB, s1, "bob");
        assertThat(HEX.formatHex(leave.getStatement().toByteArray())).isEqualTo(LEAVE);
        assertThat(HEX.formatHex(Membership.signingInput(new byte[] {1, 2})))
                .isEqualTo("7370617274616e2f6d656d626572736869702f7631000102");
    }

    @Test
    void aValidChainGivesItsLastMembers() throws Exception {
        Membership.State last = Membership.verify(
                List.of(vector(CREATE, CREATE_SIGNATURE), vector(LEAVE, LEAVE_SIGNATURE)), "team", LOOKUP);
        assertThat(last.version()).isEqualTo(2);
        assertThat(last.members()).containsExactly("alice", "charlie");
        assertThat(HEX.formatHex(last.hash().toByteArray())).isEqualTo(LEAVE_HASH);
    }

    @Test
    void aBadSignatureIsRefused() {
        byte[] sig = HEX.parseHex(CREATE_SIGNATURE);
        sig[0] ^= 1;
        assertThatThrownBy(() -> Membership.apply(null, vector(CREATE, HEX.formatHex(sig)), "team", LOOKUP))
                .isInstanceOf(Membership.Refused.class)
                .hasMessage("it is not signed by alice");
        // signed by someone else than the actor it names
        SignedStatement byBob = Membership.sign(BOB, parsedQuietly(CREATE));
        assertThatThrownBy(() -> Membership.apply(null, byBob, "team", LOOKUP)).hasMessage("it is not signed by alice");
        SignedStatement unsigned = vector(CREATE, "");
        assertThatThrownBy(() -> Membership.apply(null, unsigned, "team", LOOKUP))
                .hasMessage("it is not signed by alice");
    }

    @Test
    void aStatementWithAnotherMemberListIsNotTheOneSigned() {
        // the server adds mallory to the CREATE alice signed, keeping her signature
        MembershipStatement ghost = parsedQuietly(CREATE).toBuilder()
                .clearMembers()
                .addAllMembers(List.of("alice", "bob", "charlie", "mallory"))
                .build();
        SignedStatement forged = SignedStatement.newBuilder()
                .setStatement(ghost.toByteString())
                .setSignature(ByteString.fromHex(CREATE_SIGNATURE))
                .build();
        assertThatThrownBy(() -> Membership.apply(null, forged, "team", LOOKUP))
                .hasMessage("it is not signed by alice");
    }

    @Test
    void aBadLinkIsRefused() throws Exception {
        Membership.State s1 = Membership.apply(null, vector(CREATE, CREATE_SIGNATURE), "team", LOOKUP);
        Membership.State other = new Membership.State("team", 1, ByteString.copyFrom(new byte[32]), s1.members());
        assertThatThrownBy(() -> Membership.apply(other, vector(LEAVE, LEAVE_SIGNATURE), "team", LOOKUP))
                .hasMessage("version 2 does not follow version 1 (badly chained)");
        // a statement that skips a version
        SignedStatement skip = Membership.sign(
                BOB,
                parsed(vector(LEAVE, LEAVE_SIGNATURE)).toBuilder().setVersion(3).build());
        assertThatThrownBy(() -> Membership.apply(s1, skip, "team", LOOKUP))
                .hasMessage("version 3 does not follow version 1 (badly chained)");
        // another group's statement
        assertThatThrownBy(() -> Membership.apply(null, vector(CREATE, CREATE_SIGNATURE), "other", LOOKUP))
                .hasMessage("the statement is about group 'team', not other");
    }

    @Test
    void aNonMemberCannotMakeAChange() throws Exception {
        Membership.State s2 = Membership.verify(
                List.of(vector(CREATE, CREATE_SIGNATURE), vector(LEAVE, LEAVE_SIGNATURE)), "team", LOOKUP);
        // bob left: a second LEAVE by bob, properly signed and chained, is by a non-member
        SignedStatement again = Membership.leave(BOB, s2, "bob");
        assertThatThrownBy(() -> Membership.apply(s2, again, "team", LOOKUP)).hasMessage("bob is not a member");
        // a LEAVE that also drops someone else
        MembershipStatement dropsCharlie = parsed(Membership.leave(ALICE, s2, "alice")).toBuilder()
                .clearMembers()
                .build();
        assertThatThrownBy(() -> Membership.apply(s2, Membership.sign(ALICE, dropsCharlie), "team", LOOKUP))
                .hasMessage("the members after alice left are not the members before less alice");
        // only a LEAVE may follow: no second CREATE that adds someone
        MembershipStatement adds = parsed(vector(LEAVE, LEAVE_SIGNATURE)).toBuilder()
                .setActor("alice")
                .setKind(MembershipStatement.Kind.CREATE)
                .build();
        Membership.State s1 = Membership.apply(null, vector(CREATE, CREATE_SIGNATURE), "team", LOOKUP);
        assertThatThrownBy(() -> Membership.apply(s1, Membership.sign(ALICE, adds), "team", LOOKUP))
                .hasMessage("only a LEAVE can follow the first statement");
        // a creator outside the group, and an actor without a known key
        SignedStatement outside = Membership.sign(
                BOB,
                parsedQuietly(CREATE).toBuilder()
                        .setActor("bob")
                        .clearMembers()
                        .addMembers("alice")
                        .addMembers("charlie")
                        .build());
        assertThatThrownBy(() -> Membership.apply(null, outside, "team", LOOKUP))
                .hasMessage("the creator bob is not a member, or is the only one");
        SignedStatement byMallory = Membership.create(pair(0x0b), "team", "mallory", List.of("alice"));
        assertThatThrownBy(() -> Membership.apply(null, byMallory, "team", LOOKUP))
                .hasMessage("there is no identity key of mallory to check it");
    }

    @Test
    void aRollbackIsAnOlderVersion() throws Exception {
        // what a client does with its pinned state: a chain shorter than the pin, or another statement at the pin's
        // version, is not the group's history it saw
        Membership.State pinned = Membership.verify(
                List.of(vector(CREATE, CREATE_SIGNATURE), vector(LEAVE, LEAVE_SIGNATURE)), "team", LOOKUP);
        Membership.State served = Membership.verify(List.of(vector(CREATE, CREATE_SIGNATURE)), "team", LOOKUP);
        assertThat(served.version()).isLessThan(pinned.version());
        assertThat(served.members()).contains("bob");
    }

    @Test
    void unsortedOrRepeatedMembersAreRefused() {
        MembershipStatement repeated =
                parsedQuietly(CREATE).toBuilder().addMembers("charlie").build();
        assertThatThrownBy(() -> Membership.apply(null, Membership.sign(ALICE, repeated), "team", LOOKUP))
                .hasMessage("the members are not sorted names without repeats");
        SignedStatement huge = SignedStatement.newBuilder()
                .setStatement(ByteString.copyFrom(new byte[Membership.MAX_STATEMENT_BYTES + 1]))
                .build();
        assertThatThrownBy(() -> Membership.apply(null, huge, "team", LOOKUP))
                .hasMessage("the statement is 18433 bytes; the limit is 18432");
    }

    private static MembershipStatement parsedQuietly(String hex) {
        try {
            return MembershipStatement.parseFrom(ByteString.fromHex(hex));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
