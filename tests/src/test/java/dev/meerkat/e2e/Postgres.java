package dev.meerkat.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster from Debian's binaries on a free loopback port, one database per
 * service; stopped when the test JVM ends.
 */
final class Postgres implements AutoCloseable {
    private final Path bin;
    private final Path data;
    final int port;

    private Postgres(Path bin, Path data, int port) {
        this.bin = bin;
        this.data = data;
        this.port = port;
    }

    static Postgres start(Path work) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve("postgres"));
        Commands.openToServers(work);
        if (Commands.isRoot()) Commands.run(List.of("chown", "-R", "postgres:", dir.toString()));
        Path bin = binaries();
        Path data = dir.resolve("data");
        Commands.runAsPostgres(
                List.of(
                        bin.resolve("initdb").toString(),
                        "-D",
                        data.toString(),
                        "-A",
                        "trust",
                        "-U",
                        "meerkat",
                        "-E",
                        "UTF8",
                        "--no-sync"));
        int port = Ports.free();
        Commands.runAsPostgres(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        data.toString(),
                        "-l",
                        dir.resolve("log").toString(),
                        "-w",
                        "-o",
                        "-p "
                                + port
                                + " -k "
                                + dir
                                + " -c listen_addresses=127.0.0.1 -c fsync=off"
                                + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                        "start"));
        Postgres pg = new Postgres(bin, data, port);
        Runtime.getRuntime().addShutdownHook(new Thread(pg::close));
        return pg;
    }

    String createDatabase(String name) throws IOException, InterruptedException {
        Commands.run(
                List.of(
                        bin.resolve("createdb").toString(),
                        "-h",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(port),
                        "-U",
                        "meerkat",
                        name));
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name;
    }

    @Override
    public void close() {
        try {
            Commands.runAsPostgres(
                    List.of(
                            bin.resolve("pg_ctl").toString(),
                            "-D",
                            data.toString(),
                            "-m",
                            "immediate",
                            "-w",
                            "stop"));
        } catch (Exception ignored) {
            // already stopped
        }
    }

    private static Path binaries() throws IOException {
        String env = System.getenv("MEERKAT_PG_BIN");
        if (env != null) return Path.of(env);
        try (Stream<Path> s = Files.list(Path.of("/usr/lib/postgresql"))) {
            return s.sorted(Comparator.reverseOrder())
                    .map(p -> p.resolve("bin"))
                    .filter(p -> Files.isExecutable(p.resolve("initdb")))
                    .findFirst()
                    .orElseThrow(() -> new IOException("no PostgreSQL under /usr/lib/postgresql"));
        }
    }
}
