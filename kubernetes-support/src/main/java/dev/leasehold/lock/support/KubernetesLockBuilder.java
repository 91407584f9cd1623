package dev.leasehold.lock.support;

import dev.leasehold.core.spi.ResourceLock;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What the builders of the three Kubernetes locks share: the client, the object's namespace and name, the
 * candidate's identity and the call timeout, validated at {@code build()} with messages that name the
 * parameter, the value and the rule.
 *
 * @param <B> the concrete builder
 * @param <L> the lock it builds
 */
public abstract class KubernetesLockBuilder<B extends KubernetesLockBuilder<B, L>, L extends ResourceLock> {

    /**
     * The default bound of one API call: 1 s, at most the elector's own call timeout (a third of its renew
     * deadline) for every renew deadline from 3 s up, so that the default lock fits both client-go's 15/10/2 s
     * and the quick 4/3/1 s timings. The elector's builder rejects a lock whose call timeout exceeds its own.
     */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(1);

    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private KubernetesClient client;
    private String namespace;
    private String name;
    private String identity;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private Supplier<Map<String, String>> annotations = Map::of;
    private boolean sharedWatch;

    protected KubernetesLockBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The client to talk through. The lock uses a view of it and never closes it: that stays yours. */
    public B client(KubernetesClient client) {
        this.client = client;
        return self();
    }

    /** The namespace of the lock object (a DNS-1123 label). */
    public B namespace(String namespace) {
        this.namespace = namespace;
        return self();
    }

    /** The name of the lock object (a DNS-1123 subdomain). */
    public B name(String name) {
        this.name = name;
        return self();
    }

    /** This candidate's identity, written as holder; unique among the candidates, e.g. the pod name. */
    public B identity(String identity) {
        this.identity = identity;
        return self();
    }

    /**
     * The longest one API call may take, fabric8's own retries included (they are turned off); default
     * 1 s. It must be at most the elector's call timeout (by default a third of its renew deadline): the elector
     * abandons a call at its own timeout, and a longer lock timeout would only keep the abandoned call running,
     * so the elector's builder rejects that, naming both values.
     */
    public B callTimeout(Duration callTimeout) {
        this.callTimeout = callTimeout;
        return self();
    }

    /**
     * Metadata to carry on the lock object in the same write as the record: asked on every create, renew and
     * release this candidate makes, and set as annotations on the object (other annotations stay as they are).
     * This is how a leader publishes facts with each renew at no extra request, e.g. the PostgreSQL agent's WAL
     * position. The supplier runs on a lock-call thread: return quickly, from values already at hand. Keys must
     * be valid annotation keys and must not be {@code control-plane.alpha.kubernetes.io/leader}; a supplier that
     * throws or breaks the rule fails that write with the reason (the elector counts it as an error).
     */
    public B annotations(Supplier<Map<String, String>> annotations) {
        this.annotations = annotations;
        return self();
    }

    /**
     * Whether to watch through one watch per kind and namespace, shared with every other lock on the same client
     * that asks for it, instead of a watch of its own (default false). Many electors in one JVM then cost one
     * connection and one event stream instead of one each. It needs {@code list} and {@code watch} on the kind in
     * the namespace <em>without</em> {@code resourceNames} (a shared watch sees every object of the kind there),
     * and each lock still reads its object after every (re-)establishment.
     */
    public B sharedWatch(boolean sharedWatch) {
        this.sharedWatch = sharedWatch;
        return self();
    }

    /**
     * Builds the lock.
     *
     * @throws IllegalArgumentException naming the parameter, the value and the rule it broke
     */
    public abstract L build();

    /**
     * Validates and freezes the shared settings.
     *
     * @throws IllegalArgumentException naming the parameter, the value and the rule it broke
     */
    protected LockSettings settings() {
        if (client == null) {
            throw new IllegalArgumentException("client must be set");
        }
        requireDns("namespace", namespace, DNS1123_LABEL, 63, "a DNS-1123 label");
        requireDns("name", name, DNS1123_SUBDOMAIN, 253, "a DNS-1123 subdomain");
        if (identity == null || identity.isBlank()) {
            throw new IllegalArgumentException("identity must not be blank, was "
                    + (identity == null ? "null" : "\"" + identity + "\""));
        }
        if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("callTimeout must be positive, was " + callTimeout);
        }
        if (annotations == null) {
            throw new IllegalArgumentException("annotations must not be null (use Map::of for none)");
        }
        return new LockSettings(client, namespace, name, identity, callTimeout, annotations, sharedWatch);
    }

    private static void requireDns(String parameter, String value, Pattern pattern, int maxLength, String rule) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(parameter + " must not be blank, was "
                    + (value == null ? "null" : "\"" + value + "\""));
        }
        if (value.length() > maxLength || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(parameter + " must be " + rule + " (lower-case letters, digits, '-'"
                    + (maxLength > 63 ? ", '.'" : "") + ", at most " + maxLength + " characters, starting and ending "
                    + "with a letter or digit), was \"" + value + "\"");
        }
    }
}
