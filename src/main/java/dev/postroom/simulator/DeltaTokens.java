package dev.postroom.simulator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * The {@code $skiptoken} and {@code $deltatoken} of delta links: opaque to clients (base64url), signed with a key
 * made at start-up (HMAC-SHA256), so a forged or edited token is as unknown as a stale one. They carry the query
 * options of the round's first request, as Graph's do, which is why links must be used exactly as given.
 */
@ApplicationScoped
class DeltaTokens {

    /**
     * What a token says.
     *
     * @param skip       true for a skip token (a page of a round), false for a delta token (the next round)
     * @param scope      a folder id, or {@link DeltaService#FOLDERS} for the folder tree
     * @param round      the round a skip token pages
     * @param since      the change sequence a delta token's next round starts after
     * @param offset     the first entry of the page a skip token asks for
     * @param generation the number of the page a skip token asks for (1 for the second page)
     * @param select     the {@code $select} of the round, comma-separated, empty for all properties
     */
    record State(boolean skip, String mailboxId, int epoch, String scope, long round, long since, int offset,
            int generation, int pageSize, String select) {
    }

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final int MAC_BYTES = 16;

    private final SecretKeySpec key;

    DeltaTokens() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        key = new SecretKeySpec(secret, "HmacSHA256");
    }

    String encode(State state) {
        String payload = String.join("|", state.skip() ? "S" : "D", state.mailboxId(), String.valueOf(state.epoch()),
                state.scope(), String.valueOf(state.round()), String.valueOf(state.since()), String.valueOf(state.offset()),
                String.valueOf(state.generation()), String.valueOf(state.pageSize()), state.select());
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(bytes) + "." + ENCODER.encodeToString(mac(bytes));
    }

    /** The state of a genuine token of the wanted kind, else empty. */
    Optional<State> decode(String token, boolean skip) {
        if (token == null) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot < 1) {
            return Optional.empty();
        }
        try {
            byte[] payload = DECODER.decode(token.substring(0, dot));
            byte[] mac = DECODER.decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(mac, mac(payload))) {
                return Optional.empty();
            }
            String[] fields = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
            if (fields.length != 10 || !fields[0].equals(skip ? "S" : "D")) {
                return Optional.empty();
            }
            return Optional.of(new State(skip, fields[1], Integer.parseInt(fields[2]), fields[3], Long.parseLong(fields[4]),
                    Long.parseLong(fields[5]), Integer.parseInt(fields[6]), Integer.parseInt(fields[7]),
                    Integer.parseInt(fields[8]), fields[9]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Arrays.copyOf(mac.doFinal(payload), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
