package dev.meerkat.fleet.store;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.arc.InjectableInstance;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    /**
     * Work each open transaction runs last, right before its commit (see {@link #beforeCommit}).
     */
    private final Map<Connection, List<SqlWork<?>>> lastSteps = new ConcurrentHashMap<>();

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
            List<SqlWork<?>> last = new ArrayList<>(1);
            lastSteps.put(c, last);
            try {
                T result = work.run(c);
                for (int i = 0; i < last.size(); i++) last.get(i).run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                lastSteps.remove(c);
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /**
     * Defers {@code step} to the end of the transaction {@link #tx} runs on {@code c}, after all of
     * its other work and right before its commit; false (nothing deferred) when {@code c} is not
     * such a transaction. A step that takes a lock shared by every writer (the audit chain head)
     * thus holds it only for the commit and never waits for another lock while holding it.
     */
    public boolean beforeCommit(Connection c, SqlWork<?> step) {
        List<SqlWork<?>> last = lastSteps.get(c);
        if (last == null) return false;
        last.add(step);
        return true;
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
