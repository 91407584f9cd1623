package dev.leasehold.micrometer;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.core.LockCall;
import dev.leasehold.core.StateChange;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several {@link ElectorListener}s as one, for an elector builder that takes one listener: e.g. metrics and
 * Kubernetes events. Each hears every call in order; one that throws is logged and does not keep the others
 * from hearing it.
 */
public final class ElectorListeners {

    private static final Logger log = LoggerFactory.getLogger(ElectorListeners.class);

    private ElectorListeners() {
    }

    /** One listener that passes each call on to {@code listeners}, in the order given. */
    public static ElectorListener of(ElectorListener... listeners) {
        for (int i = 0; i < listeners.length; i++) {
            if (listeners[i] == null) {
                throw new IllegalArgumentException("listeners[" + i + "] must not be null");
            }
        }
        List<ElectorListener> all = List.of(listeners);
        return new ElectorListener() {
            @Override
            public void onTransition(StateChange change) {
                all.forEach(each -> safely(each, l -> l.onTransition(change)));
            }

            @Override
            public void onLockCall(LockCall call) {
                all.forEach(each -> safely(each, l -> l.onLockCall(call)));
            }

            @Override
            public String toString() {
                return "ElectorListeners" + all;
            }
        };
    }

    private static void safely(ElectorListener listener, Consumer<ElectorListener> call) {
        try {
            call.accept(listener);
        } catch (RuntimeException e) {
            log.warn("elector listener {} failed", listener, e);
        }
    }
}
