package dev.meerkat.cli.provision;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.chip.ChipException;
import dev.meerkat.chip.ChipStatusException;
import dev.meerkat.chip.ConfigZone;
import dev.meerkat.chip.Crc16;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.atcacert.CertDefinition;
import dev.meerkat.chip.atcacert.CompressedCert;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.jca.ChipPrivateKey;
import dev.meerkat.chip.jca.ChipProvider;
import dev.meerkat.chip.jca.EcKeys;
import dev.meerkat.chip.provisioning.ConfigTemplate;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.remote.RemoteClient;
import java.io.ByteArrayInputStream;
import java.security.Security;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Gives one chip its identity. Every step first looks at the chip to see whether it was done
 * already, so running again after an interruption (power loss, service down, station crash)
 * resumes:
 *
 * <ol>
 *   <li>read-serial; write-config (template over the config zone, unless locked with the same
 *       template; locked with another one: refused); lock-config (the chip checks the CRC of the
 *       expected image);
 *   <li>genkey in the device key slot unless a key is there; csr signed inside the chip; issue (the
 *       service answers the same certificate for the same chip and key); verify-chain (PKIX up to
 *       the root);
 *   <li>write-certs (compressed device and signer certificates, signer public key; checked by
 *       rebuilding them before writing); lock-data; verify-chip (the certificate rebuilt from what
 *       the chip holds).
 * </ol>
 */
public final class Provisioner {
    private static final int LOCK_DATA_ZONE = 1;

    private final RemoteClient service;
    private final ConfigTemplate template;
    private final boolean renew;

    /** One chip: a label for messages, the driver, and the emulator behind it if there is one. */
    public record Chip(String label, CryptoChip driver, EmulatedChip emulator) {}

    /** One step, how long it took, and whether it did anything. */
    public record Step(String name, String status, long micros) {}

    /** What provisioning one chip produced. */
    public record Outcome(
            String serial,
            String certSerial,
            String fingerprint,
            String certificatePem,
            List<String> chainPem,
            boolean changedChip,
            List<Step> steps,
            long totalMicros,
            long chipMillis,
            long commands) {}

    public Provisioner(RemoteClient service, ConfigTemplate template) {
        this(service, template, false);
    }

    /**
     * With {@code renew}, the service replaces a chip's earlier (revoked) certificate instead of
     * refusing (admin role).
     */
    public Provisioner(RemoteClient service, ConfigTemplate template, boolean renew) {
        this.service = service;
        this.template = template;
        this.renew = renew;
        synchronized (Provisioner.class) {
            if (Security.getProvider(ChipProvider.NAME) == null)
                Security.addProvider(new ChipProvider());
        }
    }

    public Outcome provision(Chip chip) {
        try {
            return run(chip);
        } catch (ChipException e) {
            throw new CliException(
                    ExitCode.IO,
                    "chip " + chip.label() + ": " + e.getMessage() + "; run again to resume",
                    e);
        }
    }

