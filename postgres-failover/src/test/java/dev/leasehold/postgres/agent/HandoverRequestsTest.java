package dev.leasehold.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Requests in the Lease to end a primary's term: acted on once, stale and garbage ones ignored. */
class HandoverRequestsTest {
    private static final Instant NOW = Instant.parse("2026-11-30T05:00:00Z");

    private static String request(String to, Instant at) {
        return "{\"to\": " + (to == null ? "null" : "\"" + to + "\"") + ", \"requestedBy\": \"cli\", \"requestedAt\": \""
                + at + "\"}";
    }

    @Test
    void aFreshRequestIsActedOnOnceAndThenCountsAsHandled() {
        HandoverRequests r = new HandoverRequests("pg-0");
        String text = request("pg-2", NOW.minusSeconds(5));
        assertThat(r.handled(text)).isFalse();
        assertThat(r.next(text, Optional.empty(), NOW)).contains(Optional.of("pg-2"));
        assertThat(r.handled(text)).isTrue();
        assertThat(r.next(text, Optional.empty(), NOW)).as("the same request again").isEmpty();
    }

    @Test
    void anEmptyOrNullTargetMeansTheBestMember() {
        assertThat(new HandoverRequests("pg-0").next(request("", NOW), Optional.empty(), NOW))
                .contains(Optional.empty());
        assertThat(new HandoverRequests("pg-0").next(request(null, NOW), Optional.empty(), NOW))
                .contains(Optional.empty());
    }

    @Test
    void staleRequestsRequestsNamingTheHolderAndGarbageAreIgnoredButCleared() {
        HandoverRequests r = new HandoverRequests("pg-0");
        String stale = request("pg-1", NOW.minusSeconds(61));
        assertThat(r.next(stale, Optional.empty(), NOW)).isEmpty();
        assertThat(r.handled(stale)).isTrue();
        String self = request("pg-0", NOW);
        assertThat(r.next(self, Optional.empty(), NOW)).isEmpty();
        assertThat(r.handled(self)).isTrue();
        for (String garbage : new String[] {"nope", "[]", "{\"to\": 1, \"requestedAt\": \"2026-11-30T05:00:00Z\"}",
                "{\"to\": \"pg-1\"}", "{\"to\": \"pg-1\", \"requestedAt\": \"yesterday\"}"}) {
            assertThat(r.next(garbage, Optional.empty(), NOW)).as(garbage).isEmpty();
            assertThat(r.handled(garbage)).as(garbage).isTrue();
        }
        assertThat(r.next("", Optional.empty(), NOW)).isEmpty();
        assertThat(r.handled("")).isFalse();
    }

    @Test
    void aPreferredHolderNamingAnotherMemberEndsTheTermOncePerName() {
        HandoverRequests r = new HandoverRequests("pg-0");
        assertThat(r.next("", Optional.of("pg-0"), NOW)).as("preferring the holder itself").isEmpty();
        assertThat(r.next("", Optional.of("pg-1"), NOW)).contains(Optional.of("pg-1"));
        assertThat(r.next("", Optional.of("pg-1"), NOW)).isEmpty();
        assertThat(r.next("", Optional.of("pg-2"), NOW)).contains(Optional.of("pg-2"));
    }

    @Test
    void aSwitchoverRequestAlreadyOnTheLeaseWhenTheTermBeganIsClearedNotActedOn() {
        HandoverRequests r = new HandoverRequests("pg-0");
        String old = request(null, NOW);
        r.term(7, Optional.empty(), old);
        assertThat(r.handled(old)).as("cleared by the new primary's renews").isTrue();
        assertThat(r.next(old, Optional.empty(), NOW)).isEmpty();
        String fresh = request("pg-1", NOW);
        assertThat(r.next(fresh, Optional.empty(), NOW)).as("a request made during the term")
                .contains(Optional.of("pg-1"));
    }

    @Test
    void aPreferredHolderLeftOnTheLeaseWhenTheTermBeganIsNoRequest() {
        HandoverRequests r = new HandoverRequests("pg-0");
        r.term(5, Optional.of("pg-1"), "");
        assertThat(r.next("", Optional.of("pg-1"), NOW)).isEmpty();
        r.term(5, Optional.of("pg-2"), "");
        assertThat(r.next("", Optional.of("pg-2"), NOW)).as("set during the term").contains(Optional.of("pg-2"));
    }

    @Test
    void theRequestParserNamesTheFieldAndTheValue() {
        assertThatThrownBy(() -> SwitchoverRequest.parse("{\"to\": \"pg-1\", \"requestedAt\": \"yesterday\"}"))
                .hasMessageContaining("requestedAt").hasMessageContaining("yesterday");
        assertThatThrownBy(() -> SwitchoverRequest.parse("{\"to\": 7, \"requestedAt\": \"2026-11-30T05:00:00Z\"}"))
                .hasMessageContaining("to = 7");
        assertThat(SwitchoverRequest.parse("")).isEmpty();
    }
}
