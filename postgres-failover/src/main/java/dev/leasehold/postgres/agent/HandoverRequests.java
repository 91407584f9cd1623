package dev.leasehold.postgres.agent;

import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a primary makes of the requests others leave in the Lease to end its term: the annotation
 * {@value ClusterView#SWITCHOVER_REQUEST} (acted on once, when younger than {@link SwitchoverRequest#MAX_AGE}
 * and not naming this member) and {@code spec.preferredHolder} naming another member (acted on once per name).
 * Used by the agent's loop thread only.
 */
final class HandoverRequests {
    private static final Logger LOG = LoggerFactory.getLogger(HandoverRequests.class);

    private final String self;
    private String handledRequest = "";
    private String handledPreferred = "";
    private long term = -1;

    HandoverRequests(String self) {
        this.self = self;
    }

    /**
     * Notes the term this member leads: a preferred holder already on the Lease when the term begins is left over
     * from the release before it (an acquisition keeps a preferred holder that is not the acquirer), not a request
     * to this term; likewise a switchover request already in the Lease was meant for the term before (the new
     * primary clears it with its renews, so it is not acted on again). Limit: a request naming that same member
     * during the term, or written between the acquisition and the first loop tick of the term, is not seen.
     */
    void term(long current, Optional<String> preferredHolder, String requestText) {
        if (current != term) {
            term = current;
            handledPreferred = preferredHolder.orElse("");
            handledRequest = requestText;
        }
    }

    /**
     * The handover asked for, if any and not acted on before: the outer optional says whether to hand over, the
     * inner one to whom (empty: the best member). Garbage in the annotation is logged once and ignored.
     */
    Optional<Optional<String>> next(String requestText, Optional<String> preferredHolder, Instant now) {
        if (!requestText.isEmpty() && !requestText.equals(handledRequest)) {
            handledRequest = requestText;
            try {
                Optional<SwitchoverRequest> r = SwitchoverRequest.parse(requestText);
                if (r.isPresent() && !r.get().fresh(now)) {
                    LOG.info("{}: ignoring the switchover request of {} made at {}: older than {}", self,
                            r.get().requestedBy(), r.get().requestedAt(), SwitchoverRequest.MAX_AGE);
                } else if (r.isPresent() && !r.get().to().equals(Optional.of(self))) {
                    LOG.info("{}: switchover requested by {} in the Lease (to {})", self, r.get().requestedBy(),
                            r.get().to().orElse("the best member"));
                    return Optional.of(r.get().to());
                }
            } catch (IllegalArgumentException e) {
                LOG.warn("{}: ignoring Lease annotation {}: {}", self, ClusterView.SWITCHOVER_REQUEST, e.getMessage());
            }
        }
        Optional<String> preferred = preferredHolder.filter(p -> !p.equals(self));
        if (preferred.isPresent() && !preferred.get().equals(handledPreferred)) {
            handledPreferred = preferred.get();
            LOG.info("{}: the Lease prefers {} as holder: handing over", self, preferred.get());
            return Optional.of(preferred);
        }
        return Optional.empty();
    }

    /** Whether {@code requestText} was seen and dealt with here: the holder then clears it with its writes. */
    boolean handled(String requestText) {
        return !requestText.isEmpty() && requestText.equals(handledRequest);
    }
}