    private Outcome run(Chip chip) {
        CryptoChip c = chip.driver();
        long chipMillis0 = chip.emulator() == null ? 0 : chip.emulator().chipMillis();
        long commands0 = c.commandCount();
        long start = System.nanoTime();
        List<Step> steps = new ArrayList<>();
        Run run = new Run(chip, steps);

        byte[] config = run.step("read-serial", () -> c.readConfigZone());
        ConfigZone zone = new ConfigZone(config);
        String serial = HexFormat.of().withUpperCase().formatHex(zone.serialNumber());
        run.serial = serial;

        boolean configWasLocked = zone.configLocked();
        if (configWasLocked) {
            List<String> diff = template.differences(config);
            if (!diff.isEmpty()) {
                throw new CliException(
                        ExitCode.INVALID,
                        "chip "
                                + serial
                                + " ("
                                + chip.label()
                                + ") is locked with a foreign"
                                + " configuration, not template '"
                                + template.name()
                                + "': "
                                + String.join("; ", diff.subList(0, Math.min(4, diff.size())))
                                + (diff.size() > 4 ? "; ..." : "")
                                + ". It cannot be provisioned here.");
            }
            run.skip("write-config");
            run.skip("lock-config");
        } else {
            byte[] wanted = template.apply(config);
            run.step(
                    "write-config",
                    () -> {
                        c.writeConfigZone(wanted);
                        return null;
                    });
            run.step(
                    "lock-config",
                    () -> {
                        byte[] back = c.readConfigZone();
                        if (!template.differences(back).isEmpty())
                            throw new IllegalStateException("config read back differs");
                        c.lockConfig(Crc16.compute(template.apply(back)));
                        return null;
                    });
            zone = new ConfigZone(c.readConfigZone());
        }
        boolean dataLocked = zone.dataLocked();
        int keySlot = template.deviceKeySlot();

        byte[] existing = existingKey(c, keySlot);
        byte[] publicKey;
        if (existing != null) {
            publicKey = existing;
            run.skip("genkey");
        } else if (dataLocked) {
            throw new CliException(
                    ExitCode.INVALID,
                    "chip "
                            + serial
                            + ": data zone locked without a key in slot "
                            + keySlot
                            + "; it cannot be provisioned");
        } else {
            publicKey = run.step("genkey", () -> c.genKey(keySlot));
        }
        ECPublicKey pub = EcKeys.publicKey(publicKey);
        if (template.imageKeySlot().isPresent()) {
            int imageSlot = template.imageKeySlot().getAsInt();
            if (existingKey(c, imageSlot) != null || dataLocked) {
                run.skip("genkey-image");
            } else {
                run.step("genkey-image", () -> c.genKey(imageSlot));
            }
        }

        String csrPem = run.step("csr", () -> csr(c, keySlot, pub, serial));
        JsonNode issued =
                run.step(
                        "issue",
                        () ->
                                service.post(
                                                "/api/v1/pki/csr",
                                                renew
                                                        ? Map.of("csr", csrPem, "renew", true)
                                                        : Map.of("csr", csrPem))
                                        .json());
        String certPem = issued.path("cert").path("certificate").asText();
        List<String> chain = new ArrayList<>();
        issued.path("chain").forEach(n -> chain.add(n.asText()));

        X509Certificate[] certs =
                run.step("verify-chain", () -> verifyChain(serial, pub, certPem, chain));
        X509Certificate device = certs[0];
        X509Certificate signer = certs[1];
        ECPublicKey signerPub = (ECPublicKey) signer.getPublicKey();

        byte[][] slots =
                run.step("compress", () -> compress(device, signer, zone0(c), pub, signerPub));
        boolean changed = existing == null || !configWasLocked;
        if (dataLocked
                && Arrays.equals(readSlot(c, template.deviceCertSlot()), slots[0])
                && Arrays.equals(readSlot(c, template.signerPublicKeySlot()), slots[1])
                && Arrays.equals(readSlot(c, template.signerCertSlot()), slots[2])) {
            run.skip("write-certs");
        } else {
            run.step(
                    "write-certs",
                    () -> {
                        c.writeSlot(template.deviceCertSlot(), slots[0]);
                        c.writeSlot(template.signerPublicKeySlot(), slots[1]);
                        c.writeSlot(template.signerCertSlot(), slots[2]);
                        return null;
                    });
            changed = true;
        }
        if (dataLocked) {
            run.skip("lock-data");
        } else {
            run.step(
                    "lock-data",
                    () -> {
                        // The device key is unknown outside the chip, so the data lock cannot carry
                        // a CRC of the
                        // zone; what matters is checked by reading the certificates back below.
                        c.lockUnchecked(LOCK_DATA_ZONE);
                        return null;
                    });
            changed = true;
        }
        run.step(
                "verify-chip",
                () -> {
                    verifyChip(c, device, signer, serial);
                    return null;
                });
        long total = (System.nanoTime() - start) / 1000;
        long chipMillis = chip.emulator() == null ? 0 : chip.emulator().chipMillis() - chipMillis0;
        return new Outcome(
                serial,
                issued.path("cert").path("serial").asText(),
                issued.path("cert").path("fingerprint").asText(),
                certPem,
                chain,
                changed,
                List.copyOf(steps),
                total,
                chipMillis,
                c.commandCount() - commands0);
    }

    // ------------------------------------------------------------------ steps

    private static byte[] existingKey(CryptoChip c, int slot) {
        try {
            return c.publicKey(slot);
        } catch (ChipStatusException e) {
            return null; // no valid key in the slot yet
        }
    }

    private static byte[] zone0(CryptoChip c) {
        return c.serialNumber();
    }

