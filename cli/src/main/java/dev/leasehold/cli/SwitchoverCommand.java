package dev.leasehold.cli;

import dev.leasehold.postgres.agent.AgentHistory;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code leaseholdctl switchover}: writes the request into the Lease annotation
 * {@value AgentHistory#SWITCHOVER_REQUEST} with a compare-and-swap update (the Lease's resourceVersion), then
 * waits for the Lease to name a new holder. The primary's agent does the handover; a request it has not acted on
 * when the wait ends is withdrawn (if it is still ours), so it cannot fire later by surprise.
 */
@Command(name = "switchover", mixinStandardHelpOptions = true,
        description = "Hand the primary role to another member (planned, no data lost): ask the primary's agent "
                + "through the Lease, then wait until the Lease names the new primary.")
final class SwitchoverCommand implements Callable<Integer> {
    private static final int CAS_ATTEMPTS = 10;

    @ParentCommand
    Leaseholdctl root;

    @Mixin
    Target target;

    @Option(names = "--to", paramLabel = "MEMBER",
            description = "the member to hand over to (default: the primary's agent picks the best replica)")
    String to;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "how long to wait for the new primary, e.g. 30s, 2m, 500ms (default: ${DEFAULT-VALUE})")
    Duration wait;

    @Override
    public Integer call() {
        String ns = root.namespace(target);
        Cluster c = root.read(target);
        String from = c.holder().orElseThrow(() -> new CliException("no primary holds Lease " + c.name()
                + " in namespace " + ns + ": a switchover needs a primary to hand over (the agents fail over by"
                + " themselves)"));
        if (to != null) {
            Optional<Cluster.Member> m = c.member(to);
            if (m.isEmpty()) {
                throw new CliException("unknown member \"" + to + "\" in cluster " + c.name() + ": the members are "
                        + c.members().stream().map(Cluster.Member::name).collect(Collectors.joining(", ")));
            }
            if (to.equals(from)) {
                throw new CliException(to + " is already the primary of cluster " + c.name());
            }
        }
        refuseWhatTheAgentWouldRefuse(c, from);
        Instant requestedAt = Instant.now();
        String request = request(requestedAt);
        long start = System.nanoTime();
        writeRequest(ns, request);
        root.err("switchover requested: " + from + " -> " + (to == null ? "(best replica)" : to) + "; waiting up to "
                + wait + "\n");
        long deadline = start + wait.toNanos();
        Lease lease;
        while (true) {
            lease = Cluster.lease(root.client(), ns, c.name());
            Optional<String> holder = Cluster.holder(lease);
            if (holder.isPresent() && !holder.get().equals(from)) {
                break;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new CliException("switchover did not happen within " + wait + ": the Lease still names "
                        + holder.orElse("no holder") + "; " + withdraw(ns, request).explanation(),
                        CliException.TIMED_OUT);
            }
            root.sleep(Duration.ofMillis(200));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String now = Cluster.holder(lease).orElseThrow();
        long term = Cluster.term(lease);
        boolean asked = to == null || to.equals(now);
        if (target.output == Target.Output.json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("from", from);
            out.put("to", now);
            out.put("requested", to);
            out.put("term", term);
            out.put("elapsedMs", took.toMillis());
            root.out(Json.write(out));
        } else {
            root.out("switchover done: " + from + " -> " + now + " (term " + term + ") in " + took.toMillis()
                    + " ms\n");
        }
        if (!asked) {
            throw new CliException("the Lease passed to " + now + ", not to the requested " + to);
        }
        return 0;
    }

    private String request(Instant at) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("to", to == null ? "" : to);
        r.put("requestedBy", root.requestedBy());
        r.put("requestedAt", at.toString());
        return Json.write(r).replaceAll("\\s*\\n\\s*", "");
    }

    /** Compare-and-swap: the update carries the resourceVersion read, so a concurrent renew makes it retry. */
    private void writeRequest(String ns, String request) {
        for (int attempt = 1; ; attempt++) {
            Lease current = Cluster.lease(root.client(), ns, target.cluster);
            Lease next = new LeaseBuilder(current).editMetadata()
                    .addToAnnotations(AgentHistory.SWITCHOVER_REQUEST, request).endMetadata().build();
            try {
                root.client().resources(Lease.class).inNamespace(ns).resource(next).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw ApiErrors.explain(e, "update", "leases.coordination.k8s.io \"" + target.cluster + "\"", ns);
                }
                if (attempt >= CAS_ATTEMPTS) {
                    throw new CliException("could not write the switchover request: Lease " + target.cluster
                            + " changed under each of " + CAS_ATTEMPTS + " attempts (409 Conflict)");
                }
            }
        }
    }

    /** Fails before anything is written when the target, or without one every other member, cannot take over. */
    private void refuseWhatTheAgentWouldRefuse(Cluster c, String from) {
        if (to != null) {
            ineligibility(c.member(to).orElseThrow(), from).ifPresent(why -> {
                throw new CliException(to + " cannot take over: " + why + " (the primary's agent would refuse it)");
            });
            return;
        }
        List<Cluster.Member> others = c.members().stream().filter(m -> !m.name().equals(from)).toList();
        if (others.stream().allMatch(m -> ineligibility(m, from).isPresent())) {
            throw new CliException("no member of cluster " + c.name() + " can take over from " + from + ": "
                    + (others.isEmpty() ? "it has no other member" : others.stream()
                            .map(m -> m.name() + ": " + ineligibility(m, from).orElseThrow())
                            .collect(Collectors.joining("; "))));
        }
    }

    /**
     * Why {@code m} cannot take over from {@code primary}, judged as the primary's agent does on the status the
     * member publishes (the agent also requires that status to be fresh, which only it can judge).
     */
    private static Optional<String> ineligibility(Cluster.Member m, String primary) {
        return m.status().map(s -> s.switchoverIneligibility(primary))
                .orElseGet(() -> Optional.of("it has published no status (" + m.problem().orElse("unknown") + ")"));
    }

    /** What became of a request that was not carried out in time. */
    private enum Withdrawal {
        WITHDRAWN("the request was withdrawn (is the primary's agent running, and does it honour "
                + AgentHistory.SWITCHOVER_REQUEST + "?)"),
        TAKEN("the primary's agent took the request but did not hand over (it refused the target or could not"
                + " finish: its log says why)"),
        REPLACED("the request was replaced by another one"),
        NOT_WITHDRAWN("the request could not be withdrawn and may still be acted on");

        private final String explanation;

        Withdrawal(String explanation) {
            this.explanation = explanation;
        }

        String explanation() {
            return explanation;
        }
    }

    /** Clears the request if it is still ours; otherwise says whether the agent took it or another replaced it. */
    private Withdrawal withdraw(String ns, String request) {
        for (int attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
            Lease current = Cluster.lease(root.client(), ns, target.cluster);
            String now = Cluster.annotations(current).getOrDefault(AgentHistory.SWITCHOVER_REQUEST, "");
            if (!request.equals(now)) {
                return now.isEmpty() ? Withdrawal.TAKEN : Withdrawal.REPLACED; // the agent clears what it takes
            }
            Lease next = new LeaseBuilder(current).editMetadata()
                    .addToAnnotations(AgentHistory.SWITCHOVER_REQUEST, "").endMetadata().build();
            try {
                root.client().resources(Lease.class).inNamespace(ns).resource(next).update();
                return Withdrawal.WITHDRAWN;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    root.warn("could not withdraw the switchover request: " + e.getMessage());
                    return Withdrawal.NOT_WITHDRAWN;
                }
            }
        }
        return Withdrawal.NOT_WITHDRAWN;
    }
}
