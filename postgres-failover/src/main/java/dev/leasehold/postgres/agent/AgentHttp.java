package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.Lsn;
import dev.leasehold.postgres.agent.MemberStatus.Role;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP endpoints (JDK {@code HttpServer}), all {@code GET}:
 * <ul>
 *   <li>{@code /primary}: 200 only on the member that holds a valid term and whose PostgreSQL accepts writes;</li>
 *   <li>{@code /replica[?lag=BYTES]}: 200 on a healthy streaming standby, within the lag bound when given;</li>
 *   <li>{@code /health}: 200 while PostgreSQL answers;</li>
 *   <li>{@code /liveness}: 200 while the agent's loop runs (503 when it is stuck: restart the agent);</li>
 *   <li>{@code /readiness}: 200 when this member serves its role (writable primary or streaming standby);</li>
 *   <li>{@code /status}: JSON with the member, its role, term, timeline, position, leader and the members;</li>
 *   <li>{@code /metrics}: Prometheus text, when the agent runs with {@link AgentMetrics#prometheus()}.</li>
 *   <li>{@code POST /switchover} (see {@link SwitchoverEndpoint}): a planned handover, token-guarded.</li>
 *   <li>{@code POST /failsafe} (see {@link FailsafeEndpoint}): a primary whose renews fail asks for a promise.</li>
 * </ul>
 * Anything else is 404, another method 405, each with a one-line reason; never a stack trace.
 */
final class AgentHttp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentHttp.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Agent agent;
    private final HttpServer server;
    private final ExecutorService executor;
    private final SwitchoverEndpoint switchover;
    private final FailsafeEndpoint failsafe;

    AgentHttp(Agent agent, int port) {
        this.agent = agent;
        this.switchover = new SwitchoverEndpoint(agent);
        this.failsafe = new FailsafeEndpoint(agent);
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("httpPort = " + port + ": cannot listen: " + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "leasehold-agent-http-" + agent.name());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange x) {
        try (x) {
            try {
                route(x);
            } catch (RuntimeException e) {
                LOG.warn("{}: HTTP {} {} failed: {}", agent.name(), x.getRequestMethod(), x.getRequestURI(),
                        e.toString());
                send(x, 500, "internal error: " + e.getClass().getSimpleName());
            }
        } catch (IOException e) {
            LOG.debug("{}: HTTP answer not sent: {}", agent.name(), e.toString());
        }
    }

    private void route(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        if (path.equals("/switchover")) {
            switchover.handle(x);
            return;
        }
        if (path.equals("/failsafe")) {
            failsafe.handle(x);
            return;
        }
        boolean known = switch (path) {
            case "/primary", "/replica", "/health", "/liveness", "/readiness", "/status", "/metrics" -> true;
            default -> false;
        };
        if (!known) {
            send(x, 404, "no such endpoint: " + path + " (try /primary, /replica, /health, /liveness, /readiness,"
                    + " /metrics, /status, POST /switchover, POST /failsafe)");
            return;
        }
        if (!"GET".equals(x.getRequestMethod()) && !"HEAD".equals(x.getRequestMethod())) {
            x.getResponseHeaders().add("Allow", "GET, HEAD");
            send(x, 405, "method " + x.getRequestMethod() + " not allowed on " + path + ": use GET");
            return;
        }
        Optional<MemberStatus> own = agent.ownStatus();
        switch (path) {
            case "/primary" -> {
                boolean primary = agent.isWritablePrimary();
                send(x, primary ? 200 : 503, primary ? "primary, term " + agent.leadership().map(Leadership::term)
                        .orElse(0L) : "not the writable primary");
            }
            case "/replica" -> replica(x, own);
            case "/metrics" -> metrics(x);
            case "/health" -> {
                boolean up = own.map(MemberStatus::healthy).orElse(false);
                send(x, up ? 200 : 503, up ? "PostgreSQL answers" : "PostgreSQL is "
                        + own.map(s -> s.role().toString()).orElse("not yet probed"));
            }
            case "/liveness" -> {
                Duration bound = agent.config().operationTimeout().plusSeconds(10);
                boolean alive = agent.loopAlive(bound);
                send(x, alive ? 200 : 503, alive ? "agent loop alive" : "agent loop stuck for more than " + bound);
            }
            case "/readiness" -> {
                boolean ready = agent.isWritablePrimary()
                        || own.map(s -> s.healthyReplica() && s.upstream().isPresent()).orElse(false);
                send(x, ready ? 200 : 503, ready ? "serving" : "not serving its role yet");
            }
            default -> status(x, own);
        }
    }

    private void metrics(HttpExchange x) throws IOException {
        Optional<String> text = agent.metricsText();
        if (text.isEmpty()) {
            send(x, 404, "metrics are not enabled (start the agent with AgentMetrics.prometheus())");
            return;
        }
        byte[] body = text.get().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        x.sendResponseHeaders(200, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    private void replica(HttpExchange x, Optional<MemberStatus> own) throws IOException {
        String query = Optional.ofNullable(x.getRequestURI().getQuery()).orElse("");
        long maxLag = Long.MAX_VALUE;
        for (String part : query.split("&")) {
            if (part.startsWith("lag=")) {
                try {
                    maxLag = Long.parseLong(part.substring(4));
                    if (maxLag < 0) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    send(x, 400, "lag = " + part.substring(4) + " is not a byte count >= 0");
                    return;
                }
            } else if (!part.isEmpty()) {
                send(x, 400, "unknown parameter: " + part + " (only lag=BYTES)");
                return;
            }
        }
        if (own.isEmpty() || !own.get().healthyReplica() || own.get().upstream().isEmpty()) {
            send(x, 503, "not a streaming standby");
            return;
        }
        long lag = lag(own.get());
        if (lag > maxLag) {
            send(x, 503, "streaming, but " + lag + " bytes behind the published primary position (bound " + maxLag
                    + ")");
            return;
        }
        send(x, 200, "streaming standby, " + lag + " bytes behind");
    }

    private long lag(MemberStatus s) {
        Lsn mine = s.position().orElse(Lsn.ZERO);
        return agent.lease().published().map(p -> Math.max(0, p.position().minus(mine))).orElse(0L);
    }

    private void status(HttpExchange x, Optional<MemberStatus> own) throws IOException {
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
            byte[] body = JSON.writeValueAsBytes(m);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        } catch (JsonProcessingException e) {
            send(x, 500, "cannot write status");
        }
    }

    private static void send(HttpExchange x, int code, String text) throws IOException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        if ("HEAD".equals(x.getRequestMethod())) {
            x.sendResponseHeaders(code, -1);
            return;
        }
        x.sendResponseHeaders(code, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
