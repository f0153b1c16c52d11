package dev.spartan.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

class RedisKeysTest {
    private final RedisKeys cluster = RedisKeys.CLUSTER;

    @Test
    void oneRedisKeepsTheNamesOfLayoutTwo() {
        assertThat(RedisKeys.SINGLE.ofUser("inbox", "bob")).isEqualTo("sp:inbox:bob");
        assertThat(RedisKeys.SINGLE.userHash("acked", "bob")).isEqualTo("sp:acked");
        assertThat(RedisKeys.SINGLE.ofConversation("chatlog", "dm:alice|bob")).isEqualTo("sp:chatlog:dm:alice|bob");
        assertThat(RedisKeys.SINGLE.conversationHash("pairs", "alice|bob")).isEqualTo("sp:pairs");
    }

    @Test
    void aConversationIsOneSlotWhateverNamesIt() {
        int pair = SlotHash.getSlot(cluster.ofConversation("lock", "alice|bob"));
        assertThat(SlotHash.getSlot(cluster.ofConversation("chatlog", "dm:alice|bob")))
                .isEqualTo(pair);
        assertThat(SlotHash.getSlot(cluster.conversationHash("pairs", "alice|bob")))
                .isEqualTo(pair);
        assertThat(SlotHash.getSlot(cluster.inConversation("sent", "alice|bob", "alice:m1")))
                .isEqualTo(pair);

        int group = SlotHash.getSlot(cluster.ofConversation("lock", "group:g1"));
        assertThat(SlotHash.getSlot(cluster.ofConversation("chatlog", "group:g1@7")))
                .isEqualTo(group);
        assertThat(SlotHash.getSlot(cluster.conversationHash("groupver", "group:g1")))
                .isEqualTo(group);
        assertThat(SlotHash.getSlot(cluster.inConversation("hold", "group:g1", "g1")))
                .isEqualTo(group);
    }

    @Test
    void aUsersKeysShareItsSlotAndReadBackToTheirIds() {
        int bob = SlotHash.getSlot(cluster.ofUser("inbox", "bob"));
        assertThat(SlotHash.getSlot(cluster.ofUser("inboxseq", "bob"))).isEqualTo(bob);
        assertThat(SlotHash.getSlot(cluster.userHash("acked", "bob"))).isEqualTo(bob);
        assertThat(SlotHash.getSlot("sp:rate:" + cluster.user("bob"))).isEqualTo(bob);
        assertThat(RedisKeys.idIn("inbox", cluster.ofUser("inbox", "bob"))).isEqualTo("bob");
        assertThat(RedisKeys.idIn("chatlog", cluster.ofConversation("chatlog", "dm:alice|bob")))
                .isEqualTo("dm:alice|bob");
        assertThat(RedisKeys.idIn("hold", RedisKeys.SINGLE.ofConversation("hold", "alice|bob")))
                .isEqualTo("alice|bob");
    }
}
