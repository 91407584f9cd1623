package dev.leasehold.postgres.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The lookup order: PG_BIN first, then what the machine has, else Maven's (forced in MavenBinariesTest). */
class PgBinariesTest {
    @Test
    void pgBinWinsOverEverythingElse() {
        PgBinaries found = PgBinaries.locate();
        System.setProperty("PG_BIN", found.binDir().toString());
        try {
            PgBinaries viaPgBin = PgBinaries.locate();
            assertThat(viaPgBin.source()).isEqualTo(PgBinaries.Source.PG_BIN);
            assertThat(viaPgBin.binDir()).isEqualTo(found.binDir());
            assertThat(viaPgBin.description()).startsWith("PG_BIN=");
        } finally {
            System.clearProperty("PG_BIN");
        }
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
