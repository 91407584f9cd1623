package dev.leasehold.events;

/** The type of a Kubernetes Event, as {@code kubectl describe} shows it. */
public enum EventType {
    NORMAL("Normal"),
    WARNING("Warning");

    private final String value;

    EventType(String value) {
        this.value = value;
    }

    /** The value written in the Event's {@code type} field. */
    public String value() {
        return value;
    }
}
