package dev.leasehold.samples.interop;

import java.util.HashSet;
import java.util.Set;

/**
 * Who leads right now by each side's own callbacks (from started-leading until stopped-leading has returned),
 * and the most leaders each side ever had at once.
 */
final class Leaders {

    enum Side { LEASEHOLD, CLIENT_GO }

    private final Set<String> leasehold = new HashSet<>();
    private final Set<String> clientGo = new HashSet<>();
    private int maxLeasehold;
    private int maxTotal;

    synchronized void started(Side side, String identity) {
        (side == Side.LEASEHOLD ? leasehold : clientGo).add(identity);
        maxLeasehold = Math.max(maxLeasehold, leasehold.size());
        maxTotal = Math.max(maxTotal, leasehold.size() + clientGo.size());
    }

    synchronized void stopped(Side side, String identity) {
        (side == Side.LEASEHOLD ? leasehold : clientGo).remove(identity);
    }

    /** The most Leasehold electors that led at the same time. */
    synchronized int maxLeasehold() {
        return maxLeasehold;
    }

    /**
     * The most leaders of both sides at the same time, by their callbacks; above 1 when a leader's stopped-leading
     * was still running when the next leader started.
     */
    synchronized int maxTotal() {
        return maxTotal;
    }
}
