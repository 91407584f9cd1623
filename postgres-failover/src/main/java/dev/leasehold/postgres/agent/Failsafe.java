package dev.leasehold.postgres.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary side of the API-server outage failsafe. While the primary's renews fail, it asks every member it
 * knows ({@code POST /failsafe} on each agent) to promise not to take over for {@code window}; a member promises
 * only when it cannot reach the API server itself, does not hold a term, is not writable, and names the same
 * holder and term (see {@link FailsafePromises#confirm}). When every member promised, the primary may stay writable
 * until the round's start plus the shortest promise, less the fence margin (two fence timeouts and the clock-rate
 * drift; the arithmetic is {@link FailsafeWindow}'s): each promise started after the round did on the member's
 * clock, so every member is still bound when the primary's fence has finished. One member that cannot be
 * reached, refuses or answers late proves nothing, and the primary then fences at its deadline as without failsafe.
 *
 * <p>The rounds run on the agent's failsafe thread; {@link #remaining()} is read by the loop and the watchdog.
 */
final class Failsafe {
    private static final Logger LOG = LoggerFactory.getLogger(Failsafe.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where one member's agent listens. */
    record Peer(String name, String host, int port) {
    }

    /** How one round went: every peer confirmed, or the first reason one did not. */
    record Round(boolean confirmed, Duration granted, String reason) {
    }

    private final String self;
    private final AgentConfig.Failsafe settings;
    private final FailsafeWindow proven;
    private final Optional<Path> tokenFile;
    private final LongSupplier nanoTime;
    private final HttpClient http;
    private volatile String lastReason = "";

    Failsafe(String self, AgentConfig config, LongSupplier nanoTime) {
        this.self = self;
        this.settings = config.failsafe().orElseThrow();
        this.proven = new FailsafeWindow(settings.window(), config.fenceTimeout(), config.maxClockDrift(),
                settings.limit());
        this.tokenFile = config.switchoverTokenFile();
        this.nanoTime = nanoTime;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
    }

    /**
     * How much longer the confirmations gathered keep this primary writable; zero when none do. Never past
     * {@code limit} after the first confirmed round of this outage.
     */
    Duration remaining() {
        return proven.remaining(nanoTime.getAsLong());
    }

    /** Whether the confirmations hit {@code limit}: the primary then fences whatever the members say. */
    boolean limitReached() {
        return proven.limitReached(nanoTime.getAsLong());
    }

    /** Forgets what was proven (the server was fenced, or renews succeed again: the outage is over). */
    void clear() {
        proven.clear();
    }

    /**
     * Asks every peer, in parallel, to promise; on success extends what is proven. Blocks for at most the
     * confirmation timeout.
     */
    Round round(long term, List<Peer> peers) {
        long start = nanoTime.getAsLong();
        Map<String, CompletableFuture<HttpResponse<String>>> asked = new LinkedHashMap<>();
        String body;
        try {
            body = JSON.writeValueAsString(Map.of("primary", self, "term", term, "windowMs",
                    settings.window().toMillis()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a failsafe request", e);
        }
        Optional<String> token = token();
        for (Peer p : peers) {
            if (p.port() <= 0 || p.host().isBlank()) {
                return note(new Round(false, Duration.ZERO, p.name() + " publishes no agent address"));
            }
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + hostPart(p.host()) + ":" + p.port()
                    + "/failsafe")).timeout(settings.timeout()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            token.ifPresent(t -> r.header("Authorization", "Bearer " + t));
            asked.put(p.name(), http.sendAsync(r.build(), HttpResponse.BodyHandlers.ofString()));
        }
        long granted = settings.window().toMillis();
        List<String> refusals = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> e : asked.entrySet()) {
            long wait = settings.timeout().toNanos() - (nanoTime.getAsLong() - start);
            try {
                HttpResponse<String> answer = e.getValue().get(Math.max(0, wait), TimeUnit.NANOSECONDS);
                if (answer.statusCode() != 200) {
                    refusals.add(e.getKey() + " refused (" + answer.statusCode() + "): " + reason(answer.body()));
                    continue;
                }
                granted = Math.min(granted, promised(answer.body()));
            } catch (TimeoutException ex) {
                e.getValue().cancel(true);
                refusals.add(e.getKey() + " did not answer within " + settings.timeout());
            } catch (ExecutionException ex) {
                refusals.add(e.getKey() + " cannot be reached: " + ex.getCause());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return note(new Round(false, Duration.ZERO, "interrupted"));
            } catch (IllegalArgumentException ex) {
                refusals.add(e.getKey() + " answered nonsense: " + ex.getMessage());
            }
        }
        if (!refusals.isEmpty()) {
            return note(new Round(false, Duration.ZERO, String.join("; ", refusals)));
        }
        proven.confirmed(start, Duration.ofMillis(granted));
        lastReason = "";
        return new Round(true, Duration.ofMillis(granted), peers.size() + " members confirmed");
    }

    /**
     * Sends one request to this agent's own endpoint (refused: a member does not confirm to itself), so that the
     * HTTP client's and the endpoint's first use, class loading included, is not the first round of an outage.
     */
    void warmUp(int ownPort) {
        try {
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ownPort + "/failsafe"))
                    .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("primary", self,
                            "term", 0, "windowMs", 1)))).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            LOG.debug("{}: failsafe warm-up request failed: {}", self, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Round note(Round r) {
        if (!r.reason().equals(lastReason)) {
            LOG.info("{}: failsafe not proven: {}", self, r.reason());
            lastReason = r.reason();
        }
        return r;
    }

    private Optional<String> token() {
        if (tokenFile.isEmpty()) {
            return Optional.empty();
        }
        try {
            String t = SwitchoverEndpoint.readToken(tokenFile.get());
            return t.isEmpty() ? Optional.empty() : Optional.of(t);
        } catch (IOException e) {
            LOG.warn("{}: switchoverTokenFile = {}: cannot read it for failsafe requests: {}", self, tokenFile.get(),
                    e.toString());
            return Optional.empty();
        }
    }

    private static String hostPart(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static long promised(String body) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        JsonNode ms = n == null ? null : n.get("promisedMs");
        if (ms == null || !ms.canConvertToLong() || ms.asLong() <= 0) {
            throw new IllegalArgumentException("field promisedMs = " + ms + " is not a positive number");
        }
        return ms.asLong();
    }

    private static String reason(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("error")) {
                return n.get("error").asText();
            }
        } catch (IOException e) {
            // fall through: show the raw text
        }
        return body.length() > 200 ? body.substring(0, 200) + "..." : body;
    }
}
