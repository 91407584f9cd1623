package dev.leasehold.postgres;

import java.util.Optional;

/**
 * A standby's WAL receiver ({@code pg_stat_wal_receiver}).
 *
 * @param status the receiver's status, e.g. {@code streaming}, {@code waiting}
 * @param senderHost the host it receives from
 * @param senderPort the port it receives from
 * @param slotName the slot it uses on the sender, if any
 * @param receivedTimeline the timeline of the last received WAL
 */
public record WalReceiver(String status, String senderHost, int senderPort, Optional<String> slotName,
        int receivedTimeline) {

    /** Whether WAL is flowing. */
    public boolean streaming() {
        return "streaming".equals(status);
    }
}