    static String csr(CryptoChip c, int slot, ECPublicKey pub, String serial) throws Exception {
        ChipPrivateKey key = new ChipPrivateKey(c, slot, pub);
        byte[] der =
                new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + serial), pub)
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key))
                        .getEncoded();
        return dev.meerkat.cli.remote.JwtMinter.pem("CERTIFICATE REQUEST", der);
    }

    private static X509Certificate[] verifyChain(
            String serial, ECPublicKey pub, String certPem, List<String> chain) throws Exception {
        if (chain.size() < 2)
            throw new IllegalStateException("the service sent no chain up to a root");
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate device =
                (X509Certificate)
                        cf.generateCertificate(new ByteArrayInputStream(certPem.getBytes()));
        X509Certificate signer =
                (X509Certificate)
                        cf.generateCertificate(new ByteArrayInputStream(chain.get(0).getBytes()));
        X509Certificate root =
                (X509Certificate)
                        cf.generateCertificate(
                                new ByteArrayInputStream(chain.get(chain.size() - 1).getBytes()));
        if (!device.getPublicKey().equals(pub))
            throw new IllegalStateException("the certificate is not for the chip's key");
        String cn = new X500Principal(device.getSubjectX500Principal().getEncoded()).getName();
        if (!cn.contains("CN=" + serial))
            throw new IllegalStateException("the certificate's subject is not CN=" + serial);
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX")
                .validate(cf.generateCertPath(List.of(device, signer)), params);
        return new X509Certificate[] {device, signer};
    }

    private byte[][] compress(
            X509Certificate device,
            X509Certificate signer,
            byte[] serialNumber,
            ECPublicKey pub,
            ECPublicKey signerPub)
            throws Exception {
        CertDefinition dd =
                CertDefinition.fromCertificate(
                        CertDefinition.Kind.DEVICE,
                        device.getEncoded(),
                        template.deviceTemplateId(),
                        template.chainId());
        CertDefinition sd =
                CertDefinition.fromCertificate(
                        CertDefinition.Kind.SIGNER,
                        signer.getEncoded(),
                        template.signerTemplateId(),
                        template.chainId());
        CompressedCert dc = dd.compress(device.getEncoded());
        CompressedCert sc = sd.compress(signer.getEncoded());
        if (!Arrays.equals(
                dd.rebuild(dc, EcKeys.raw(pub), serialNumber, EcKeys.raw(signerPub)),
                device.getEncoded())) {
            throw new IllegalStateException(
                    "the device certificate does not rebuild from its compressed form");
        }
        return new byte[][] {
            dc.toBytes(), CryptoChip.publicKeySlotFormat(EcKeys.raw(signerPub)), sc.toBytes()
        };
    }

    private static byte[] readSlot(CryptoChip c, int slot) {
        return Arrays.copyOf(c.readSlot(slot), 72);
    }

    /**
     * Rebuilds both certificates from the chip's slots and its key; they must be the issued ones.
     */
    private void verifyChip(
            CryptoChip c, X509Certificate device, X509Certificate signer, String serial)
            throws Exception {
        byte[] signerSlot = readSlot(c, template.signerPublicKeySlot());
        byte[] signerXy = new byte[64];
        System.arraycopy(signerSlot, 4, signerXy, 0, 32);
        System.arraycopy(signerSlot, 40, signerXy, 32, 32);
        CertDefinition dd =
                CertDefinition.fromCertificate(
                        CertDefinition.Kind.DEVICE,
                        device.getEncoded(),
                        template.deviceTemplateId(),
                        template.chainId());
        CertDefinition sd =
                CertDefinition.fromCertificate(
                        CertDefinition.Kind.SIGNER,
                        signer.getEncoded(),
                        template.signerTemplateId(),
                        template.chainId());
        byte[] rebuiltDevice =
                dd.rebuild(
                        CompressedCert.parse(readSlot(c, template.deviceCertSlot())),
                        c.publicKey(template.deviceKeySlot()),
                        c.serialNumber(),
                        signerXy);
        byte[] rebuiltSigner =
                sd.rebuild(
                        CompressedCert.parse(readSlot(c, template.signerCertSlot())),
                        signerXy,
                        null,
                        null);
        if (!Arrays.equals(rebuiltDevice, device.getEncoded())
                || !Arrays.equals(rebuiltSigner, signer.getEncoded())) {
            throw new IllegalStateException(
                    "the certificates rebuilt from chip "
                            + serial
                            + " differ from the issued ones");
        }
    }

    // ------------------------------------------------------------------ step bookkeeping

    @FunctionalInterface
    interface Work<T> {
        T run() throws Exception;
    }

    private static final class Run {
        final Chip chip;
        final List<Step> steps;
        String serial;

        Run(Chip chip, List<Step> steps) {
            this.chip = chip;
            this.steps = steps;
        }

        <T> T step(String name, Work<T> work) {
            long t0 = System.nanoTime();
            try {
                T r = work.run();
                steps.add(new Step(name, "done", (System.nanoTime() - t0) / 1000));
                return r;
            } catch (CliException e) {
                throw new CliException(
                        e.exitCode(), where(name) + e.getMessage() + "; run again to resume", e);
            } catch (ChipException e) {
                throw new CliException(
                        ExitCode.IO,
                        where(name) + "chip: " + e.getMessage() + "; run again to resume",
                        e);
            } catch (Exception e) {
                // A chip failure inside a JCA call (the CSR is signed through the chip's provider)
                // is still
                // a chip failure: the step can be resumed.
                for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                    if (c instanceof ChipException chipFailure) {
                        throw new CliException(
                                ExitCode.IO,
                                where(name)
                                        + "chip: "
                                        + chipFailure.getMessage()
                                        + "; run again to resume",
                                e);
                    }
                }
                throw new CliException(ExitCode.INVALID, where(name) + e.getMessage(), e);
            }
        }

        void skip(String name) {
            steps.add(new Step(name, "skipped", 0));
        }

        private String where(String step) {
            return "chip " + (serial == null ? chip.label() : serial) + ", step " + step + ": ";
        }
    }
}
