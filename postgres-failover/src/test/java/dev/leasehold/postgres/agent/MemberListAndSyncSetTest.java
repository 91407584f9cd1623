package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The two Lease annotations that share one JSON-object reader: what they write reads back, bad text is named, and
 * the holder writes the member list again only when it changes.
 */
class MemberListAndSyncSetTest {

    @Test
    void whatIsWrittenReadsBack() {
        MemberList list = new MemberList(Set.of("pg-1", "pg-0"), Duration.ofMillis(1500));
        assertThat(MemberList.read(list.write())).isEqualTo(list);
        SyncSet set = new SyncSet("ANY", 1, List.of("pg-2", "pg-1"), true);
        assertThat(SyncSet.read(set.write())).isEqualTo(set);
    }

    @Test
    void textThatIsNotOneJsonObjectIsRejectedAsSuch() {
        assertThatThrownBy(() -> MemberList.read("{oops")).hasMessage("not JSON");
        assertThatThrownBy(() -> MemberList.read("[1]")).hasMessage("not a JSON object");
        assertThatThrownBy(() -> SyncSet.read("{oops")).hasMessage("not JSON: {oops");
        assertThatThrownBy(() -> SyncSet.read("x".repeat(70))).hasMessage("not JSON: " + "x".repeat(57) + "...");
        assertThatThrownBy(() -> SyncSet.read("\"text\"")).hasMessage("not a JSON object");
    }

    @Test
    void aWrongFieldIsNamedWithItsValue() {
        assertThatThrownBy(() -> MemberList.read("{\"members\": [\"Bad Name\"], \"offListAfterMs\": 1}"))
                .hasMessage("field members: \"Bad Name\" is not a member name");
        assertThatThrownBy(() -> SyncSet.read("{\"method\": \"ANY\", \"count\": \"one\", \"members\": []}"))
                .hasMessage("field count = \"one\" must be an integer");
    }

    @Test
    void theHolderWritesTheMemberListAgainOnlyWhenTheMembersChange() {
        LeaseAnnotations.WrittenMembers written = new LeaseAnnotations.WrittenMembers();
        MemberList two = new MemberList(Set.of("pg-0", "pg-1"), Duration.ofMillis(1500));
        String first = written.text(two);
        assertThat(first).isEqualTo(two.write());
        assertThat(written.text(new MemberList(Set.of("pg-1", "pg-0"), Duration.ofMillis(1500))))
                .as("the same members, listed anew: the text written before").isSameAs(first);
        String grown = written.text(new MemberList(Set.of("pg-0", "pg-1", "pg-2"), Duration.ofMillis(1500)));
        assertThat(MemberList.read(grown).names()).containsExactlyInAnyOrder("pg-0", "pg-1", "pg-2");
        assertThat(MemberList.read(written.text(two)).names()).containsExactlyInAnyOrder("pg-0", "pg-1");
    }
}
