package dev.spartan.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.proto.GroupView;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupViewsTest {
    /** PROTOCOL.md, "Group views": the vector there. */
    @Test
    void theHashIsTheDocumentedOne() {
        GroupView v = GroupViews.of("group1", 0, List.of("eve", "alice", "charlie", "bob"));
        assertThat(v.getMembersList()).containsExactly("alice", "bob", "charlie", "eve");
        assertThat(HexFormat.of().formatHex(v.getMembersHash().toByteArray()))
                .isEqualTo("08f9983662d471416bc714818b668e4a78e08aac54f020e83a276a2d66d32088");
        assertThat(GroupViews.wellFormed("group1", v)).isTrue();
        assertThat(GroupViews.wellFormed("group2", v))
                .as("the group is in the hash")
                .isFalse();
        assertThat(GroupViews.wellFormed(
                        "group1", v.toBuilder().addMembers("mallory").build()))
                .isFalse();
    }

    @Test
    void versionAndMembersEachChangeTheHash() {
        GroupView base = GroupViews.of("team", 1, List.of("alice", "bob"));
        assertThat(GroupViews.of("team", 2, List.of("alice", "bob")).getMembersHash())
                .isNotEqualTo(base.getMembersHash());
        assertThat(GroupViews.of("team", 1, List.of("alice", "bob", "eve")).getMembersHash())
                .isNotEqualTo(base.getMembersHash());
        // a name boundary cannot be moved: "ab","c" is not "a","bc"
        assertThat(GroupViews.hash("g", 1, List.of("ab", "c")))
                .isNotEqualTo(GroupViews.hash("g", 1, List.of("a", "bc")));
    }

    @Test
    void theDifferenceNamesWhoIsAddedAndWhoIsMissing() {
        GroupView mine = GroupViews.of("group1", 0, List.of("alice", "bob", "charlie", "eve"));
        GroupView theirs = GroupViews.of("group1", 0, List.of("alice", "charlie", "eve", "mallory"));
        assertThat(GroupViews.difference(theirs, mine)).isEqualTo("+mallory,-bob");
        assertThat(GroupViews.difference(mine, theirs)).isEqualTo("+bob,-mallory");
        assertThat(GroupViews.difference(GroupViews.of("t", 3, List.of("a")), GroupViews.of("t", 2, List.of("a"))))
                .isEqualTo("version 3, yours 2");
        GroupView forged = mine.toBuilder()
                .setMembersHash(theirs.getMembersHash())
                .build(); // the reader's own list and version, another hash
        assertThat(GroupViews.difference(forged, mine))
                .isEqualTo("a view whose hash is not that of its own members and version");
    }
}
