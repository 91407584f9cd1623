package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.agent.AgentHttpServer.Answer;
import dev.leasehold.postgres.agent.AgentHttpServer.Lane;
import dev.leasehold.postgres.agent.AgentHttpServer.Request;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The agent's HTTP endpoints, on {@link AgentHttpServer} (which keeps slow and hostile clients from starving
 * them). Health endpoints answer {@code GET}, {@code HEAD} and {@code OPTIONS} alike (the status code is the
 * answer: Patroni's HAProxy check sends {@code OPTIONS /primary}); Patroni's names are served with Patroni's
 * meaning:
 * <ul>
 *   <li>{@code /primary} ({@code /}, {@code /master}, {@code /read-write}): 200 only on the member that holds a
 *       valid term and whose PostgreSQL accepts writes;</li>
 *   <li>{@code /leader}: 200 on the member that holds a valid term, whatever its server does;</li>
 *   <li>{@code /replica[?lag=N]}: 200 on a healthy streaming standby, within the lag bound when given (bytes,
 *       or with a unit as Patroni takes it: {@code 16kB}, {@code 1MB}, {@code 1GB});</li>
 *   <li>{@code /read-only[?lag=N]}: 200 where {@code /primary} or {@code /replica} would be;</li>
 *   <li>{@code /sync} ({@code /synchronous}), {@code /async} ({@code /asynchronous}), each {@code [?lag=N]}: 200 on
 *       a streaming standby that is, or is not, in the synchronous set the primary published;</li>
 *   <li>{@code /health}: 200 while PostgreSQL answers;</li>
 *   <li>{@code /liveness}: 200 while the agent's loop runs (503 when it is stuck: restart the agent);</li>
 *   <li>{@code /readiness}: 200 when this member serves its role (writable primary or streaming standby);</li>
 *   <li>{@code /status}: JSON with the member, its role, term, timeline, position, leader and the members;</li>
 *   <li>{@code /metrics}: Prometheus text, when the agent runs with {@link AgentMetrics#prometheus()}.</li>
 *   <li>{@code POST /switchover} (see {@link SwitchoverEndpoint}): a planned handover, token-guarded.</li>
 *   <li>{@code POST /failsafe} (see {@link FailsafeEndpoint}): a primary whose renews fail asks for a promise.</li>
 * </ul>
 * Anything else is 404, another method 405, a bad parameter 400, each with a one-line reason; never a stack trace.
 */
final class AgentHttp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALLOW = "GET, HEAD, OPTIONS";
    private static final Set<String> PROBES = Set.of("/", "/primary", "/master", "/read-write", "/leader",
            "/replica", "/read-only", "/sync", "/synchronous", "/async", "/asynchronous", "/health", "/liveness",
            "/readiness");

    private final Agent agent;
    private final AgentHttpServer server;
    private final SwitchoverEndpoint switchover;
    private final FailsafeEndpoint failsafe;

    AgentHttp(Agent agent, int port) {
        this.agent = agent;
        this.switchover = new SwitchoverEndpoint(agent);
        this.failsafe = new FailsafeEndpoint(agent);
        this.server = new AgentHttpServer(agent.name(), port, AgentHttp::lane, this::route);
    }

    int port() {
        return server.port();
    }

    /** Probes and the failsafe endpoint run apart from everything else, and a switchover apart from both. */
    static Lane lane(Request x) {
        if (PROBES.contains(x.path()) || x.path().equals("/failsafe")) {
            return Lane.PROBE;
        }
        return x.path().equals("/switchover") ? Lane.SWITCHOVER : Lane.STATUS;
    }

    Answer route(Request x) {
        String path = x.path();
        if (path.equals("/switchover")) {
            return switchover.handle(x);
        }
        if (path.equals("/failsafe")) {
            return failsafe.handle(x);
        }
        if (!PROBES.contains(path) && !path.equals("/status") && !path.equals("/metrics")) {
            return Answer.text(404, "no such endpoint: " + HttpRequestParser.shown(path) + " (try /primary,"
                    + " /replica, /read-only, /sync, /async, /leader, /health, /liveness, /readiness, /metrics,"
                    + " /status, POST /switchover, POST /failsafe)");
        }
        if (!Set.of("GET", "HEAD", "OPTIONS").contains(x.method())) {
            return Answer.text(405, "method " + x.method() + " not allowed on " + path + ": use GET, HEAD or"
                    + " OPTIONS").with("Allow", ALLOW);
        }
        Answer a = switch (path) {
            case "/status" -> status(agent.ownStatus());
            case "/metrics" -> metrics();
            default -> probe(path, x.query());
        };
        return a.with("Allow", ALLOW);
    }

    private Answer probe(String path, String query) {
        Optional<MemberStatus> own = agent.ownStatus();
        switch (path) {
            case "/", "/primary", "/master", "/read-write" -> {
                return primary();
            }
            case "/leader" -> {
                Optional<Long> term = agent.leadership().map(Leadership::term);
                return Answer.text(term.isPresent() ? 200 : 503, term.map(t -> "holds the Lease, term " + t)
                        .orElse("does not hold the Lease"));
            }
            case "/health" -> {
                boolean up = own.map(MemberStatus::healthy).orElse(false);
                return Answer.text(up ? 200 : 503, up ? "PostgreSQL answers" : "PostgreSQL is "
                        + own.map(s -> s.role().toString()).orElse("not yet probed"));
            }
            case "/liveness" -> {
                Duration bound = agent.config().operationTimeout().plusSeconds(10);
                boolean alive = agent.loopAlive(bound);
                return Answer.text(alive ? 200 : 503, alive ? "agent loop alive"
                        : "agent loop stuck for more than " + bound);
            }
            case "/readiness" -> {
                boolean ready = agent.isWritablePrimary()
                        || own.map(s -> s.healthyReplica() && s.upstream().isPresent()).orElse(false);
                return Answer.text(ready ? 200 : 503, ready ? "serving" : "not serving its role yet");
            }
            default -> {
                return standby(path, query, own);
            }
        }
    }

    private Answer primary() {
        boolean primary = agent.isWritablePrimary();
        return Answer.text(primary ? 200 : 503, primary ? "primary, term " + agent.leadership()
                .map(Leadership::term).orElse(0L) : "not the writable primary");
    }

    /** {@code /replica}, {@code /read-only}, {@code /sync}, {@code /async} and their long names. */
    private Answer standby(String path, String query, Optional<MemberStatus> own) {
        long maxLag = Long.MAX_VALUE;
        for (String part : query.split("&")) {
            if (part.startsWith("lag=")) {
                try { // as shown: a refusal quotes the value, so control characters are escaped and it is cut short
                    maxLag = ByteCount.parse("lag", HttpRequestParser.shown(part.substring(4)));
                } catch (IllegalArgumentException e) {
                    return Answer.text(400, e.getMessage());
                }
            } else if (!part.isEmpty()) {
                return Answer.text(400, "unknown parameter: " + HttpRequestParser.shown(part) + " (only lag=N,"
                        + " N in bytes or with a unit: 16kB, 1MB, 1GB)");
            }
        }
        if (path.equals("/read-only") && agent.isWritablePrimary()) {
            return primary();
        }
        if (own.isEmpty() || !own.get().healthyReplica() || own.get().upstream().isEmpty()) {
            return Answer.text(503, "not a streaming standby");
        }
        boolean sync = agent.lease().syncSet().map(set -> set.count() > 0 && set.members().contains(agent.name()))
                .orElse(false);
        if ((path.equals("/sync") || path.equals("/synchronous")) && !sync) {
            return Answer.text(503, "streaming, but not in the published synchronous set");
        }
        if ((path.equals("/async") || path.equals("/asynchronous")) && sync) {
            return Answer.text(503, "streaming, but in the published synchronous set");
        }
        long lag = lag(own.get());
        if (lag > maxLag) {
            return Answer.text(503, "streaming, but " + lag + " bytes behind the published primary position (bound "
                    + maxLag + ")");
        }
        return Answer.text(200, (sync ? "synchronous" : "streaming") + " standby, " + lag + " bytes behind");
    }

    private Answer metrics() {
        Optional<String> text = agent.metricsText();
        if (text.isEmpty()) {
            return Answer.text(404, "metrics are not enabled (start the agent with AgentMetrics.prometheus())");
        }
        return new Answer(200, "text/plain; version=0.0.4; charset=utf-8",
                text.get().getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private long lag(MemberStatus s) {
        Lsn mine = s.position().orElse(Lsn.ZERO);
        return agent.lease().published().map(p -> Math.max(0, p.position().minus(mine))).orElse(0L);
    }

    private Answer status(Optional<MemberStatus> own) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("member", agent.name());
        m.put("role", own.map(s -> s.role().name().toLowerCase(java.util.Locale.ROOT)).orElse("unknown"));
        m.put("writablePrimary", agent.isWritablePrimary());
        m.put("term", agent.leadership().map(Leadership::term).orElse(null));
        m.put("timeline", own.map(MemberStatus::timeline).orElse(0));
        m.put("position", own.flatMap(MemberStatus::position).map(Lsn::toString).orElse(null));
        m.put("lagBytes", own.filter(s -> s.role() == Role.REPLICA).map(this::lag).orElse(null));
        m.put("upstream", own.flatMap(MemberStatus::upstream).orElse(null));
        m.put("leader", agent.leader().orElse(null));
        m.put("commitsHeld", agent.commitsHeld());
        if (agent.config().failsafe().isPresent()) {
            Map<String, Object> fs = new LinkedHashMap<>();
            fs.put("keptWritableForMs", agent.failsafeRemaining().toMillis());
            agent.failsafePromise().ifPresent(p -> {
                fs.put("promisedTo", p.primary());
                fs.put("promiseLeftMs", p.left().toMillis());
            });
            m.put("failsafe", fs);
        }
        agent.lastDecision().ifPresent(d -> {
            m.put("step", d.step().toString());
            m.put("mayAcquire", d.mayAcquire());
            m.put("reason", d.reason());
        });
        LeaseView lease = agent.lease();
        m.put("lease", Map.of("holder", lease.holder().orElse(""), "systemId", lease.systemId().orElse(""),
                "publishedTimeline", lease.published().map(LeaseView.Published::timeline).orElse(0),
                "publishedPosition", lease.published().map(p -> p.position().toString()).orElse("")));
        Map<String, Object> members = new TreeMap<>();
        agent.members().forEach((name, o) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("role", o.status().role().name().toLowerCase(java.util.Locale.ROOT));
            e.put("healthy", o.status().healthy());
            e.put("timeline", o.status().timeline());
            e.put("position", o.status().position().map(Lsn::toString).orElse(null));
            e.put("ageMs", o.age().toMillis());
            members.put(name, e);
        });
        m.put("members", members);
        try {
            return new Answer(200, "application/json", JSON.writeValueAsBytes(m), Map.of());
        } catch (JsonProcessingException e) {
            return Answer.text(500, "cannot write status: " + e.getOriginalMessage());
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
