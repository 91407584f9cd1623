package dev.leasehold.samples;

import java.time.Duration;

/**
 * What {@link Demo#run} observed.
 *
 * @param firstLeader the candidate that led first
 * @param handoverTo the candidate that took over when the first leader was closed
 * @param handover from closing the first leader to the next leader's started-leading callback
 * @param crashed the candidate whose scheduler was stopped dead (no renew, no release)
 * @param takeoverBy the candidate that took over after the crash
 * @param takeoverAfterCrash from the crash to the new leader's started-leading callback
 * @param beyondLeaseExpiry from the crashed leader's last renew plus the lease duration (its lease expiry) to the
 *     new leader's started-leading callback, on the wall clock of this one JVM
 * @param maxLeadersAtOnce the most candidates that held a valid term at the same moment, sampled every
 *     millisecond and checked at every started-leading callback
 */
public record DemoResult(String firstLeader, String handoverTo, Duration handover, String crashed,
        String takeoverBy, Duration takeoverAfterCrash, Duration beyondLeaseExpiry, int maxLeadersAtOnce) {
}
