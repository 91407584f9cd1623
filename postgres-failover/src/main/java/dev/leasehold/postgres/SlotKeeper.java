package dev.leasehold.postgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Keeps a primary's physical slots in line with the cluster's members: creates a slot for each member
 * (other than the primary itself) and drops the slot of a member that has been gone for longer than
 * {@code dropAfter}, so a member that restarts or is rescheduled keeps its WAL. Time comes from an
 * injected monotonic nanosecond source, so tests need not sleep.
 *
 * <p>Every physical slot that belongs to no current member counts as a gone member's, including
 * one made by hand; logical slots are never touched. Not thread-safe: call from the agent's loop.
 */
public final class SlotKeeper {
    private final Duration dropAfter;
    private final LongSupplier nanoTime;
    private final Map<String, Long> goneSince = new HashMap<>();

    /**
     * @param dropAfter how long a member must be absent before its slot is dropped
     * @param nanoTime monotonic time source, e.g. {@code System::nanoTime}
     */
    public SlotKeeper(Duration dropAfter, LongSupplier nanoTime) {
        if (dropAfter == null || dropAfter.isNegative()) {
            throw new IllegalArgumentException("dropAfter " + dropAfter + " must be zero or positive");
        }
        if (nanoTime == null) {
            throw new IllegalArgumentException("nanoTime must not be null");
        }
        this.dropAfter = dropAfter;
        this.nanoTime = nanoTime;
    }

    /**
     * What one reconciliation did.
     *
     * @param created slots created
     * @param dropped slots dropped
     */
    public record Changes(List<String> created, List<String> dropped) {
        public Changes {
            created = List.copyOf(created);
            dropped = List.copyOf(dropped);
        }
    }

    /**
     * Creates missing member slots and drops slots of members gone longer than {@code dropAfter}.
     *
     * @param primary the instance holding the slots
     * @param members names of all current members, the primary included (it gets no slot)
     */
    public Changes reconcile(PostgresInstance primary, Set<String> members) {
        Set<String> wanted = new HashSet<>();
        for (String member : members) {
            if (!member.equals(primary.name())) {
                wanted.add(Identifiers.slotNameFor(member));
            }
        }
        List<String> created = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        Set<String> existing = new HashSet<>();
        ReplicationSlots slots = primary.slots();
        for (ReplicationSlots.Slot slot : slots.list()) {
            existing.add(slot.name());
        }
        for (String slot : wanted) {
            goneSince.remove(slot);
            if (!existing.contains(slot) && slots.create(slot)) {
                created.add(slot);
            }
        }
        long now = nanoTime.getAsLong();
        for (String slot : existing) {
            if (wanted.contains(slot)) {
                continue;
            }
            long since = goneSince.computeIfAbsent(slot, s -> now);
            if (now - since >= dropAfter.toNanos() && slots.drop(slot)) {
                dropped.add(slot);
                goneSince.remove(slot);
            }
        }
        goneSince.keySet().retainAll(existing);
        return new Changes(created, dropped);
    }
}
