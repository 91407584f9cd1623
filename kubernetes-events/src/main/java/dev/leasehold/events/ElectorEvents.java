package dev.leasehold.events;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.core.ElectorState;
import dev.leasehold.core.StateChange;

/**
 * Records a Kubernetes Event on the lock object when the elector becomes leader and when it steps down, in
 * client-go's words: reason {@code LeaderElection}, type Normal, message {@code "<identity> became leader"} or
 * {@code "<identity> stopped leading"}, so {@code kubectl describe lease} tells the story of the election.
 *
 * <pre>{@code
 * EventRecorder recorder = EventRecorder.builder().client(client).lease("default", "my-app")
 *         .component("my-app").instance(podName).build();
 * LeaderElector elector = LeaderElector.builder().lock(lock).listener(new ElectorEvents(recorder)).build();
 * }</pre>
 *
 * <p>Recording never blocks the listener for long nor fails the election: see {@link EventRecorder}. Closing
 * the recorder is the caller's, after the elector (so the last stopped-leading is still recorded).
 */
public final class ElectorEvents implements ElectorListener {

    /** client-go's reason for leader-election events. */
    public static final String REASON = "LeaderElection";

    private final EventRecorder recorder;

    public ElectorEvents(EventRecorder recorder) {
        if (recorder == null) {
            throw new IllegalArgumentException("recorder must not be null");
        }
        this.recorder = recorder;
    }

    @Override
    public void onTransition(StateChange change) {
        if (change.to() == ElectorState.LEADING) {
            recorder.record(REASON, change.identity() + " became leader", EventType.NORMAL);
        } else if (change.from() == ElectorState.LEADING) {
            recorder.record(REASON, change.identity() + " stopped leading", EventType.NORMAL);
        }
    }
}
