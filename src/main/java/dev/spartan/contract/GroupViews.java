package dev.spartan.contract;

import com.google.protobuf.ByteString;
import dev.spartan.proto.GroupView;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The group a group message was encrypted for, carried inside the encryption (PROTOCOL.md, "Group views"): two
 * members whose clients were shown different member lists by the server see it at the first message between them.
 */
public final class GroupViews {
    public static final String LABEL = "spartan/group-view/v1";

    private GroupViews() {}

    /** The view of a group at {@code version} (0 for a config group) with these members, sorted and hashed. */
    public static GroupView of(String group, long version, Collection<String> members) {
        List<String> sorted = sorted(members);
        return GroupView.newBuilder()
                .setVersion(version)
                .addAllMembers(sorted)
                .setMembersHash(hash(group, version, sorted))
                .build();
    }

    /**
     * SHA-256 of {@code LABEL 0x00 u32(len group) group u64(version) u32(count) (u32(len m) m)*}, big-endian lengths
     * in bytes of UTF-8, the members sorted by their UTF-8 bytes without repeats.
     */
    public static ByteString hash(String group, long version, Collection<String> members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(LABEL.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        field(out, group);
        out.writeBytes(ByteBuffer.allocate(8).putLong(version).array());
        List<String> sorted = sorted(members);
        out.writeBytes(ByteBuffer.allocate(4).putInt(sorted.size()).array());
        sorted.forEach(m -> field(out, m));
        try {
            return ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** True if the view's hash is the hash of its own version and members (else it is garbled or forged). */
    public static boolean wellFormed(String group, GroupView view) {
        return view.getMembersHash().equals(hash(group, view.getVersion(), view.getMembersList()));
    }

    /**
     * What {@code theirs} has that {@code mine} lacks ({@code +name}) and the other way round ({@code -name}), comma
     * separated; if the members agree and only the versions differ, the two versions.
     */
    public static String difference(GroupView theirs, GroupView mine) {
        List<String> out = new ArrayList<>();
        for (String m : sorted(theirs.getMembersList())) {
            if (!mine.getMembersList().contains(m)) {
                out.add("+" + m);
            }
        }
        for (String m : sorted(mine.getMembersList())) {
            if (!theirs.getMembersList().contains(m)) {
                out.add("-" + m);
            }
        }
        if (out.isEmpty() && theirs.getVersion() == mine.getVersion()) {
            return "a view whose hash is not that of its own members and version"; // forged or corrupted
        }
        if (out.isEmpty()) {
            return "version " + theirs.getVersion() + ", yours " + mine.getVersion();
        }
        return String.join(",", out);
    }

    private static List<String> sorted(Collection<String> members) {
        TreeSet<String> set = new TreeSet<>(Membership::compare);
        set.addAll(members);
        return List.copyOf(set);
    }

    private static void field(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
        out.writeBytes(b);
    }
}
