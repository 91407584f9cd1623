package dev.leasehold.samples.interop;

import dev.leasehold.samples.bench.Timing;
import java.time.Duration;
import java.util.List;

/**
 * The handovers of one run at one timing, and what was seen across them.
 *
 * @param timing the setting both libraries ran with
 * @param takeoverDelay the Leasehold followers' {@code releaseTakeoverDelay}
 * @param handovers each handover, in order, both directions alternating
 * @param maxLeaseholdLeaders the most Leasehold electors leading at once (by their callbacks)
 * @param maxLeaders the most leaders of both libraries at once (by their callbacks, until stopped-leading returned)
 * @param clientGoErrors client-go's error log lines (klog {@code E}), each after the identity that logged it
 */
public record HandoverRun(Timing timing, Duration takeoverDelay, List<Handover> handovers, int maxLeaseholdLeaders,
        int maxLeaders, List<String> clientGoErrors) {

    public HandoverRun {
        handovers = List.copyOf(handovers);
        clientGoErrors = List.copyOf(clientGoErrors);
    }

    /** The handovers one way. */
    public List<Handover> of(Handover.Direction direction) {
        return handovers.stream().filter(h -> h.direction() == direction).toList();
    }
}
