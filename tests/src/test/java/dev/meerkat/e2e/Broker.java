package dev.meerkat.e2e;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Mosquitto as production runs it (k8s/examples/mosquitto): TLS only, a client certificate required
 * and its CN taken as the user name, the device CA's CRL checked, and an ACL that lets a device use
 * only its own mg_rpc topics while user {@code fleet-service} uses all of them.
 *
 * <p>The broker's own certificate, the fleet service's MQTT client certificate and its HTTPS server
 * certificate come from an operations CA made here with openssl; devices present the certificates
 * the signing service's device CA issued at the factory.
 */
final class Broker implements AutoCloseable {
    static final String P12_PASSWORD = "e2e-fleet-mqtt";
    private final Path dir;
    final int port;
    private Process process;

    private Broker(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Makes the operations CA, the broker's and the fleet service's certificates. */
    static Broker prepare(Path work) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve("mosquitto"));
        Commands.openToServers(dir);
        Files.writeString(
                dir.resolve("ext.cnf"),
                String.join(
                        "\n",
                        "[server]",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "extendedKeyUsage=serverAuth",
                        "[client]",
                        "extendedKeyUsage=clientAuth",
                        "[ca]",
                        "default_ca=crl",
                        "[crl]",
                        "database=index.txt",
                        "crlnumber=crlnumber",
                        "default_md=sha256",
                        "default_crl_days=1",
                        ""));
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("crlnumber"), "01\n");
        openssl(
                dir,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=Meerkat operations CA",
                "-keyout",
                "ops-ca.key",
                "-out",
                "ops-ca.crt");
        issue(dir, "localhost", "server");
        issue(dir, "fleet-service", "client");
        // the fleet service's HTTPS listener (devices authenticate there with their chip keys)
        issue(dir, "fleet-service-https", "server");
        openssl(
                dir,
                "ca",
                "-config",
                "ext.cnf",
                "-gencrl",
                "-keyfile",
                "ops-ca.key",
                "-cert",
                "ops-ca.crt",
                "-out",
                "ops-ca.crl");
        openssl(
                dir,
                "pkcs12",
                "-export",
                "-in",
                "fleet-service.crt",
                "-inkey",
                "fleet-service.key",
                "-certfile",
                "ops-ca.crt",
                "-passout",
                "pass:" + P12_PASSWORD,
                "-out",
                "fleet-service.p12");
        Files.writeString(
                dir.resolve("acl"),
                "pattern read %u/rpc\npattern write fleet/%u/rpc\npattern write %u/ota\n\n"
                        + "user fleet-service\ntopic readwrite #\n");
        return new Broker(dir, Ports.free());
    }

    private static void issue(Path dir, String cn, String ext)
            throws IOException, InterruptedException {
        openssl(
                dir,
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=" + cn,
                "-keyout",
                cn + ".key",
                "-out",
                cn + ".csr");
        openssl(
                dir,
                "x509",
                "-req",
                "-in",
                cn + ".csr",
                "-CA",
                "ops-ca.crt",
                "-CAkey",
                "ops-ca.key",
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                "ext.cnf",
                "-extensions",
                ext,
                "-out",
                cn + ".crt");
    }

    static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Commands.run(cmd, java.util.Map.of(), dir);
    }

    /** The CA certificate devices and the fleet service trust for the broker. */
    Path caCertificate() {
        return dir.resolve("ops-ca.crt");
    }

    /** The fleet service's HTTPS server certificate (for 127.0.0.1) and its key, PEM. */
    Path fleetHttpsCertificate() {
        return dir.resolve("fleet-service-https.crt");
    }

    Path fleetHttpsKey() {
        return dir.resolve("fleet-service-https.key");
    }

    Path fleetServiceP12() {
        return dir.resolve("fleet-service.p12");
    }

    String url() {
        return "ssl://localhost:" + port;
    }

    /**
     * (Re)starts the broker trusting the device CA chain and checking its CRL (DER, as the signing
     * service serves it); a restart is how the operator's tooling makes Mosquitto read a new CRL.
     */
    void start(Path deviceChain, byte[] deviceCrlDer) throws IOException, InterruptedException {
        close();
        Files.write(dir.resolve("device-ca.crl.der"), deviceCrlDer);
        openssl(
                dir,
                "crl",
                "-inform",
                "DER",
                "-in",
                "device-ca.crl.der",
                "-out",
                "device-ca.crl.pem");
        Files.writeString(
                dir.resolve("trusted.pem"),
                Files.readString(dir.resolve("ops-ca.crt")) + Files.readString(deviceChain));
        Files.writeString(
                dir.resolve("crls.pem"),
                Files.readString(dir.resolve("ops-ca.crl"))
                        + Files.readString(dir.resolve("device-ca.crl.pem")));
        Files.writeString(
                dir.resolve("mosquitto.conf"),
                String.join(
                        "\n",
                        "per_listener_settings false",
                        "persistence false",
                        "log_dest file " + dir.resolve("mosquitto.log"),
                        "log_type error",
                        "log_type warning",
                        "log_type notice",
                        "connection_messages true",
                        "max_inflight_messages 0",
                        "max_queued_messages 100000",
                        "listener " + port + " 127.0.0.1",
                        "cafile " + dir.resolve("trusted.pem"),
                        "certfile " + dir.resolve("localhost.crt"),
                        "keyfile " + dir.resolve("localhost.key"),
                        "crlfile " + dir.resolve("crls.pem"),
                        "require_certificate true",
                        "use_identity_as_username true",
                        "tls_version tlsv1.2",
                        "allow_anonymous false",
                        "acl_file " + dir.resolve("acl"),
                        ""));
        // Started as root, Mosquitto drops to its own user: it reads these test-only files.
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
            }
        }
        process =
                new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(
                                java.lang.ProcessBuilder.Redirect.appendTo(
                                        dir.resolve("stdout.log").toFile()))
                        .start();
        Process p = process;
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!p.isAlive())
                    throw new IOException(
                            "mosquitto exited: " + Files.readString(dir.resolve("stdout.log")));
                Thread.sleep(50);
            }
        }
        throw new IOException("mosquitto did not listen on " + port);
    }

    /**
     * What openssl says of {@code certificate} with the CA chain and the CRL the broker was started
     * with ({@code openssl verify -crl_check}), exit status aside.
     */
    String verifyWithCrl(Path certificate) throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(
                                "openssl",
                                "verify",
                                "-crl_check",
                                "-CAfile",
                                dir.resolve("trusted.pem").toString(),
                                "-CRLfile",
                                dir.resolve("device-ca.crl.pem").toString(),
                                certificate.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /** What the broker logged so far (connections, TLS refusals). */
    String log() throws IOException {
        Path log = dir.resolve("mosquitto.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
    }
}
