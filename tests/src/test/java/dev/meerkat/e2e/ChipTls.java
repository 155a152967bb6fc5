package dev.meerkat.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * HTTPS as a device makes it: TLS client authentication with the device's certificate chain, the
 * handshake signed by the key inside its chip, reached over the kit protocol ({@link KitChip}).
 * JSSE gets a private key handle without key material; a JCA provider that accepts only such
 * handles (its {@code SupportedKeyClasses}) signs the CertificateVerify message in the chip, and
 * every other key keeps going to the JDK's providers.
 */
final class ChipTls {
    private static final int DEVICE_KEY_SLOT = 0;

    private ChipTls() {}

    /** The answer to a device's request. */
    record Answer(int status, String contentType, String body) {}

    /**
     * GET {@code url} presenting {@code chain} (PEM, device certificate first) with the key in the
     * chip at {@code kit}; the server is trusted through {@code serverCa}. A fresh client per call,
     * so no TLS session or connection is shared between devices.
     */
    static Answer get(String url, Path chain, KitChip kit, Path serverCa) throws Exception {
        List<X509Certificate> certs = certificates(chain);
        ECPublicKey certKey = (ECPublicKey) certs.get(0).getPublicKey();
        byte[] chipKey = kit.publicKey(DEVICE_KEY_SLOT);
        if (!Arrays.equals(chipKey, rawPoint(certKey)))
            throw new AssertionError(
                    "the chip's slot " + DEVICE_KEY_SLOT + " key is not the certificate's key");
        ChipKey key = new ChipKey(kit, certKey.getParams());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (X509Certificate c : certificates(serverCa)) trust.setCertificateEntry("ca" + i++, c);
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(
                new javax.net.ssl.KeyManager[] {
                    new DeviceKeyManager(key, certs.toArray(new X509Certificate[0]))
                },
                tmf.getTrustManagers(),
                null);
        SSLParameters params = tls.getDefaultSSLParameters();
        Provider chip = new ChipProvider();
        Security.insertProviderAt(chip, 1);
        try {
            HttpClient http =
                    HttpClient.newBuilder()
                            .sslContext(tls)
                            .sslParameters(params)
                            .connectTimeout(Duration.ofSeconds(10))
                            .build();
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(60))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
        } finally {
            Security.removeProvider(chip.getName());
        }
    }

    static List<X509Certificate> certificates(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(c -> (X509Certificate) c)
                    .toList();
        }
    }

    private static byte[] rawPoint(ECPublicKey k) {
        byte[] out = new byte[64];
        fixed(k.getW().getAffineX(), out, 0);
        fixed(k.getW().getAffineY(), out, 32);
        return out;
    }

    private static void fixed(BigInteger v, byte[] out, int off) {
        byte[] b = v.toByteArray();
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, off + 32 - n, n);
    }

    /** r||s (32 bytes each) as the DER SEQUENCE of two INTEGERs TLS carries. */
    static byte[] der(byte[] rs) {
        byte[] r = new BigInteger(1, Arrays.copyOfRange(rs, 0, 32)).toByteArray();
        byte[] s = new BigInteger(1, Arrays.copyOfRange(rs, 32, 64)).toByteArray();
        byte[] out = new byte[6 + r.length + s.length];
        out[0] = 0x30;
        out[1] = (byte) (4 + r.length + s.length);
        out[2] = 0x02;
        out[3] = (byte) r.length;
        System.arraycopy(r, 0, out, 4, r.length);
        out[4 + r.length] = 0x02;
        out[5 + r.length] = (byte) s.length;
        System.arraycopy(s, 0, out, 6 + r.length, s.length);
        return out;
    }

    /** A handle for the chip's device key: no key material, the curve for JSSE. */
    static final class ChipKey implements PrivateKey, ECKey {
        private static final long serialVersionUID = 1L;
        final transient KitChip kit;
        private final transient ECParameterSpec params;

        ChipKey(KitChip kit, ECParameterSpec params) {
            this.kit = kit;
            this.params = params;
        }

        @Override
        public String getAlgorithm() {
            return "EC";
        }

        @Override
        public String getFormat() {
            return null;
        }

        @Override
        public byte[] getEncoded() {
            return null;
        }

        @Override
        public ECParameterSpec getParams() {
            return params;
        }
    }

    /** SHA256withECDSA for {@link ChipKey}s only: the host hashes, the chip signs the digest. */
    static final class ChipProvider extends Provider {
        private static final long serialVersionUID = 1L;

        ChipProvider() {
            super("MeerkatE2eKitChip", "1.0", "device keys in a chip behind the kit protocol");
            putService(
                    new Service(
                            this,
                            "Signature",
                            "SHA256withECDSA",
                            ChipSignature.class.getName(),
                            null,
                            Map.of("SupportedKeyClasses", ChipKey.class.getName())) {
                        @Override
                        public Object newInstance(Object constructorParameter) {
                            return new ChipSignature();
                        }

                        @Override
                        public boolean supportsParameter(Object parameter) {
                            return parameter instanceof ChipKey;
                        }
                    });
        }
    }

    static final class ChipSignature extends SignatureSpi {
        private final MessageDigest sha256;
        private ChipKey key;

        ChipSignature() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
            if (!(privateKey instanceof ChipKey k)) throw new InvalidKeyException("not a chip key");
            key = k;
            sha256.reset();
        }

        @Override
        protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
            throw new InvalidKeyException("the chip provider only signs");
        }

        @Override
        protected void engineUpdate(byte b) {
            sha256.update(b);
        }

        @Override
        protected void engineUpdate(byte[] b, int off, int len) {
            sha256.update(b, off, len);
        }

        @Override
        protected byte[] engineSign() throws SignatureException {
            try {
                return der(key.kit.sign(DEVICE_KEY_SLOT, sha256.digest()));
            } catch (IOException e) {
                throw new SignatureException("the chip did not sign: " + e.getMessage(), e);
            }
        }

        @Override
        protected boolean engineVerify(byte[] sig) throws SignatureException {
            throw new SignatureException("the chip provider only signs");
        }

        @Override
        @Deprecated
        protected void engineSetParameter(String param, Object value) {
            throw new InvalidParameterException("no parameters");
        }

        @Override
        @Deprecated
        protected Object engineGetParameter(String param) {
            throw new InvalidParameterException("no parameters");
        }
    }

    /** Offers the chip key and its chain to any server that asks for an EC client certificate. */
    static final class DeviceKeyManager extends X509ExtendedKeyManager {
        private final ChipKey key;
        private final X509Certificate[] chain;

        DeviceKeyManager(ChipKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        private static String alias(String[] keyTypes) {
            for (String t : keyTypes == null ? new String[0] : keyTypes) {
                if (t != null && (t.equals("EC") || t.startsWith("EC_"))) return "device";
            }
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias(keyType);
        }

        @Override
        public String chooseEngineClientAlias(
                String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias(keyType);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return alias(new String[] {keyType}) == null ? null : new String[] {"device"};
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return "device".equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return "device".equals(alias) ? key : null;
        }
    }
}
