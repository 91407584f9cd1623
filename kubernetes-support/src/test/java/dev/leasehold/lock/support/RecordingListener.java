package dev.leasehold.lock.support;

import dev.leasehold.core.spi.LockListener;
import dev.leasehold.core.spi.LockSnapshot;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link LockListener} that records what it is told, for assertions. */
public final class RecordingListener implements LockListener {

    /** One notification. */
    public record Event(String kind, LockSnapshot snapshot) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void watchUp() {
        events.add(new Event("up", null));
    }

    @Override
    public void changed(LockSnapshot snapshot) {
        events.add(new Event("changed", snapshot));
    }

    @Override
    public void deleted() {
        events.add(new Event("deleted", null));
    }

    @Override
    public void watchDown(Throwable cause) {
        events.add(new Event("down", null));
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public long count(String kind) {
        return events.stream().filter(e -> e.kind().equals(kind)).count();
    }

    /** True when some change notification carried a record naming {@code holder}. */
    public boolean sawHolder(String holder) {
        return events.stream().anyMatch(e -> e.snapshot() != null
                && e.snapshot().record().map(r -> r.holderIdentity().equals(holder)).orElse(false));
    }

    public void clear() {
        events.clear();
    }
}
