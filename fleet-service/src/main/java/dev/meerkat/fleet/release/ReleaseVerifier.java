package dev.meerkat.fleet.release;

import dev.meerkat.fleet.FleetConfig;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwVerification;
import dev.meerkat.fwzip.FwZipException;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageSource;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.ParsedImage;
import dev.meerkat.image.TlvEntry;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.image.VerifiedImage;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Checks an uploaded artifact before it becomes a release: a signed MCUboot image (signature by a
 * trusted release key, hash, version, security counter, and the platform in protected TLV {@value
 * #PLATFORM_TLV}, as Meerkat firmware images carry it) or a signed fw.zip (manifest signature and
 * every part's hashes). Anything unsigned, signed by another key or for another platform is
 * refused.
 */
@ApplicationScoped
public class ReleaseVerifier {
    private static final Logger LOG = Logger.getLogger(ReleaseVerifier.class);

    /** Protected custom TLV of Meerkat firmware images that names the target platform (UTF-8). */
    public static final int PLATFORM_TLV = 0xA0;

    /** What the verification established. */
    public record Verified(
            String format,
            String version,
            Long securityCounter,
            String platform,
            String imageHash,
            String signerKeyHash) {}

    @Inject FleetConfig config;

    private List<VerificationKey> keys = List.of();

    @PostConstruct
    void load() {
        Path p = config.releaseKeys();
        List<VerificationKey> out = new ArrayList<>();
        try {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    for (Path f : s.filter(f -> f.toString().endsWith(".pem")).sorted().toList()) {
                        out.add(
                                VerificationKey.fromPem(
                                        Files.readString(f, StandardCharsets.US_ASCII)));
                    }
                }
            } else if (Files.isRegularFile(p)) {
                out.add(VerificationKey.fromPem(Files.readString(p, StandardCharsets.US_ASCII)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read release keys from " + p, e);
        }
        if (out.isEmpty())
            LOG.warnf("no trusted release keys in %s: every upload will be refused", p);
        keys = List.copyOf(out);
    }

    public int trustedKeyCount() {
        return keys.size();
    }

    /**
     * Verifies {@code file}; {@code expectedPlatform} (optional) must match what the artifact
     * names.
     */
    public Verified verify(Path file, String expectedPlatform) throws IOException {
        if (keys.isEmpty())
            throw Refusal.unprocessable("No trusted keys", "the fleet trusts no release key yet");
        byte[] magic = new byte[4];
        try (var in = Files.newInputStream(file)) {
            if (in.readNBytes(magic, 0, 4) < 4)
                throw Refusal.unprocessable("Not a release", "artifact is too short");
        }
        Verified v = magic[0] == 'P' && magic[1] == 'K' ? verifyFwZip(file) : verifyImage(file);
        if (v.platform() == null || v.platform().isEmpty()) {
            throw Refusal.unprocessable("No platform", "the artifact does not name its platform");
        }
        if (expectedPlatform != null && !expectedPlatform.equals(v.platform())) {
            throw Refusal.unprocessable(
                    "Wrong platform",
                    "artifact is for platform " + v.platform() + ", not " + expectedPlatform);
        }
        return v;
    }

    private Verified verifyImage(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ImageSource src = ImageSource.of(ch);
            ParsedImage parsed = ParsedImage.parse(src);
            VerifiedImage img =
                    ImageVerifier.trusting(keys).withPlaintextBody().verify(src, parsed);
            String platform = null;
            for (TlvEntry e : parsed.protectedTlvs()) {
                if (e.type() == PLATFORM_TLV)
                    platform = new String(e.tlv().value(), StandardCharsets.UTF_8);
            }
            OptionalLong sc = img.securityCounter();
            return new Verified(
                    "mcuboot",
                    versionText(img.version()),
                    sc.isPresent() ? sc.getAsLong() : null,
                    platform,
                    img.hashHex(),
                    img.signer().orElseThrow().keyHashHex());
        } catch (ImageFormatException e) {
            throw Refusal.unprocessable("Image rejected", e.getMessage());
        }
    }

    private Verified verifyFwZip(Path file) throws IOException {
        List<PublicKey> pub = keys.stream().map(VerificationKey::publicKey).toList();
        try (FwBundle b = FwBundle.open(file)) {
            FwVerification r = b.verify(pub, true);
            if (!r.valid() || !r.signatureMatched()) {
                throw Refusal.unprocessable(
                        "fw.zip rejected",
                        r.problems().isEmpty()
                                ? "a part does not match its manifest hashes"
                                : String.join("; ", r.problems()));
            }
            FwVerification.SignatureResult sig =
                    r.signatures().stream()
                            .filter(FwVerification.SignatureResult::matched)
                            .findFirst()
                            .orElseThrow();
            String version = b.manifest().version();
            if (version == null)
                throw Refusal.unprocessable("No version", "fw.zip manifest has no version");
            return new Verified(
                    "fwzip",
                    version,
                    null,
                    b.manifest().platform(),
                    null,
                    keys.get(sig.matchedKey()).keyHashHex());
        } catch (FwZipException e) {
            throw Refusal.unprocessable("fw.zip rejected", e.getMessage());
        }
    }

    /** {@code 1.2.3}, with {@code +build} only when the build number is not 0. */
    public static String versionText(ImageVersion v) {
        String s = v.major() + "." + v.minor() + "." + v.revision();
        return v.build() == 0 ? s : s + "+" + v.build();
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
