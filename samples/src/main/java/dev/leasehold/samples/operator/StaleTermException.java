package dev.leasehold.samples.operator;

/** A write fenced off: it carried an older term than one already written to the object. */
public final class StaleTermException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long term;
    private final long highestSeen;

    public StaleTermException(String object, long term, long highestSeen) {
        super("write to " + object + " with term " + term + " rejected: term " + highestSeen
                + " has already written to it");
        this.term = term;
        this.highestSeen = highestSeen;
    }

    /** The term the rejected write carried. */
    public long term() {
        return term;
    }

    /** The highest term the object had seen. */
    public long highestSeen() {
        return highestSeen;
    }
}
