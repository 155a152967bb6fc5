package dev.meerkat.cli;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.image.DecryptionKey;
import dev.meerkat.image.EncryptionKey;
import dev.meerkat.image.SigningKey;
import dev.meerkat.image.VerificationKey;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * Loads key files for commands, naming the file in every error. Password-protected keys take their
 * password from {@code MEERKAT_KEY_PASSWORD} or, on a terminal, from a prompt.
 */
public final class KeyFiles {
    public static final String PASSWORD_ENV = "MEERKAT_KEY_PASSWORD";

    private KeyFiles() {}

    public static String read(Path file) {
        try {
            long size = Files.size(file);
            if (size > 1 << 20)
                throw CliException.usage(file + ": " + size + " bytes is too large for a key file");
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCode.IO, file + ": no such key file");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw CliException.usage(file + ": not a PEM key file (binary content)");
        } catch (IOException e) {
            throw new CliException(ExitCode.IO, file + ": cannot read key file: " + e.getMessage());
        }
    }

    public static SigningKey signingKey(Path file) {
        return withPassword(file, pw -> SigningKey.fromPem(read(file), pw));
    }

    public static VerificationKey verificationKey(Path file) {
        return withPassword(file, pw -> VerificationKey.fromPem(read(file), pw));
    }

    public static DecryptionKey decryptionKey(Path file) {
        byte[] kek = rawKek(file);
        if (kek != null) return DecryptionKey.aesKeyWrap(kek);
        return withPassword(file, pw -> DecryptionKey.fromPem(read(file), pw));
    }

    public static EncryptionKey encryptionKey(Path file) {
        byte[] kek = rawKek(file);
        if (kek != null) return EncryptionKey.aesKeyWrap(kek);
        return withPassword(file, pw -> EncryptionKey.fromPem(read(file), pw));
    }

    /** A symmetric key-encryption key: a file holding 16 or 32 bytes in hex (ENC_KW). */
    private static byte[] rawKek(Path file) {
        String text = read(file).strip();
        if (text.startsWith("-----")) return null;
        try {
            byte[] k = HexFormat.of().parseHex(text);
            if (k.length == 16 || k.length == 32) return k;
        } catch (IllegalArgumentException ignored) {
            // fall through to the error below
        }
        throw CliException.usage(
                file + ": neither a PEM key nor a 16/32-byte hex AES key-wrap key");
    }

    private static <T> T withPassword(Path file, Function<char[], T> load) {
        try {
            return load.apply(null);
        } catch (IllegalArgumentException e) {
            if (!String.valueOf(e.getMessage()).contains("password-protected")) {
                throw CliException.usage(file + ": " + e.getMessage());
            }
        }
        char[] pw = password("Password for " + file + ": ");
        if (pw == null) {
            throw CliException.usage(
                    file
                            + ": the key is password-protected: set "
                            + PASSWORD_ENV
                            + " or run on a terminal to be prompted");
        }
        try {
            return load.apply(pw);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(file + ": " + e.getMessage());
        } finally {
            java.util.Arrays.fill(pw, '\0');
        }
    }

    /** The password from the environment, else a terminal prompt, else null. */
    public static char[] password(String prompt) {
        String env = System.getenv(PASSWORD_ENV);
        if (env != null && !env.isEmpty()) return env.toCharArray();
        Console c = System.console();
        return c == null ? null : c.readPassword("%s", prompt);
    }
}
