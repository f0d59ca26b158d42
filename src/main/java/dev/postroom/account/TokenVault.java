package dev.postroom.account;

import dev.postroom.mail.Secret;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Encrypts tokens at rest: AES-256-GCM with a random 12-byte nonce per value, stored as {@code nonce || ciphertext+tag}.
 * The associated data binds each value to its subject (a mailbox id, a state hash) and purpose, so a ciphertext
 * copied into another row or column does not decrypt.
 *
 * <p>Keys come from {@code postroom.token-vault.keys} ({@code POSTROOM_TOKEN_VAULT_KEYS}):
 * {@code kid:base64-of-32-bytes[,kid:...]}. The first key encrypts, every key decrypts, and each row stores the id of
 * its key: to rotate, put a new key first and keep the old ones until every row has been re-sealed (tokens are
 * re-sealed at each refresh). There is no default key outside the dev, test and local profiles: without keys,
 * linking is refused with a clear message and start-up logs a warning.
 */
@ApplicationScoped
public class TokenVault {

    /** What a sealed value is; part of the associated data. */
    public enum Purpose {
        ACCESS_TOKEN, REFRESH_TOKEN, CODE_VERIFIER
    }

    /** A sealed value and the id of the key that sealed it. */
    public record Sealed(String keyId, byte[] bytes) {
    }

    private static final Logger LOG = Logger.getLogger(TokenVault.class);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int KEY_BYTES = 32;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** The key id of the development key in application.properties; warned about if it is ever used elsewhere. */
    static final String DEVELOPMENT_KEY_ID = "dev-only-not-secret";

    private final SecureRandom random = new SecureRandom();
    /** In configuration order: the first one seals. */
    private final Map<String, SecretKeySpec> keys;

    public TokenVault(@ConfigProperty(name = "postroom.token-vault.keys") Optional<List<String>> configured) {
        this.keys = parse(configured.orElse(List.of()));
    }

    private static Map<String, SecretKeySpec> parse(List<String> entries) {
        Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
        int position = 0;
        for (String entry : entries) {
            position++;
            String trimmed = entry.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            // Messages name the entry by position and key id only: never echo key material.
            int colon = trimmed.indexOf(':');
            String keyId = colon < 0 ? "" : trimmed.substring(0, colon).strip();
            if (!KEY_ID.matcher(keyId).matches()) {
                throw new IllegalArgumentException("postroom.token-vault.keys: entry " + position
                        + " must be kid:base64-of-32-bytes, with a kid of letters, digits, '.', '_' or '-'");
            }
            byte[] material;
            try {
                material = Base64.getDecoder().decode(trimmed.substring(colon + 1).strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("postroom.token-vault.keys: the key '" + keyId + "' is not valid base64");
            }
            if (material.length != KEY_BYTES) {
                throw new IllegalArgumentException("postroom.token-vault.keys: the key '" + keyId + "' must be "
                        + KEY_BYTES + " bytes (generate one with: openssl rand -base64 32)");
            }
            if (keys.put(keyId, new SecretKeySpec(material, "AES")) != null) {
                throw new IllegalArgumentException("postroom.token-vault.keys: the key id '" + keyId + "' appears twice");
            }
            Arrays.fill(material, (byte) 0);
        }
        return keys;
    }

    void report(@Observes StartupEvent event) {
        if (keys.isEmpty()) {
            LOG.warn("Token vault not configured: set POSTROOM_TOKEN_VAULT_KEYS (kid:base64-32-bytes, e.g. from "
                    + "'openssl rand -base64 32'); linking mailboxes is refused until then");
        } else {
            LOG.infof("Token vault: %d key(s), sealing with '%s'", keys.size(), currentKeyId());
            if (keys.containsKey(DEVELOPMENT_KEY_ID) && ConfigUtils.isProfileActive("prod")) {
                LOG.warn("Token vault: the public development key '" + DEVELOPMENT_KEY_ID + "' is configured in "
                        + "production; tokens sealed with it are not protected");
            }
        }
    }

    public boolean configured() {
        return !keys.isEmpty();
    }

    /** Fails with {@link TokenVaultNotConfiguredException} when there is no key. */
    public void requireConfigured() {
        if (keys.isEmpty()) {
            throw new TokenVaultNotConfiguredException();
        }
    }

    /** The id of the key that seals new values. */
    public String currentKeyId() {
        requireConfigured();
        return keys.keySet().iterator().next();
    }

    /** Encrypts {@code value} for {@code subject} and {@code purpose} with the current key. */
    public Sealed seal(Purpose purpose, String subject, Secret value) {
        String keyId = currentKeyId();
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(keyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(purpose, subject));
            byte[] ciphertext = cipher.doFinal(value.reveal().getBytes(StandardCharsets.UTF_8));
            byte[] sealed = new byte[NONCE_BYTES + ciphertext.length];
            System.arraycopy(nonce, 0, sealed, 0, NONCE_BYTES);
            System.arraycopy(ciphertext, 0, sealed, NONCE_BYTES, ciphertext.length);
            return new Sealed(keyId, sealed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Decrypts a value sealed by {@link #seal} for the same subject and purpose. Fails with {@link TokenVaultException}
     * when the key is no longer configured or the value was changed or belongs elsewhere.
     */
    public Secret open(Purpose purpose, String subject, String keyId, byte[] sealed) {
        requireConfigured();
        SecretKeySpec key = keys.get(keyId);
        if (key == null) {
            throw new TokenVaultException("the token vault key '" + keyId + "' is not configured any more: put it back "
                    + "in POSTROOM_TOKEN_VAULT_KEYS (after the current key) or link the mailbox again");
        }
        if (sealed == null || sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new TokenVaultException("a sealed " + purpose + " is truncated");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(associatedData(purpose, subject));
            byte[] plain = cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
            return Secret.of(new String(plain, StandardCharsets.UTF_8));
        } catch (AEADBadTagException e) {
            throw new TokenVaultException("a sealed " + purpose + " does not belong to this row or was altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK: " + e.getClass().getSimpleName());
        }
    }

    private static byte[] associatedData(Purpose purpose, String subject) {
        return ("postroom-token-vault:v1:" + purpose.name() + ":" + subject).getBytes(StandardCharsets.UTF_8);
    }

    /** The ids of the configured keys, the sealing one first (for operators' checks and tests). */
    public List<String> keyIds() {
        return new ArrayList<>(keys.keySet());
    }
}
