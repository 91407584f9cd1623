package dev.leasehold.postgres.agent;

import static dev.leasehold.postgres.agent.AgentFailoverTest.awaitPrimary;
import static dev.leasehold.postgres.agent.AgentFailoverTest.awaitReplicaOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's HTTP under slow, hostile and load-balancer clients, over real sockets, on two real members (one
 * primary, one streaming standby) with their agents, the failsafe on and a switchover token, so that every
 * endpoint is live.
 */
class AgentHttpTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final List<String> PROBES = List.of("/health", "/liveness", "/readiness", "/primary", "/replica");

    private static final String TOKEN = "t0ken";

    @TempDir
    static Path dir;
    private static AgentFixture f;
    private static int p;
    private static int r;

    @BeforeAll
    static void cluster() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        f = new AgentFixture(2, b -> b.failsafe(true).switchoverTokenFile(token));
        f.startAll();
        p = awaitPrimary(f, -1);
        r = 1 - p;
        awaitReplicaOf(f, r, p);
    }

    @AfterAll
    static void close() {
        if (f != null) {
            f.close();
        }
    }

    private static int port(int i) {
        return f.agents[i].httpPort().orElseThrow();
    }

    @Test
    void twoHundredHalfSentRequestsDoNotStarveTheProbesOrTheFailsafeEndpoint() {
        try (SlowClients onPrimary = new SlowClients(port(p), 200);
                SlowClients onReplica = new SlowClients(port(r), 200)) {
            for (int i : new int[] {p, r}) {
                for (String path : PROBES) {
                    int member = i;
                    await().atMost(BOUND).ignoreExceptions().untilAsserted(() -> assertThat(f.get(member, path).statusCode())
                            .as("%s on pg-%d with 200 slow connections open", path, member).isIn(200, 503));
                }
                int member = i;
                await().atMost(BOUND).ignoreExceptions().untilAsserted(() -> assertThat(RawHttp.send(port(member), "POST /failsafe"
                        + " HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").text())
                        .as("POST /failsafe on pg-%d with 200 slow connections open", member)
                        .contains("missing bearer token"));
            }
            assertThat(f.get(p, "/primary").statusCode()).isEqualTo(200);
            assertThat(f.get(r, "/replica").statusCode()).isEqualTo(200);
            await().atMost(BOUND).untilAsserted(() -> assertThat(onReplica.reopened())
                    .as("the server closes connections whose request does not finish").isPositive());
        }
    }

    @Test
    void halfSentRequestsAreAnsweredWith408AndClosed() {
        RawHttp.Reply reply = RawHttp.send(port(r), "GET /health HTTP/1.1\r\nHost: x\r\n");
        assertThat(reply.status()).isEqualTo(408);
        assertThat(reply.text()).contains("request not complete within", "Connection: close");
    }

    /** Issue 17, item 12: Patroni's HAProxy check sends OPTIONS /primary, which answered 405 on every path. */
    @Test
    void patronisHaproxyCheckLinesWorkAgainstTheAgent() {
        // the check lines of Patroni's documented HAProxy configuration, run as HAProxy runs them
        assertThat(haproxyCheck("option httpchk OPTIONS /primary", "http-check expect status 200", p)).isTrue();
        assertThat(haproxyCheck("option httpchk OPTIONS /primary", "http-check expect status 200", r)).isFalse();
        assertThat(haproxyCheck("option httpchk OPTIONS /master", "http-check expect status 200", p)).isTrue();
        assertThat(haproxyCheck("option httpchk OPTIONS /replica", "http-check expect status 200", r)).isTrue();
        assertThat(haproxyCheck("option httpchk OPTIONS /replica", "http-check expect status 200", p)).isFalse();
        assertThat(haproxyCheck("option httpchk OPTIONS /replica?lag=1MB", "http-check expect status 200", r))
                .isTrue();
        assertThat(haproxyCheck("option httpchk OPTIONS /read-only HTTP/1.1\\r\\nHost:\\ pg",
                "http-check expect status 200", p)).isTrue();
        assertThat(haproxyCheck("option httpchk GET /async HTTP/1.1", "http-check expect status 200", r)).isTrue();
    }

    /**
     * What HAProxy sends for {@code option httpchk <method> <uri> [<version>]} (version HTTP/1.0 unless given;
     * {@code \r\n} and {@code \ } in the version, as older configurations add headers) and whether the answer
     * meets {@code http-check expect status <code>}.
     */
    private static boolean haproxyCheck(String httpchk, String expect, int member) {
        String[] words = httpchk.split(" ", 5);
        String version = words.length > 4 ? words[4].replace("\\r\\n", "\r\n").replace("\\ ", " ") : "HTTP/1.0";
        RawHttp.Reply reply = RawHttp.send(port(member), words[2] + " " + words[3] + " " + version + "\r\n\r\n");
        return reply.status() == Integer.parseInt(expect.substring("http-check expect status ".length()));
    }

    @Test
    void healthEndpointsAnswerHeadAndOptionsAndPatronisAliasesWithPatronisMeaning() {
        for (String alias : List.of("/", "/master", "/read-write", "/leader", "/read-only")) {
            assertThat(f.send(p, alias, "OPTIONS").statusCode()).as("OPTIONS %s on the primary", alias)
                    .isEqualTo(200);
        }
        for (String alias : List.of("/", "/master", "/read-write", "/leader", "/sync", "/synchronous", "/async")) {
            assertThat(f.send(p, alias, "GET").statusCode()).as("%s on the primary", alias)
                    .isEqualTo(alias.contains("sync") ? 503 : 200);
        }
        for (String alias : List.of("/read-only", "/async", "/asynchronous", "/replica")) {
            assertThat(f.send(r, alias, "HEAD").statusCode()).as("HEAD %s on the standby", alias).isEqualTo(200);
        }
        assertThat(f.get(r, "/sync").statusCode()).isEqualTo(503);
        assertThat(f.get(r, "/sync").body()).contains("not in the published synchronous set");
        assertThat(f.get(r, "/master").statusCode()).isEqualTo(503);
        RawHttp.Reply head = RawHttp.send(port(p), "HEAD /primary HTTP/1.1\r\nHost: pg\r\n\r\n");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.text()).endsWith("\r\n\r\n");
        assertThat(f.send(p, "/primary", "DELETE").headers().firstValue("Allow")).contains("GET, HEAD, OPTIONS");
    }

    /** Issue 17, item 11: {@code /replica?lag=1MB} was refused; Patroni takes units. */
    @Test
    void replicaLagTakesPatronisUnits() {
        for (String lag : List.of("1048576", "1024kB", "1MB", "1GB", "1TB")) {
            assertThat(f.get(r, "/replica?lag=" + lag).statusCode()).as("lag=%s", lag).isEqualTo(200);
        }
        var bad = f.get(r, "/replica?lag=1XB");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("lag=1XB is not a byte count");
        assertThat(f.get(r, "/replica?lag=99999999TB").body()).contains("lag=99999999TB is more bytes");
        assertThat(f.get(r, "/replica?lga=1").body()).contains("unknown parameter: lga=1");
        assertThat(f.get(r, "/replica?lag=" + "9".repeat(70)).body()).contains("is not a byte count (a whole number");
    }

    /**
     * Seeded garbage and near-misses at every endpoint, a fixed count per run: each gets an HTTP answer (none
     * hangs: {@link RawHttp} waits 10 s at the most), no 500, no stack trace, and every refusal says what it
     * refused; afterwards the probes still answer.
     */
    @Test
    void fuzzedRequestsToEveryEndpointGetAnAnswerThatNamesWhatWasRefused() {
        Random random = new Random(17);
        String[] methods = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "get", "G\u0001T", "", "TRACE"};
        String[] paths = {"/", "/primary", "/master", "/leader", "/read-write", "/replica", "/read-only", "/sync",
            "/synchronous", "/async", "/asynchronous", "/health", "/liveness", "/readiness", "/status", "/metrics",
            "/switchover", "/failsafe", "/nope", "*", "http://x/primary", "/replica?lag=", "/replica?lag=-1",
            "/replica?lag=1MB&x", "/%00", "/primary/../status"};
        String[] versions = {"HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/1.1 extra", ""};
        // no body that a switchover would accept (with the token it would hand the primary over): the empty one,
        // {} and {"to": null} are left out; the failsafe asks are refused, as both members reach the API server
        String[] bodies = {"{\"to\": 5}", "{\"primary\": \"pg-0\", \"term\": 1, \"windowMs\": 1}", "[", "null",
            "{\"x\":1}", "{\"to\": \"pg-9\"}", "{\"primary\": \"pg-1\", \"term\": -1, \"windowMs\": 0}", "\u0000",
            "{\"to\": \"\"}"};
        for (int n = 0; n < 300; n++) {
            byte[] request;
            if (n % 10 == 9) {
                request = new byte[1 + random.nextInt(600)];
                random.nextBytes(request);
                request[request.length - 1] = '\n';
                request = (new String(request, StandardCharsets.ISO_8859_1) + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1);
            } else {
                String body = bodies[random.nextInt(bodies.length)];
                StringBuilder b = new StringBuilder().append(methods[random.nextInt(methods.length)]).append(' ')
                        .append(paths[random.nextInt(paths.length)]).append(' ')
                        .append(versions[random.nextInt(versions.length)]).append("\r\n");
                switch (random.nextInt(3)) {
                    case 0 -> b.append("Authorization: Bearer ").append(random.nextInt()).append("\r\n");
                    case 1 -> b.append("Authorization: Bearer ").append(TOKEN).append("\r\n");
                    default -> { }
                }
                switch (random.nextInt(5)) {
                    case 0 -> b.append("Content-Length: ").append(body.length()).append("\r\n");
                    case 1 -> b.append("Content-Length: x\r\n");
                    case 2 -> b.append("Transfer-Encoding: chunked\r\n");
                    case 3 -> b.append("Content-Length: 99999999\r\n");
                    default -> b.append("no colon here\r\n");
                }
                request = b.append("\r\n").append(body).toString().getBytes(StandardCharsets.ISO_8859_1);
            }
            RawHttp.Reply reply = RawHttp.send(port(n % 2 == 0 ? p : r), request);
            String shown = printable(request);
            assertThat(reply.status()).as("answer to %s", shown).isNotEqualTo(500);
            assertThat(reply.text()).as("answer to %s", shown).doesNotContain("Exception", "\tat ");
            boolean head = shown.startsWith("HEAD ");
            if (reply.status() >= 400 && !head && !reply.text().startsWith("HTTP/1.1 503")) {
                String body = reply.text().substring(reply.text().indexOf("\r\n\r\n") + 4);
                assertThat(body).as("refusal of %s", shown).isNotBlank();
            }
        }
        for (String path : PROBES) {
            assertThat(f.get(p, path).statusCode()).isIn(200, 503);
        }
    }

    private static String printable(byte[] request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : request) {
            if (b >= 0x20 && b < 0x7f) {
                out.write(b);
            } else {
                out.writeBytes(String.format("\\x%02x", b & 0xff).getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
