package dev.meerkat.signing.store;

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
 * The relational store: PostgreSQL (datasource {@code pg}) in production, H2 in file mode
 * (datasource {@code h2}) as the embedded default. Exactly one of them is active at runtime.
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

    @ConfigProperty(name = "meerkat.data-dir")
    java.nio.file.Path dataDir;

    private AgroalDataSource ds;

    @PostConstruct
    void init() {
        ds = postgresActive ? postgres.get() : h2.get();
    }

    /**
     * The embedded H2 file holds keys' metadata and the audit log: readable by the service's user
     * only.
     */
    void restrictFiles(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent ev) {
        if (postgresActive || !java.nio.file.Files.isDirectory(dataDir)) return;
        try {
            java.nio.file.Files.setPosixFilePermissions(
                    dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            try (java.util.stream.Stream<java.nio.file.Path> files =
                    java.nio.file.Files.list(dataDir)) {
                for (java.nio.file.Path f :
                        files.filter(f -> f.getFileName().toString().startsWith("meerkat."))
                                .toList()) {
                    java.nio.file.Files.setPosixFilePermissions(
                            f,
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                }
            }
        } catch (java.io.IOException | UnsupportedOperationException e) {
            org.jboss.logging.Logger.getLogger(Database.class)
                    .warnf("cannot restrict the database files in %s: %s", dataDir, e.getMessage());
        }
    }

    public String kind() {
        return postgresActive ? "postgresql" : "h2";
    }

    public Connection connect() throws SQLException {
        return ds.getConnection();
    }

    /** Runs {@code work} in one transaction; rolls back on any failure. */
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

    /** Runs {@code work} in autocommit mode: a single statement then costs a single round trip. */
    public <T> T autocommit(SqlWork<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** Work against one connection inside a transaction. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** A database failure; reported as a 500 and never half-applied thanks to {@link #tx}. */
    public static final class StoreException extends RuntimeException {
        public StoreException(SQLException cause) {
            super("database: " + cause.getMessage(), cause);
        }
    }
}
