package dev.leasehold.samples.sidecar;

/** A setting of the sidecar that is missing or cannot be used; the message names the setting and the value. */
public final class SettingsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public SettingsException(String message) {
        super(message);
    }
}
