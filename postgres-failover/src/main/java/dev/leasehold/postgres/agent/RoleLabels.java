package dev.leasehold.postgres.agent;

/**
 * The pod label that routes traffic: its key and the values for the primary and the replicas.
 *
 * @param key the label key, e.g. {@code leasehold.dev/role}
 * @param primary the value on the primary's pod
 * @param replica the value on every other member's pod
 */
public record RoleLabels(String key, String primary, String replica) {

    /** Leasehold's own: {@code leasehold.dev/role=primary|replica} (the default). */
    public static final RoleLabels LEASEHOLD = new RoleLabels("leasehold.dev/role", "primary", "replica");
    /** CloudNativePG's selector label: {@code cnpg.io/instanceRole=primary|replica}. */
    public static final RoleLabels CLOUDNATIVEPG = new RoleLabels("cnpg.io/instanceRole", "primary", "replica");
    /** Patroni's Kubernetes label (its 4.x defaults): {@code role=primary|replica}. */
    public static final RoleLabels PATRONI = new RoleLabels("role", "primary", "replica");

    /** A preset by name: {@code leasehold}, {@code cloudnativepg} or {@code patroni}. */
    public static RoleLabels preset(String name) {
        return switch (name) {
            case "leasehold" -> LEASEHOLD;
            case "cloudnativepg" -> CLOUDNATIVEPG;
            case "patroni" -> PATRONI;
            default -> throw new IllegalArgumentException("roleLabels = \"" + name
                    + "\" is not a preset: use leasehold, cloudnativepg or patroni");
        };
    }
}
