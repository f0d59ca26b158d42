package dev.postroom.account;

import dev.postroom.mail.Secret;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token vault on its own: AES-256-GCM, binding to subject and purpose, key rotation, configuration errors. */
class TokenVaultTest {

    private static final String KEY_A = Base64.getEncoder().encodeToString(bytes(32, 1));
    private static final String KEY_B = Base64.getEncoder().encodeToString(bytes(32, 2));
    private static final Secret TOKEN = Secret.of("EwB4A8l6BAAUkj1mq.a-refresh-token-of-some-length-" + UUID.randomUUID());

    private static TokenVault vault(String... entries) {
        return new TokenVault(Optional.of(List.of(entries)));
    }

    @Test
    void sealedValueOpensAgainAndNeitherContainsNorEqualsTheToken() {
        TokenVault vault = vault("a:" + KEY_A);
        String subject = UUID.randomUUID().toString();

        TokenVault.Sealed sealed = vault.seal(TokenVault.Purpose.REFRESH_TOKEN, subject, TOKEN);

        assertEquals("a", sealed.keyId());
        byte[] plain = TOKEN.reveal().getBytes(StandardCharsets.UTF_8);
        assertEquals(12 + plain.length + 16, sealed.bytes().length, "nonce || ciphertext || tag");
        assertFalse(new String(sealed.bytes(), StandardCharsets.ISO_8859_1).contains(TOKEN.reveal()));
        assertEquals(TOKEN, vault.open(TokenVault.Purpose.REFRESH_TOKEN, subject, "a", sealed.bytes()));
    }

    @Test
    void everySealUsesAFreshNonce() {
        TokenVault vault = vault("a:" + KEY_A);
        byte[] first = vault.seal(TokenVault.Purpose.ACCESS_TOKEN, "m", TOKEN).bytes();
        byte[] second = vault.seal(TokenVault.Purpose.ACCESS_TOKEN, "m", TOKEN).bytes();
        assertNotEquals(Base64.getEncoder().encodeToString(first), Base64.getEncoder().encodeToString(second));
    }

    @Test
    void aValueMovedToAnotherRowOrColumnOrAlteredDoesNotOpen() {
        TokenVault vault = vault("a:" + KEY_A);
        String mailbox = UUID.randomUUID().toString();
        byte[] sealed = vault.seal(TokenVault.Purpose.REFRESH_TOKEN, mailbox, TOKEN).bytes();

        assertThrows(TokenVaultException.class,
                () -> vault.open(TokenVault.Purpose.REFRESH_TOKEN, UUID.randomUUID().toString(), "a", sealed));
        assertThrows(TokenVaultException.class,
                () -> vault.open(TokenVault.Purpose.ACCESS_TOKEN, mailbox, "a", sealed));
        byte[] altered = sealed.clone();
        altered[20] ^= 1;
        assertThrows(TokenVaultException.class, () -> vault.open(TokenVault.Purpose.REFRESH_TOKEN, mailbox, "a", altered));
        assertThrows(TokenVaultException.class,
                () -> vault.open(TokenVault.Purpose.REFRESH_TOKEN, mailbox, "a", new byte[5]));
    }

    @Test
    void rotationSealsWithTheFirstKeyAndOpensWithAny() {
        TokenVault before = vault("a:" + KEY_A);
        byte[] old = before.seal(TokenVault.Purpose.ACCESS_TOKEN, "m", TOKEN).bytes();

        TokenVault after = vault("b:" + KEY_B, "a:" + KEY_A);

        assertEquals(List.of("b", "a"), after.keyIds());
        assertEquals(TOKEN, after.open(TokenVault.Purpose.ACCESS_TOKEN, "m", "a", old));
        TokenVault.Sealed fresh = after.seal(TokenVault.Purpose.ACCESS_TOKEN, "m", TOKEN);
        assertEquals("b", fresh.keyId());
        // The same bytes under the other key id do not open: the key id is not decoration.
        assertThrows(TokenVaultException.class, () -> after.open(TokenVault.Purpose.ACCESS_TOKEN, "m", "a", fresh.bytes()));
        TokenVaultException gone = assertThrows(TokenVaultException.class,
                () -> vault("b:" + KEY_B).open(TokenVault.Purpose.ACCESS_TOKEN, "m", "a", old));
        assertTrue(gone.getMessage().contains("'a'"), gone.getMessage());
    }

    @Test
    void withoutKeysNothingIsSealedAndTheMessageSaysWhatToSet() {
        TokenVault vault = new TokenVault(Optional.empty());

        assertFalse(vault.configured());
        TokenVaultNotConfiguredException e = assertThrows(TokenVaultNotConfiguredException.class,
                () -> vault.seal(TokenVault.Purpose.ACCESS_TOKEN, "m", TOKEN));
        assertEquals("token vault not configured: set POSTROOM_TOKEN_VAULT_KEYS", e.getMessage());
    }

    @Test
    void badKeyConfigurationFailsWithoutEchoingKeyMaterial() {
        String shortKey = Base64.getEncoder().encodeToString(bytes(16, 3));
        for (String entry : List.of("a:" + shortKey, "nokid" + KEY_A, ":" + KEY_A, "a:not base64!!", "bad kid:" + KEY_A)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vault(entry));
            assertFalse(e.getMessage().contains(shortKey) || e.getMessage().contains(KEY_A), e.getMessage());
            assertTrue(e.getMessage().startsWith("postroom.token-vault.keys"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> vault("a:" + KEY_A, "a:" + KEY_B));
    }

    @Test
    void secretsHideThemselvesWhenPrinted() {
        assertEquals("Secret[hidden]", TOKEN.toString());
        assertFalse(new dev.postroom.provider.AccessToken(TOKEN, java.time.Instant.now()).toString().contains(TOKEN.reveal()));
        assertArrayEquals(TOKEN.reveal().getBytes(StandardCharsets.UTF_8), Secret.of(TOKEN.reveal()).reveal().getBytes(StandardCharsets.UTF_8));
        assertEquals(TOKEN, Secret.of(TOKEN.reveal()));
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i);
        }
        return bytes;
    }
}
