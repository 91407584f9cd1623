package dev.leasehold.core.internal;

import dev.leasehold.core.Leadership;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The futures waiting for an elector's next term ({@code nextLeadership()}): completed through the outbox, on the
 * callback executor but outside the callback queue. Used under the election loop's mutex.
 */
final class NextTerm {

    private final List<CompletableFuture<Leadership>> waiting = new ArrayList<>();
    private final Outbox outbox;

    NextTerm(Outbox outbox) {
        this.outbox = outbox;
    }

    void await(CompletableFuture<Leadership> next) {
        waiting.add(next);
    }

    /** The elector won {@code term}: every waiter gets it. */
    void won(Leadership term) {
        take().forEach(w -> outbox.signal(() -> w.complete(term)));
    }

    /** The elector closed: every waiter fails with {@code message}. */
    void closed(String message) {
        take().forEach(w -> outbox.signal(() -> w.completeExceptionally(new IllegalStateException(message))));
    }

    private List<CompletableFuture<Leadership>> take() {
        List<CompletableFuture<Leadership>> taken = List.copyOf(waiting);
        waiting.clear();
        return taken;
    }
}
