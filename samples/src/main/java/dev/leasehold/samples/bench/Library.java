package dev.leasehold.samples.bench;

import io.fabric8.kubernetes.client.KubernetesClient;

/** The electors under test: Leasehold (with a watch per lock, or one shared per namespace) and fabric8's. */
enum Library {
    LEASEHOLD("leasehold"),
    /** Leasehold with {@code sharedWatch(true)}: one watch per namespace for all electors on the client. */
    LEASEHOLD_SHARED("leasehold-shared"),
    FABRIC8("fabric8");

    private final String label;

    Library(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /**
     * A candidate of this library.
     *
     * @param client the client it talks through (not closed by the candidate)
     * @param lease the Lease's name in namespace {@code default}
     * @param identity the holder identity it writes
     * @param timing its three settings
     * @param release whether stopping releases the Lease (false simulates a crash: it just stops renewing)
     * @param log where its callbacks are recorded
     */
    Candidate candidate(KubernetesClient client, String lease, String identity, Timing timing, boolean release,
            ElectionLog log) {
        return switch (this) {
            case LEASEHOLD -> new LeaseholdCandidate(client, lease, identity, timing, release, log, false);
            case LEASEHOLD_SHARED -> new LeaseholdCandidate(client, lease, identity, timing, release, log, true);
            case FABRIC8 -> new Fabric8Candidate(client, lease, identity, timing, release, log);
        };
    }

    static Library parse(String text) {
        for (Library library : values()) {
            if (library.label.equalsIgnoreCase(text.trim())) {
                return library;
            }
        }
        throw new IllegalArgumentException("libs must name leasehold, leasehold-shared and/or fabric8, was \"" + text + "\"");
    }
}
