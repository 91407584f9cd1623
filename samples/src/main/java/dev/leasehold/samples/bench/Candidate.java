package dev.leasehold.samples.bench;

/** One elector of either library, competing for one Lease, reporting to an {@link ElectionLog}. */
interface Candidate extends AutoCloseable {

    String identity();

    /** Starts competing. */
    void start();

    /**
     * Stops as the library stops on shutdown, returning once the library's own stop is done (for a leader: its
     * stopped-leading callback, and its release if it was built to release).
     */
    void stop();

    /** Stops if not yet stopped; harmless twice. */
    @Override
    void close();
}
