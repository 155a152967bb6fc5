package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * The options every device command shares: where the device is, who we are, and TLS. Credentials
 * come from (first match) {@code --password}, {@code --password-file}, {@code --credentials} (an
 * htdigest file), or the environment variable {@code MEERKAT_DEVICE_PASSWORD}; without any, calls
 * are anonymous.
 */
public final class DeviceOptions {

    /** Environment variables read when the options are absent. */
    static final String ENV_PORT = "MEERKAT_DEVICE_PORT";

    static final String ENV_USER = "MEERKAT_DEVICE_USER";
    static final String ENV_PASSWORD = "MEERKAT_DEVICE_PASSWORD";

    @Option(
            names = "--port",
            paramLabel = "URL",
            order = 1,
            description = "The device, as a URL (forms below; default: $" + ENV_PORT + ").")
    String port;

    @Option(
            names = "--user",
            paramLabel = "NAME",
            order = 2,
            description = "RPC user (default: $" + ENV_USER + ", else admin).")
    String user;

    @Option(
            names = "--password",
            paramLabel = "PASSWORD",
            order = 3,
            arity = "0..1",
            interactive = true,
            description =
                    "Password (without a value: asked for on the terminal; a value is visible to other "
                            + "local users).")
    char[] password;

    @Option(
            names = "--password-file",
            paramLabel = "FILE",
            order = 4,
            description = "Read the password from the first line of FILE.")
    Path passwordFile;

    @Option(
            names = "--credentials",
            paramLabel = "FILE",
            order = 5,
            description =
                    "An htdigest file (user:realm:HA1, as the device's rpc_auth.txt): no clear-text password.")
    Path credentialsFile;

    @Option(
            names = "--ca-cert",
            paramLabel = "PEM",
            order = 6,
            description = "CA certificates to trust for https, wss, mqtts (default: the system's).")
    Path caCert;

    @Option(
            names = "--cert",
            paramLabel = "PEM",
            order = 7,
            description =
                    "Client certificate (chain) for https, wss (its common name is the RPC user) and mqtts.")
    Path cert;

    @Option(names = "--key", paramLabel = "PEM", order = 8, description = "Private key of --cert.")
    Path key;

    @Option(
            names = "--src",
            paramLabel = "NAME",
            order = 9,
            defaultValue = "meerkat",
            description =
                    "MQTT source name: answers come on NAME/rpc; the device must list it in rpc.mqtt_sources "
                            + "(default ${DEFAULT-VALUE}).")
    String source;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            order = 10,
            defaultValue = "10",
            description =
                    "How long to wait for the device to answer one call (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** The footer lines every device command shows: the forms of --port. */
    public static final String PORTS =
            "%nPorts (--port):%n"
                    + "  http://HOST:PORT    https://HOST:PORT     HTTP Digest, or a client certificate%n"
                    + "  ws://HOST:PORT      wss://HOST:PORT       Digest in each mg_rpc frame%n"
                    + "  mqtt://BROKER:PORT/DEVICE-ID   mqtts://BROKER:PORT/DEVICE-ID%n"
                    + "                      frames on DEVICE-ID/rpc from --src; Digest in the frame%n"
                    + "Credentials (first given): --password, --password-file, --credentials,%n"
                    + "  $"
                    + ENV_PASSWORD
                    + "; none: anonymous.";

    /** The device port, checked. */
    public DevicePort port() {
        String p = port != null ? port : System.getenv(ENV_PORT);
        if (p == null || p.isBlank()) {
            throw CliException.usage("--port is required (or set " + ENV_PORT + ")");
        }
        return DevicePort.parse(p.strip());
    }

    public Duration timeout() {
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw CliException.usage("--timeout must be 1..3600 seconds");
        }
        return Duration.ofSeconds(timeoutSeconds);
    }

    /** The credentials the options and environment give. */
    public DeviceCredentials credentials() {
        String name = user != null ? user : System.getenv().getOrDefault(ENV_USER, "admin");
        int given =
                (password != null ? 1 : 0)
                        + (passwordFile != null ? 1 : 0)
                        + (credentialsFile != null ? 1 : 0);
        if (given > 1) {
            throw CliException.usage(
                    "give only one of --password, --password-file and --credentials");
        }
        try {
            if (password != null) {
                return DeviceCredentials.password(name, password);
            }
            if (passwordFile != null) {
                String line =
                        Files.readAllLines(passwordFile).stream().findFirst().orElse("").strip();
                if (line.isEmpty()) {
                    throw CliException.usage(
                            "--password-file " + passwordFile + ": the first line is empty");
                }
                return DeviceCredentials.password(name, line.toCharArray());
            }
            if (credentialsFile != null) {
                return DeviceCredentials.htdigest(
                        name, Files.readString(credentialsFile), credentialsFile.toString());
            }
        } catch (IOException e) {
            throw new CliException(ExitCode.IO, "I/O error: " + e.getMessage(), e);
        }
        String env = System.getenv(ENV_PASSWORD);
        if (env != null && !env.isEmpty()) {
            return DeviceCredentials.password(name, env.toCharArray());
        }
        return DeviceCredentials.anonymous();
    }

    /** Opens the link the port names (an MQTT link connects to the broker at once). */
    public RpcLink open() {
        DevicePort p = port();
        DeviceCredentials c = credentials();
        Duration t = timeout();
        SSLContext tls = tls(p);
        if (p.mqtt()) {
            if (!source.matches("[A-Za-z0-9._-]{1,64}")) {
                throw CliException.usage("--src must be 1-64 letters, digits, '.', '_' or '-'");
            }
            return new FrameRpcLink(new MqttChannel(p, source, tls, t), c, t);
        }
        if (p.webSocket()) {
            return new FrameRpcLink(new WebSocketChannel(p, tls, t), c, t);
        }
        return new HttpRpcLink(p, c, tls, t);
    }

    /**
     * The TLS context for the port (null for plain ones); TLS options on a plain port are a usage
     * error.
     */
    SSLContext tls(DevicePort p) {
        if (!p.tls()) {
            if (caCert != null || cert != null || key != null) {
                throw CliException.usage(
                        "--ca-cert, --cert and --key need https://, wss:// or mqtts://");
            }
            return null;
        }
        return ClientTls.context(caCert, cert, key);
    }

    /** Calls and turns an error frame into the command's one-line error (exit 1). */
    public JsonNode call(RpcLink link, String method, JsonNode args) {
        try {
            return link.call(method, args);
        } catch (DeviceError e) {
            throw e.toCli(credentials());
        }
    }
}
