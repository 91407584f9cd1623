package dev.leasehold.samples.interop;

/**
 * One measured handover of the Lease from a leader of one library to a follower of the other, all times in epoch
 * milliseconds on this machine.
 *
 * @param direction which way
 * @param stopAt when the leader was asked to stop (Leasehold: {@code close()} called; client-go: its context
 *        cancelled, as it printed)
 * @param releaseSeen when a watch on the Lease saw the release land
 * @param startedAt the follower's started-leading
 * @param oldLeaderStoppedAt when the old leader's stopped-leading callback returned
 * @param releasedBeforeStopReturned whether the old leader's release landed before its stopped-leading callback
 *        returned (by the old leader's own account for client-go, by the watch for Leasehold)
 * @param transitionsBefore {@code spec.leaseTransitions} while the old leader held the Lease
 * @param transitionsAfter {@code spec.leaseTransitions} after the handover
 * @param holderAfter {@code spec.holderIdentity} after the handover
 * @param newLeader the follower's identity
 * @param newLeaderTerm a Leasehold follower's term ({@code Leadership.term()}); for client-go, which has none, -1
 */
public record Handover(Direction direction, long stopAt, long releaseSeen, long startedAt, long oldLeaderStoppedAt,
        boolean releasedBeforeStopReturned, int transitionsBefore, int transitionsAfter, String holderAfter,
        String newLeader, long newLeaderTerm) {

    /** Which way the Lease went. */
    public enum Direction {
        LEASEHOLD_TO_CLIENT_GO("leasehold-to-client-go"),
        CLIENT_GO_TO_LEASEHOLD("client-go-to-leasehold");

        private final String label;

        Direction(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** From the release landing to the follower's started-leading. */
    public long takeoverMillis() {
        return startedAt - releaseSeen;
    }

    /** From the stop request to the follower's started-leading. */
    public long fromStopMillis() {
        return startedAt - stopAt;
    }

    /**
     * How long the old leader's stopped-leading callback was still running after the new leader had started;
     * negative when it had returned before (no overlap).
     */
    public long overlapMillis() {
        return oldLeaderStoppedAt - startedAt;
    }

    /**
     * Whether the Lease then named the new leader with a transition count one higher, and a Leasehold leader's
     * term is that count.
     */
    public boolean transitionsRose() {
        return newLeader.equals(holderAfter) && transitionsAfter == transitionsBefore + 1
                && (newLeaderTerm == -1 || newLeaderTerm == transitionsAfter);
    }
}
