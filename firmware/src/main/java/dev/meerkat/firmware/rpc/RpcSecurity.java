package dev.meerkat.firmware.rpc;

import dev.meerkat.firmware.config.Config;
import dev.meerkat.firmware.fs.FileStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sets up a device's RPC security at network init from its configuration ({@code rpc.*}). Secure by
 * default: a device whose {@code rpc.auth_file} does not exist yet (a new device that was not given
 * credentials at manufacturing) creates user {@value RpcCredentials#ADMIN} with a random password,
 * keeps only its digest, and shows the password once on its console.
 */
public final class RpcSecurity {

    private RpcSecurity() {}

    /** The authenticator for this boot; creates the first credentials when there are none. */
    public static RpcAuthenticator authenticator(
            Config config, FileStore files, String deviceId, Consumer<String> console) {
        String realm = config.getString("rpc.auth_domain");
        String authFile = config.getString("rpc.auth_file");
        if (!authFile.isEmpty() && files.read(authFile).isEmpty()) {
            SecureRandom random = new SecureRandom();
            char[] password = RpcCredentials.generatePassword(random);
            files.write(
                    authFile,
                    RpcCredentials.htdigestLine(RpcCredentials.ADMIN, realm, password)
                            .getBytes(StandardCharsets.UTF_8));
            console.accept(
                    "rpc: created RPC user "
                            + RpcCredentials.ADMIN
                            + " (realm "
                            + realm
                            + ") with password "
                            + new String(password)
                            + " - shown once, only its digest is kept in "
                            + authFile);
            Arrays.fill(password, '\0');
        }
        DigestAuth digest = new DigestAuth(realm, new SecureRandom(), System::currentTimeMillis);
        List<String> tls =
                List.of(
                        config.getString("http.ssl_cert"),
                        config.getString("http.ssl_key"),
                        config.getString("http.ssl_ca_cert"));
        return new RpcAuthenticator(
                digest,
                files,
                new RpcAuthenticator.Settings(
                        authFile,
                        config.getString("rpc.acl_file"),
                        deviceId + "/rpc",
                        config.getString("rpc.mqtt_sources"),
                        tls,
                        List.of(config.getString("http.ssl_key"))));
    }
}
