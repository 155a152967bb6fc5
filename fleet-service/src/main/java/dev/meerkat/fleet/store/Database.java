package dev.meerkat.fleet.store;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.arc.InjectableInstance;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The fleet's relational store: PostgreSQL (datasource {@code pg}) when replicas share one
 * database, H2 in file mode (datasource {@code h2}) as the embedded default. Exactly one is active.
 */
@ApplicationScoped
public class Database {

    @Inject
    @DataSource("pg")
    InjectableInstance<AgroalDataSource> postgres;

    @Inject
    @DataSource("h2")
    InjectableInstance<AgroalDataSource> h2;

    @ConfigProperty(name = "quarkus.datasource.pg.active", defaultValue = "false")
    boolean postgresActive;

    private AgroalDataSource ds;

    @PostConstruct
    void init() {
        ds = postgresActive ? postgres.get() : h2.get();
    }

    public boolean isPostgres() {
        return postgresActive;
    }

    /**
     * Runs {@code work} in one transaction; a failure rolls everything back, audit entry included.
     */
    public <T> T tx(SqlWork<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** True when a connection can be opened and answers a trivial query (readiness). */
    public boolean reachable() {
        try (Connection c = ds.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** Work against one connection inside a transaction. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** A database failure; reported as 503/500 and never half-applied thanks to {@link #tx}. */
    public static final class StoreException extends RuntimeException {
        public StoreException(SQLException cause) {
            super("database: " + cause.getMessage(), cause);
        }
    }
}
