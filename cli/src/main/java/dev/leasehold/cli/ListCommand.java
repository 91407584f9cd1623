package dev.leasehold.cli;

import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.agent.MemberStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code leaseholdctl list}: the members, their roles and lag, and who leads. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the cluster's members: role, term, timeline, lag behind the primary's last published "
                + "position, health, the leader, the age of the status each member last published, labels.")
final class ListCommand implements Callable<Integer> {
    @ParentCommand
    Leaseholdctl root;

    @Mixin
    Target target;

    @Override
    public Integer call() {
        Cluster c = root.read(target);
        Optional<String> leader = c.holder();
        Optional<Lsn> published = Optional.ofNullable(c.annotations().get(Cluster.POSITION)).flatMap(p -> {
            try {
                return Optional.of(Lsn.parse(p));
            } catch (IllegalArgumentException e) {
                root.warn("the Lease's " + Cluster.POSITION + " = \"" + p + "\" is not a WAL position; lag unknown");
                return Optional.empty();
            }
        });
        List<Map<String, Object>> rows = new ArrayList<>();
        Instant now = Instant.now();
        for (Cluster.Member m : c.members()) {
            Map<String, Object> r = new LinkedHashMap<>();
            boolean leads = leader.filter(m.name()::equals).isPresent();
            Optional<MemberStatus> s = m.status();
            r.put("member", m.name());
            r.put("role", s.map(v -> v.role().name().toLowerCase(Locale.ROOT)).orElse("unknown"));
            r.put("term", leads ? c.term() : null);
            r.put("timeline", s.map(MemberStatus::timeline).orElse(null));
            r.put("position", s.flatMap(MemberStatus::position).map(Lsn::toString).orElse(null));
            r.put("lagBytes", s.filter(v -> !leads).flatMap(v -> lag(published, v)).orElse(leads ? 0L : null));
            r.put("healthy", s.map(MemberStatus::healthy).orElse(null));
            // the publisher's wall clock against ours: for people only (a stopped agent's status stays behind)
            r.put("statusAgeSeconds", s.map(v -> Math.max(0, Duration.between(v.sampledAt(), now).toSeconds()))
                    .orElse(null));
            r.put("leader", leads);
            r.put("upstream", s.flatMap(MemberStatus::upstream).orElse(null));
            r.put("labels", m.labels());
            r.put("problem", m.problem().orElse(null));
            rows.add(r);
        }
        if (target.output == Target.Output.json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("cluster", c.name());
            out.put("namespace", c.namespace());
            out.put("leader", leader.orElse(null));
            out.put("term", c.term());
            out.put("publishedTimeline", c.annotations().get(Cluster.TIMELINE));
            out.put("publishedPosition", c.annotations().get(Cluster.POSITION));
            out.put("members", rows);
            root.out(Json.write(out));
            return 0;
        }
        root.out("Cluster: " + c.name() + " (namespace " + c.namespace() + ")  leader: " + leader.orElse("none")
                + "  term: " + c.term() + "  published: timeline " + c.annotations().getOrDefault(Cluster.TIMELINE,
                "-") + " at " + c.annotations().getOrDefault(Cluster.POSITION, "-") + "\n");
        Table t = new Table("MEMBER", "ROLE", "TERM", "TL", "LAG(bytes)", "HEALTHY", "LEADER", "AGE", "LABELS");
        for (Map<String, Object> r : rows) {
            @SuppressWarnings("unchecked")
            Map<String, String> labels = (Map<String, String>) r.get("labels");
            t.row(r.get("member"), r.get("role"), dash(r.get("term")), dash(r.get("timeline")),
                    dash(r.get("lagBytes")), dash(r.get("healthy")), Boolean.TRUE.equals(r.get("leader")) ? "*" : "",
                    r.get("statusAgeSeconds") == null ? "-" : r.get("statusAgeSeconds") + "s",
                    labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(",")));
        }
        root.out(t.render());
        for (Cluster.Member m : c.members()) {
            m.problem().ifPresent(p -> root.out("note: " + m.name() + ": " + p + "\n"));
        }
        if (c.members().isEmpty()) {
            root.out("note: no pods with label " + Cluster.CLUSTER_LABEL + "=" + c.name() + " in namespace "
                    + c.namespace() + "\n");
        }
        return 0;
    }

    private static Optional<Long> lag(Optional<Lsn> published, MemberStatus s) {
        if (published.isEmpty() || s.position().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Math.max(0, published.get().minus(s.position().get())));
    }

    private static Object dash(Object v) {
        return v == null ? "-" : v;
    }
}
