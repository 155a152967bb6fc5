package dev.meerkat.fleet.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** A throwaway device CA run by the openssl command line: certificates, revocations, CRLs. */
final class OpensslCa {
    final Path dir;

    private OpensslCa(Path dir) {
        this.dir = dir;
    }

    /** A CA made earlier in {@code dir}. */
    static OpensslCa existing(Path dir) {
        return new OpensslCa(dir);
    }

    OpensslCa(Path dir, String name) throws Exception {
        this.dir = Files.createDirectories(dir);
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "1001\n");
        Files.writeString(dir.resolve("crlnumber"), "01\n");
        Files.writeString(
                dir.resolve("ca.cnf"),
                String.join(
                        "\n",
                        "[ ca ]",
                        "default_ca = device_ca",
                        "[ device_ca ]",
                        "dir = " + dir,
                        "database = $dir/index.txt",
                        "new_certs_dir = $dir",
                        "certificate = $dir/ca.pem",
                        "private_key = $dir/ca.key",
                        "serial = $dir/serial",
                        "crlnumber = $dir/crlnumber",
                        "default_md = sha256",
                        "default_days = 2",
                        "default_crl_days = 1",
                        "policy = any",
                        "[ any ]",
                        "commonName = supplied",
                        "organizationName = optional",
                        ""));
        openssl(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-subj",
                "/CN=" + name,
                "-days",
                "2");
    }

    Path caCertificate() {
        return dir.resolve("ca.pem");
    }

    /** Issues a device certificate; returns its PEM file (key beside it, {@code <cn>.key}). */
    Path issue(String cn) throws Exception {
        return issue(cn, "/CN=" + cn);
    }

    /**
     * Issues a certificate for an openssl {@code -subj} subject ({@code /CN=a/O=b}); its files are
     * {@code <name>.pem} and {@code <name>.key}.
     */
    Path issue(String name, String subject) throws Exception {
        String cn = name;
        openssl(
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                cn + ".key",
                "-out",
                cn + ".csr",
                "-subj",
                subject);
        openssl(
                "ca",
                "-batch",
                "-config",
                "ca.cnf",
                "-notext",
                "-in",
                cn + ".csr",
                "-out",
                cn + ".pem");
        return dir.resolve(cn + ".pem");
    }

    /** A server certificate for 127.0.0.1 (subjectAltName IP), key beside it. */
    Path issueServer(String cn) throws Exception {
        Files.writeString(dir.resolve("san.cnf"), "[ san ]\nsubjectAltName = IP:127.0.0.1\n");
        openssl(
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                cn + ".key",
                "-out",
                cn + ".csr",
                "-subj",
                "/CN=" + cn);
        openssl(
                "ca",
                "-batch",
                "-config",
                "ca.cnf",
                "-notext",
                "-in",
                cn + ".csr",
                "-out",
                cn + ".pem",
                "-extfile",
                "san.cnf",
                "-extensions",
                "san");
        return dir.resolve(cn + ".pem");
    }

    /** The certificate and its key as PKCS#12 (password {@code test}), for a TLS client. */
    Path p12(String cn) throws Exception {
        openssl(
                "pkcs12",
                "-export",
                "-inkey",
                cn + ".key",
                "-in",
                cn + ".pem",
                "-out",
                cn + ".p12",
                "-passout",
                "pass:test");
        return dir.resolve(cn + ".p12");
    }

    void revoke(Path cert, String reason) throws Exception {
        openssl("ca", "-config", "ca.cnf", "-revoke", cert.toString(), "-crl_reason", reason);
    }

    /** A DER CRL valid for a day, or for {@code seconds} when given. */
    Path crl(String name, Integer seconds) throws Exception {
        List<String> args =
                new ArrayList<>(
                        List.of("ca", "-config", "ca.cnf", "-gencrl", "-out", name + ".pem"));
        if (seconds != null) {
            args.addAll(List.of("-crlsec", seconds.toString()));
        }
        openssl(args.toArray(String[]::new));
        openssl("crl", "-in", name + ".pem", "-outform", "DER", "-out", name + ".der");
        return dir.resolve(name + ".der");
    }

    static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p =
                new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed:\n" + out);
    }
}
