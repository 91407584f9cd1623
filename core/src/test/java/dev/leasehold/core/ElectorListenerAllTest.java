package dev.leasehold.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElectorListenerAllTest {

    private final List<String> heard = new ArrayList<>();

    private ElectorListener recording(String name) {
        return new ElectorListener() {
            @Override
            public void onTransition(StateChange change) {
                heard.add(name + ":" + change.to());
            }

            @Override
            public void onLockCall(LockCall call) {
                heard.add(name + ":" + call.kind());
            }
        };
    }

    @Test
    void everyListenerHearsEveryCallInOrderEvenWhenOneThrows() {
        ElectorListener failing = change -> {
            throw new IllegalStateException("boom");
        };
        ElectorListener all = ElectorListener.all(List.of(recording("a"), failing, recording("b")));
        all.onTransition(new StateChange("me", "lock", ElectorState.FOLLOWING, ElectorState.LEADING, 1, "acquired",
                Instant.EPOCH, StateChange.Cause.ACQUIRED, Duration.ZERO));
        all.onLockCall(new LockCall("me", "lock", LockCall.Kind.RENEW, LockCall.Outcome.SUCCESS, Duration.ZERO, 1,
                Instant.EPOCH));
        assertThat(heard).containsExactly("a:LEADING", "b:LEADING", "a:RENEW", "b:RENEW");
    }

    @Test
    void aNullListenerIsNamed() {
        assertThatThrownBy(() -> ElectorListener.all(java.util.Arrays.asList(recording("a"), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("listeners[1] must not be null");
    }
}
