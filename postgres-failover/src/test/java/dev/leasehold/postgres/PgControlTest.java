package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.postgres.testing.PostgresCluster;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reading {@code global/pg_control} directly agrees with the server (and with {@code pg_controldata}
 * where the binaries have it; the Maven-delivered ones do not).
 */
class PgControlTest {
    @Test
    void matchesTheServerAndPgControldata() throws Exception {
        try (PostgresCluster c = PostgresCluster.start(1)) {
            PostgresInstance pg0 = c.member(0);
            long sysid;
            try (var conn = pg0.connect(); var s = conn.createStatement();
                    ResultSet rs = s.executeQuery("SELECT system_identifier FROM pg_control_system()")) {
                rs.next();
                sysid = rs.getLong(1);
            }
            Path data = pg0.config().dataDir().orElseThrow();
            assertThat(PgControl.read(data).state()).isEqualTo(PgControl.DbState.IN_PRODUCTION);
            pg0.fence(Duration.ofSeconds(10));
            PgControl control = PgControl.read(data);
            assertThat(control.systemIdentifier()).isEqualTo(sysid);
            assertThat(control.state()).isEqualTo(PgControl.DbState.SHUT_DOWN);
            assertThat(control.cleanlyShutDown()).isTrue();
            assertThat(control.timeline()).isEqualTo(1);
            assertThat(control.minRecoveryPoint()).isEqualTo(Lsn.ZERO);
            if (pg0.commands().has("pg_controldata")) {
                Map<String, String> fields = controldata(pg0, data);
                assertThat(fields.get("Database system identifier")).isEqualTo(Long.toUnsignedString(sysid));
                assertThat(fields.get("Latest checkpoint location")).isEqualTo(control.checkpoint().toString());
                assertThat(fields.get("Latest checkpoint's TimeLineID")).isEqualTo("1");
                assertThat(fields.get("Database cluster state")).isEqualTo("shut down");
            }
        }
    }

    private static Map<String, String> controldata(PostgresInstance pg0, Path data) {
        String out = pg0.commands().runOrThrow(Duration.ofSeconds(10), Map.of("LC_ALL", "C"), "pg_controldata",
                List.of("-D", data.toString())).output();
        Map<String, String> fields = new HashMap<>();
        for (String line : out.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }
}
