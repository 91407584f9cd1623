package dev.leasehold.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifiersTest {
    @Test
    void mapsPodNamesToSlotNames() {
        assertThat(Identifiers.slotNameFor("pg-0")).isEqualTo("pg_0");
        assertThat(Identifiers.slotNameFor("db-cluster-12")).isEqualTo("db_cluster_12");
        assertThat(Identifiers.requireSlotName("slot", "pg_0")).isEqualTo("pg_0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "PG-0", "pg 0", "pg'0", "pg\"0", "-pg", "pg-", "pg_0", "pg.0"})
    void refusesMemberNamesThatAreNotDnsLabels(String name) {
        assertThatThrownBy(() -> Identifiers.slotNameFor(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'").hasMessageContaining("DNS label");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Pg_0", "pg-0", "pg 0", "pg'0", "a123456789012345678901234567890123456789012345678901234567890123"})
    void refusesBadSlotNames(String name) {
        assertThatThrownBy(() -> Identifiers.requireSlotName("slot name", name))
                .hasMessage("slot name '" + name + "' is not a valid slot name: it must match [a-z0-9_]{1,63}");
    }

    @Test
    void quotesIdentifiersLiteralsAndConninfoValues() {
        assertThat(Identifiers.quoteIdentifier("a\"b")).isEqualTo("\"a\"\"b\"");
        assertThat(Identifiers.quoteLiteral("it's \\ here")).isEqualTo("E'it\\'s \\\\ here'");
        assertThat(Identifiers.quoteConninfoValue("/tmp/a b'c\\d")).isEqualTo("'/tmp/a b\\'c\\\\d'");
        assertThatThrownBy(() -> Identifiers.quoteLiteral("a\0b")).hasMessageContaining("NUL");
    }

    @Test
    void buildsSynchronousStandbyNames() {
        assertThat(SynchronousStandbys.setting(SynchronousStandbys.Method.ANY, 2, List.of("pg-1", "pg-2")))
                .isEqualTo("ANY 2 (\"pg_1\", \"pg_2\")");
        assertThat(SynchronousStandbys.setting(SynchronousStandbys.Method.FIRST, 1, List.of("pg-2")))
                .isEqualTo("FIRST 1 (\"pg_2\")");
        assertThatThrownBy(() -> SynchronousStandbys.setting(SynchronousStandbys.Method.ANY, 3, List.of("pg-1")))
                .hasMessage("synchronous standby count 3 must be between 1 and 1 (the number of members named)");
        assertThatThrownBy(() -> SynchronousStandbys.setting(SynchronousStandbys.Method.ANY, 1, List.of()))
                .hasMessageContaining("at least one member");
    }
}
