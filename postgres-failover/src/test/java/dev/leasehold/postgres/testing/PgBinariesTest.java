package dev.leasehold.postgres.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lookup order: PG_BIN first, then what the machine has, else Maven's (forced in MavenBinariesTest). */
class PgBinariesTest {
    @Test
    void pgBinWinsOverEverythingElse() throws Exception {
        PgBinaries found = PgBinaries.locate();
        Map<String, String> props = new HashMap<>();
        props.put("PG_BIN", found.binDir().toString());
        props.put("leasehold.pg.binaries", null);
        SystemProperties.with(props, () -> {
            PgBinaries viaPgBin = PgBinaries.locate();
            assertThat(viaPgBin.source()).isEqualTo(PgBinaries.Source.PG_BIN);
            assertThat(viaPgBin.binDir()).isEqualTo(found.binDir());
            assertThat(viaPgBin.description()).startsWith("PG_BIN=");
        });
    }

    @Test
    void withoutPgBinTheMachinesPostgresqlIsPreferredToMavens() {
        PgBinaries found = PgBinaries.locate();
        assertThat(PgBinaries.hasRequired(found.binDir())).isTrue();
        if (found.source() != PgBinaries.Source.MAVEN) {
            // this machine has PostgreSQL installed; Maven's is only the last resort
            assertThat(found.binDir().toString()).doesNotContain("leasehold-pg-bin");
        }
        assertThat(found.description()).isNotBlank();
    }
}
